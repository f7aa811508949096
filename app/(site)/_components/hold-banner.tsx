'use client';
/**
 * The hold banner, on every customer page while the visitor holds seats: booking number, what is
 * held, a countdown to the server's expiry and a way to the basket. It is fixed to the bottom of
 * the window, so appearing or growing never pushes the page's content around. At one minute left
 * it turns to a warning (announced politely); at zero it says the hold has expired and asks the
 * server what really happened (a payment may have extended it).
 */
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useEffect, useState } from 'react';
import type { Booking } from '../_lib/booking-types';
import { describeHold, isLive, isPending, seatCount } from '../_lib/hold-summary';
import { formatCountdown } from '@/lib/wall-clock';
import { useNow } from '@/lib/use-now';
import { useBooking } from './booking-provider';
import { HoldExpired, expiredHeadline } from './hold-expired';

const WARNING_MS = 60_000;

export function HoldBanner() {
  const { booking, refresh, notice: anyNotice, setNotice } = useBooking();
  const pathname = usePathname();
  const now = useNow(isPending(booking));
  const live = isPending(booking) && isLive(booking, now);
  const ranOut = isPending(booking) && !live;
  const number = booking?.bookingNumber ?? null;

  // Bookings this page has shown: only these get an "expired" banner (not old ones from the cookie).
  const [shown, setShown] = useState<string | null>(null);
  const [dismissed, setDismissed] = useState<string | null>(null);
  useEffect(() => {
    if (number && isPending(booking)) setShown(number);
  }, [number, booking]);

  // Time is up on our clock: ask the server now, and again once its expiry job has run.
  useEffect(() => {
    if (!ranOut) return;
    void refresh();
    const again = window.setTimeout(() => void refresh(), 3000);
    return () => window.clearTimeout(again);
  }, [ranOut, refresh]);

  // A notice about a hold that has since ended would be out of date: it is not shown.
  const notice = anyNotice && (!anyNotice.bookingNumber || (live && anyNotice.bookingNumber === number)) ? anyNotice : null;

  const lapsed = !!booking && !live && (ranOut || (shown === number && (booking.status === 'expired' || booking.status === 'released')));
  const visible = live || (lapsed && dismissed !== number && pathname !== '/basket');

  if (!visible && !notice) return null;

  const left = booking ? Date.parse(booking.expiresAt) - now : 0;
  const warning = live && left <= WARNING_MS;
  const status = live ? (warning ? 'Less than a minute left on your hold.' : '') : lapsed && booking ? expiredHeadline(booking) : '';

  return (
    <section
      className={`hold-banner${warning ? ' hold-banner--warning' : ''}${lapsed ? ' hold-banner--expired' : ''}`}
      data-testid="hold-banner"
      data-state={live ? (warning ? 'warning' : 'live') : lapsed ? 'expired' : 'notice'}
      aria-label="Your hold"
    >
      <div className="hold-banner__inner">
        {visible && booking && live && <LiveHold booking={booking} left={left} onBasket={pathname === '/basket'} />}
        <p className="hold-banner__status" aria-live="polite">
          {visible ? status : ''}
        </p>
        {visible && booking && lapsed && (
          <div className="hold-banner__expired">
            <HoldExpired booking={booking} showHeadline={false} />
            <button type="button" className="button button--quiet" onClick={() => setDismissed(booking.bookingNumber)}>
              Dismiss
            </button>
          </div>
        )}
        {notice && (
          <div className="hold-banner__notice" role="status" data-testid="hold-notice">
            <p>{notice.text}</p>
            {notice.details && (
              <ul>
                {notice.details.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            )}
            <button type="button" className="button button--quiet" onClick={() => setNotice(null)}>
              OK
            </button>
          </div>
        )}
      </div>
    </section>
  );
}

function LiveHold({ booking, left, onBasket }: { booking: Booking; left: number; onBasket: boolean }) {
  const seats = seatCount(booking);
  const paying = booking.status === 'checkout';
  return (
    <div className="hold-banner__live">
      <p className="hold-banner__what">
        <span className="hold-banner__label wide-only">{paying ? 'Payment in progress' : 'Seats held'}</span>{' '}
        <span className="hold-banner__number">{booking.bookingNumber}</span>{' '}
        <span className="hold-banner__summary">
          <span className="wide-only">{describeHold(booking)}</span>
          <span className="narrow-only">
            {seats} {seats === 1 ? 'seat' : 'seats'} {paying ? '· paying' : 'held'}
          </span>
        </span>
      </p>
      <p className="hold-banner__time">
        <span
          role="timer"
          aria-label="Time left on your hold"
          className="hold-banner__countdown"
          data-testid="hold-countdown"
          suppressHydrationWarning
        >
          {formatCountdown(left)}
        </span>{' '}
        <span className="wide-only">left</span>
      </p>
      {!onBasket && (
        <Link href="/basket" className="button button--primary hold-banner__basket">
          {paying ? 'Basket' : 'Go to basket'}
        </Link>
      )}
    </div>
  );
}
