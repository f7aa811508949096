'use client';
/**
 * Back from Stripe, the booking may still say "awaiting payment": the webhook that confirms it
 * can arrive a moment after the customer does. Ask once a second until it settles, then show
 * the page again from the server. After a minute, stop and say what will happen instead.
 */
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { fetchBooking } from '../../_lib/api-client';
import { useBooking } from '../../_components/booking-provider';

const INTERVAL_MS = 1000;
const GIVE_UP_MS = 60_000;

export function PaymentPoller({ bookingNumber }: { bookingNumber: string }) {
  const router = useRouter();
  const { setBooking } = useBooking();
  const [slow, setSlow] = useState(false);

  useEffect(() => {
    const started = Date.now();
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      try {
        const booking = await fetchBooking();
        if (stopped) return;
        if (booking && booking.bookingNumber === bookingNumber && booking.status !== 'checkout') {
          setBooking(booking);
          router.refresh();
          return;
        }
      } catch {
        // a network blip: keep asking
      }
      if (Date.now() - started > GIVE_UP_MS) {
        setSlow(true);
        return;
      }
      timer = window.setTimeout(poll, INTERVAL_MS);
    };
    timer = window.setTimeout(poll, INTERVAL_MS);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [bookingNumber, router, setBooking]);

  return (
    <div className="notice" role="status" data-testid="payment-pending">
      {slow ? (
        <p>
          Your payment is taking longer than usual to confirm. There is nothing more to do: we’ll email you as soon as it
          does.
        </p>
      ) : (
        <p>
          <span className="spinner" aria-hidden="true" /> Confirming your payment…
        </p>
      )}
    </div>
  );
}
