'use client';
/** The header's link to the basket, with how many seats are held right now. */
import Link from 'next/link';
import { isLive, isPending, seatCount } from '../_lib/hold-summary';
import { useHydrated } from '@/lib/use-hydrated';
import { useBooking } from './booking-provider';

export function BasketLink() {
  const { booking } = useBooking();
  // The server cannot know the visitor's clock; count only once in the browser.
  const hydrated = useHydrated();
  const seats = hydrated && booking && isPending(booking) && isLive(booking) ? seatCount(booking) : 0;
  return (
    <Link href="/basket" aria-label={seats ? `Basket ${seats} ${seats === 1 ? 'seat' : 'seats'} held` : undefined}>
      {/* "Basket 2": the visible text, contained in the accessible name ("Basket 2 seats held"). */}
      Basket{seats > 0 && <> <span className="count-badge">{seats}</span></>}
    </Link>
  );
}
