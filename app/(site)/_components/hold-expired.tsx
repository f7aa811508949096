'use client';
/**
 * The hold lapsed or was released: say so plainly and offer one way back — hold the very same
 * seats again. The first start time starts a new booking (the old one cannot be revived), the
 * others join it; any that have been taken meanwhile are named, with what is left.
 */
import { useState } from 'react';
import type { Booking } from '../_lib/booking-types';
import { reholdItems } from '../_lib/rehold';
import { useHydrated } from '@/lib/use-hydrated';
import { useBooking } from './booking-provider';

export function expiredHeadline(booking: Booking): string {
  return booking.status === 'released' ? 'Your seats were released.' : 'Your hold has expired.';
}

export function HoldExpired({ booking, showHeadline = true }: { booking: Booking; showHeadline?: boolean }) {
  const { setBooking, setNotice } = useBooking();
  const [working, setWorking] = useState(false);
  const hydrated = useHydrated();
  const [failures, setFailures] = useState<string[]>([]);

  async function holdAgain() {
    setWorking(true);
    setFailures([]);
    const { booking: current, failures: failed } = await reholdItems(booking.items);
    setWorking(false);
    if (current) {
      // This component goes away with the lapsed booking: the banner carries the report on.
      const bookingNumber = current.bookingNumber;
      setNotice(
        failed.length
          ? { bookingNumber, text: `Held again as booking ${bookingNumber}, except:`, details: failed }
          : { bookingNumber, text: `Your seats are held again as booking ${bookingNumber}.` },
      );
      setBooking(current);
    } else {
      setFailures(failed);
    }
  }

  return (
    <div className="hold-expired" data-testid="hold-expired">
      {showHeadline && <p className="hold-expired__headline">{expiredHeadline(booking)}</p>}
      {booking.items.length > 0 && (
        <button type="button" className="button button--primary" onClick={holdAgain} disabled={!hydrated || working} aria-busy={working}>
          {working ? 'Holding…' : 'Try to hold the same seats again'}
        </button>
      )}
      <div aria-live="polite" className="hold-expired__report">
        {failures.length > 0 && (
          <>
            <p>None of the seats could be held again:</p>
            <ul>
              {failures.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}
