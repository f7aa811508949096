'use client';
/**
 * The visitor's booking as a basket: every item under its booking number, people and removal
 * changed on the server at once (the answer is the new booking, so the banner and the total
 * follow), the total, and the contact form to pay. Whatever state the hold is in — live, being
 * paid, lapsed, released, confirmed — the page says which, and what can be done next.
 */
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { formatMoney } from '@/emails/format';
import { changeBooking, changePeople, releaseHold, removeItem } from '../_lib/api-client';
import type { Booking } from '../_lib/booking-types';
import { describeHoldError } from '../_lib/hold-errors';
import { isLive, isPending } from '../_lib/hold-summary';
import { useHydrated } from '@/lib/use-hydrated';
import { useNow } from '@/lib/use-now';
import { useBooking } from '../_components/booking-provider';
import { HoldExpired, expiredHeadline } from '../_components/hold-expired';
import { BasketItem } from './basket-item';
import { ContactForm } from './contact-form';

export function BasketView() {
  const { booking, setBooking, refresh, restoring } = useBooking();
  const now = useNow(isPending(booking), 1000);
  const [busyItem, setBusyItem] = useState<number | null>(null);
  const [errors, setErrors] = useState<Record<number, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [releasing, setReleasing] = useState(false);
  const [unfreezing, setUnfreezing] = useState(false);
  const busy = useRef(false);
  const hydrated = useHydrated();

  // The basket must not show a hold the server has let go of (another tab, a beacon, the clock).
  useEffect(() => {
    if (booking) void refresh();
    // Only on arrival; later changes come from the answers themselves.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // A reload gave the hold back by beacon a moment ago and this tab is taking it up again.
  if (restoring && !(booking && isPending(booking))) {
    return (
      <div className="empty-state" data-testid="basket-restoring" role="status">
        <p>Holding your seats again…</p>
      </div>
    );
  }

  if (!booking || (booking.items.length === 0 && !isPending(booking))) {
    return (
      <div className="empty-state" data-testid="basket-empty">
        <p>Your basket is empty.</p>
        <p>
          <Link href="/" className="button button--primary">
            Browse experiences
          </Link>
        </p>
      </div>
    );
  }

  const live = isPending(booking) && isLive(booking, now);
  const editable = live && booking.status === 'held';

  async function mutate(itemId: number, run: () => Promise<Booking>) {
    if (busy.current) return;
    busy.current = true;
    setBusyItem(itemId);
    setErrors((e) => ({ ...e, [itemId]: '' }));
    try {
      const next = await run();
      setBooking(next.items.length === 0 && !isPending(next) ? null : next);
    } catch (err) {
      setErrors((e) => ({ ...e, [itemId]: describeHoldError(err) }));
      void refresh();
    } finally {
      busy.current = false;
      setBusyItem(null);
    }
  }

  async function release(current: Booking) {
    setReleasing(true);
    setMessage(null);
    try {
      const answer = await releaseHold(current.bookingNumber);
      setBooking({ ...current, status: answer.status, availabilityReserved: false });
    } catch (err) {
      setMessage(describeHoldError(err));
      void refresh();
    } finally {
      setReleasing(false);
    }
  }

  async function unfreeze() {
    setUnfreezing(true);
    setMessage(null);
    try {
      setBooking(await changeBooking());
      setMessage('The payment page is closed: you can change your booking now.');
    } catch (err) {
      setMessage(describeHoldError(err));
      void refresh();
    } finally {
      setUnfreezing(false);
    }
  }

  const total = booking.currency ? formatMoney(booking.totalMinor, booking.currency) : null;

  return (
    <div className="basket">
      <section className="card basket__booking" aria-labelledby="booking-heading">
        <h2 id="booking-heading" className="basket__number">
          Booking <span className="mono">{booking.bookingNumber}</span>
        </h2>
        <BookingState booking={booking} live={live} />
        <ul className="basket-items">
          {booking.items.map((item) => (
            <BasketItem
              key={item.itemId}
              item={item}
              currency={booking.currency}
              editable={editable}
              busy={busyItem === item.itemId}
              error={errors[item.itemId] || null}
              onPeople={(quantity) => void mutate(item.itemId, () => changePeople(item.itemId, quantity))}
              onRemove={() => void mutate(item.itemId, () => removeItem(item.itemId))}
            />
          ))}
        </ul>
        {total && (
          <p className="basket__total">
            <span>Total</span> <strong data-testid="basket-total">{total}</strong>
          </p>
        )}
        <p className="basket__message" aria-live="polite">
          {message ?? ''}
        </p>
        {live && booking.status === 'checkout' && (
          <div className="basket__actions">
            <button type="button" className="button" onClick={() => void unfreeze()} disabled={!hydrated || unfreezing}>
              {unfreezing ? 'Closing the payment page…' : 'Change booking'}
            </button>
          </div>
        )}
        {editable && (
          <div className="basket__actions">
            <Link href="/" className="button">
              Add another booking
            </Link>
            <button type="button" className="button button--quiet" onClick={() => void release(booking)} disabled={!hydrated || releasing}>
              {releasing ? 'Releasing…' : 'Release my seats'}
            </button>
          </div>
        )}
      </section>

      {live && (
        <section className="card" aria-labelledby="contact-heading">
          <h2 id="contact-heading">Your details</h2>
          <ContactForm bookingNumber={booking.bookingNumber} paying={booking.status === 'checkout'} contact={booking.contact} />
        </section>
      )}
    </div>
  );
}

/** One sentence on where the booking stands, and the one thing to do about it. */
function BookingState({ booking, live }: { booking: Booking; live: boolean }) {
  if (live && booking.status === 'held') {
    return <p className="basket__state">These seats are held for you. Add your details below to book them.</p>;
  }
  if (live && booking.status === 'checkout') {
    return (
      <p className="basket__state">
        Payment has been started, so the booking can’t change now. Continue to payment below, or choose “Change
        booking” to close the payment page and change it.
      </p>
    );
  }
  if (isPending(booking) || booking.status === 'expired' || booking.status === 'released') {
    return (
      <div className="basket__state basket__state--expired">
        <p>
          <strong>{expiredHeadline(booking)}</strong> The seats below are no longer held for you.
        </p>
        <HoldExpired booking={booking} showHeadline={false} />
      </div>
    );
  }
  const wording: Partial<Record<Booking['status'], string>> = {
    confirmed: 'This booking is confirmed.',
    cancelled: 'This booking was cancelled.',
    refunded: 'This booking was cancelled and refunded.',
    refund_due: 'The payment arrived after the seats were gone; it is being refunded.',
  };
  return (
    <div className="basket__state">
      <p>{wording[booking.status] ?? `This booking is ${booking.status}.`}</p>
      <p>
        <Link href={`/booking/${booking.bookingNumber}`}>See the booking</Link> · <Link href="/">Book something else</Link>
      </p>
    </div>
  );
}
