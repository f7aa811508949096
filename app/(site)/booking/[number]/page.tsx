import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { formatMoney } from '@/emails/format';
import { currentBooking } from '@/lib/current-booking';
import { LocalTime } from '../../_components/local-time';
import type { Booking } from '../../_lib/booking-types';
import { HoldUntil } from './hold-until';
import { PaymentPoller } from './payment-poller';

interface Props {
  params: Promise<{ number: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export const metadata: Metadata = { title: 'Your booking' };

const STATUS: Record<Booking['status'], string> = {
  held: 'Held — not booked yet',
  checkout: 'Awaiting payment',
  confirmed: 'Confirmed',
  expired: 'Expired',
  released: 'Released',
  cancelled: 'Cancelled',
  refunded: 'Cancelled and refunded',
  refund_due: 'Being refunded',
};

function paymentLine(booking: Booking): string | null {
  if (booking.status === 'confirmed') return booking.paymentProvider === 'stripe' ? 'Paid' : 'Payment due on arrival';
  if (booking.status === 'refund_due') return 'Your payment arrived after the seats were released; it is being refunded in full.';
  if (booking.status === 'refunded') return 'Refunded';
  return null;
}

/*
 * The confirmation page. Only the browser holding the booking's cookie may see it (a booking
 * number alone reveals nothing). Stripe sends the customer back here before its webhook may have
 * arrived, so a booking still "awaiting payment" with a session id is polled until it settles.
 */
export default async function BookingPage({ params, searchParams }: Props) {
  await connection();
  const { number } = await params;
  const query = await searchParams;
  const booking = await currentBooking();
  if (!booking || booking.bookingNumber !== number) notFound();

  const returnedFromPayment = typeof query.session_id === 'string' && booking.status === 'checkout';
  const cancelled = query.checkout === 'cancelled';
  const live =
    booking.availabilityReserved && (booking.status === 'held' || booking.status === 'checkout') && Date.parse(booking.expiresAt) > Date.now();
  const payment = paymentLine(booking);

  return (
    <article className="confirmation">
      <h1>
        Booking <span className="mono">{booking.bookingNumber}</span>
      </h1>
      <p className={`status-badge status-badge--${booking.status}`} data-testid="booking-status" data-status={booking.status}>
        {STATUS[booking.status]}
      </p>
      {payment && <p className="confirmation__payment">{payment}</p>}
      {booking.refusedPayment && booking.currency && (
        <div className="notice" role="status" data-testid="refused-payment">
          <p>
            {booking.refusedPayment.reason === 'payment_mismatch'
              ? `A payment of ${formatMoney(booking.refusedPayment.amountMinor, booking.currency)} was for this booking as it was before it changed, so it could not be applied and is being refunded in full.`
              : `A payment of ${formatMoney(booking.refusedPayment.amountMinor, booking.currency)} arrived after this booking had been released by our staff, so it is being refunded in full.`}
          </p>
        </div>
      )}

      {returnedFromPayment && <PaymentPoller bookingNumber={booking.bookingNumber} />}

      {cancelled && !returnedFromPayment && (booking.status === 'held' || booking.status === 'checkout') && (
        <div className="notice" role="status">
          <p>
            Payment was cancelled.{' '}
            {live ? (
              <>
                Your seats stay held until <HoldUntil expiresAt={booking.expiresAt} />.
              </>
            ) : (
              'Your hold has run out.'
            )}
          </p>
          <p>
            <Link href="/basket">Back to your basket</Link>
          </p>
        </div>
      )}

      {booking.status === 'confirmed' && (
        <p>A confirmation with the details and a calendar file is on its way to your email address. See you there!</p>
      )}
      {booking.status === 'held' && !cancelled && (
        <p>
          This booking is not confirmed yet. <Link href="/basket">Finish it in your basket</Link>.
        </p>
      )}

      <section className="card" aria-labelledby="items-heading">
        <h2 id="items-heading">What you booked</h2>
        <ul className="confirmation__items">
          {booking.items.map((item) => (
            <li key={item.itemId} className="confirmation__item">
              <h3>{item.experienceName}</h3>
              <p>
                <LocalTime kind="range" local={item.localStartsAt} localEnd={item.localEndsAt} timeZone={item.timezone} />
              </p>
              <p>
                {item.quantity} {item.quantity === 1 ? 'person' : 'people'}
                {booking.currency && <> · {formatMoney(item.unitPriceMinor * item.quantity, booking.currency)}</>}
              </p>
            </li>
          ))}
        </ul>
        {booking.currency && (
          <p className="basket__total">
            <span>Total</span> <strong>{formatMoney(booking.totalMinor, booking.currency)}</strong>
          </p>
        )}
      </section>
      <p>
        <Link href="/">Book something else</Link>
      </p>
    </article>
  );
}
