import Link from 'next/link';
import { unstable_rethrow } from 'next/navigation';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { currentBooking } from '@/lib/current-booking';
import { logger } from '@/lib/logger';
import { ServerRenderTime } from '@/lib/use-now';
import { BasketLink } from './_components/basket-link';
import { BookingProvider } from './_components/booking-provider';
import { HoldBanner } from './_components/hold-banner';
import type { Booking } from './_lib/booking-types';

/*
 * Every customer page: the header, and the visitor's booking read from the hold cookie on the
 * server so the banner shows the right hold in the very first paint (no flash of "nothing held").
 * Reading the cookie makes these pages dynamic, as they must be.
 */
export default async function SiteLayout({ children }: { children: ReactNode }) {
  await connection();
  let booking: Booking | null = null;
  try {
    booking = await currentBooking();
  } catch (err) {
    unstable_rethrow(err); // Next's own control-flow errors are not failures
    // The page can still be shown; the banner learns about the hold from the next API answer.
    logger.warn({ event: 'current_booking_failed', err }, 'Could not read the visitor’s booking');
  }
  return (
    // The render time: the browser's first render counts down from it, so hydration matches.
    <ServerRenderTime at={Date.now()}>
      <BookingProvider initialBooking={booking}>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <header className="site-header">
          <Link href="/" className="brand">
            Holdfast
          </Link>
          <nav aria-label="Main" className="site-nav">
            <Link href="/">Experiences</Link>
            <BasketLink />
          </nav>
        </header>
        <main id="main">{children}</main>
        <HoldBanner />
      </BookingProvider>
    </ServerRenderTime>
  );
}
