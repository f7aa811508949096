/**
 * /admin/bookings/<number>: one booking with everything about it — contact, money, items on
 * their experiences' clocks, what staff can do (cancel, refund, resend the confirmation), Stripe
 * refunds asked for, Stripe events, emails, and the full event history.
 *
 * No loading.tsx in these folders: its Suspense boundary lets the response start streaming before
 * requireStaff() runs, and the sign-in redirect then no longer happens as a plain HTTP redirect
 * (the end-to-end access test saw an anonymous visitor stay on /admin/bookings/1).
 */
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { bookingDetail, type BookingEvent } from '@/db/admin-bookings';
import { requireStaff } from '@/lib/current-staff';
import { BookingNumber } from '@/lib/schemas';
import styles from '../bookings.module.css';
import { formatLocal, formatTimeRange, money, paymentLabel, STATUS_LABELS } from '../format';
import { BookingActions } from './booking-actions';

interface Props {
  params: Promise<{ number: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { number } = await params;
  return { title: `Booking ${decoded(number)}` };
}

/** The route's booking number, URI-decoded; a malformed escape is no booking number at all (the page says so). */
function decoded(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const EVENT_LABELS: Record<string, string> = {
  reserved: 'Seats taken',
  item_removed: 'Seats given back',
  conflict: 'Refused: not enough seats',
  released: 'Hold released',
  expired: 'Hold expired',
  resumed: 'Hold taken up again (page reloaded)',
  checkout_started: 'Went to payment',
  checkout_cancelled: 'Came back from payment to change the booking',
  confirmed: 'Confirmed',
  late_payment_reacquired: 'Late payment: seats taken again',
  refund_due: 'Late payment: refund due',
  refunded: 'Refunded',
  cancelled: 'Cancelled',
  duplicate_payment: 'Second payment (refunded)',
  payment_mismatch: 'Payment for another amount (refunded)',
  payment_after_release: 'Paid after staff released it (refunded)',
  refund_requested: 'Refund requested',
  refund_failed: 'Refund refused by Stripe',
  confirmation_resent: 'Confirmation sent again',
};

/** The interesting part of an event's detail, in words. */
function eventDetail(event: BookingEvent, currency: string | null): string {
  const d = event.detail;
  const parts: string[] = [];
  if (typeof d.reason === 'string' && d.reason) parts.push(`“${d.reason}”`);
  if (typeof d.channel === 'string') parts.push(d.channel === 'phone' ? 'by phone' : 'walk-in');
  if (typeof d.provider === 'string') parts.push(paymentLabel(d.provider));
  if (typeof d.code === 'string') parts.push(`${d.code}${typeof d.remaining === 'number' ? `, ${d.remaining} left` : ''}`);
  if (typeof d.amountMinor === 'number') parts.push(money(d.amountMinor, currency));
  if (typeof d.amountRefundedMinor === 'number') parts.push(`${money(d.amountRefundedMinor, currency)} refunded in all`);
  if (typeof d.refundId === 'string') parts.push(d.refundId);
  if (typeof d.error === 'string') parts.push(d.error);
  if (typeof d.recipient === 'string') parts.push(`to ${d.recipient}`);
  if (d.lapsed === true) parts.push('after the hold lapsed');
  if (typeof d.previousStatus === 'string') parts.push(`was ${d.previousStatus}`);
  return parts.join(' · ');
}

/** Who or what caused an event: a staff member, the customer, Stripe or a cleanup tier. */
function actor(event: BookingEvent): string {
  if (event.staffName) return `${event.staffName} (staff)`;
  switch (event.tier) {
    case 'beacon':
      return 'customer (page closed)';
    case 'customer':
      return 'customer';
    case 'payment':
      return 'Stripe';
    case 'job':
    case 'sweep':
    case 'lazy':
      return `Holdfast (${event.tier})`;
    case 'staff':
      return 'staff';
    default:
      return event.type === 'reserved' || event.type === 'conflict' || event.type === 'resumed' ? 'customer' : '—';
  }
}

export default async function BookingDetailPage({ params, searchParams }: Props) {
  await connection();
  await requireStaff();
  const { number: raw } = await params;
  const number = decoded(raw);
  const created = (await searchParams).created === '1';
  const parsed = BookingNumber.safeParse(number);
  const booking = parsed.success ? await bookingDetail(parsed.data) : null;

  if (!booking) {
    return (
      <div className="empty-state">
        <h1>No booking {number}</h1>
        <p>
          Check the number, or <Link href={`/admin/bookings?q=${encodeURIComponent(number)}`}>search for it</Link>.
        </p>
      </div>
    );
  }

  const people = booking.items.reduce((n, i) => n + i.quantity, 0);
  const live = booking.availabilityReserved && Date.parse(booking.expiresAt) > Date.now();
  const pendingRefunds = booking.refundRequests.filter((r) => r.status === 'requested').length;

  return (
    <article data-testid="booking-detail" data-status={booking.status}>
      <p>
        <Link href="/admin/bookings">← All bookings</Link>
      </p>
      <div className={styles.head}>
        <h1>
          Booking <span className="mono">{booking.bookingNumber}</span>
        </h1>
        <span className={`${styles.status} ${styles[`status_${booking.status}`] ?? ''}`} data-testid="booking-status">
          {STATUS_LABELS[booking.status]}
        </span>
      </div>

      {created && (
        <div className={styles.info} role="status">
          <p>Booked and confirmed; payment is due on arrival.</p>
        </div>
      )}
      {booking.status === 'refund_due' && (
        <div className={styles.alert} role="status">
          <p>
            The payment arrived after the seats had gone to someone else. The full amount is being refunded automatically and the
            customer has been sent a refund notice.
          </p>
        </div>
      )}

      <section className="card" aria-labelledby="summary-heading">
        <h2 id="summary-heading">Summary</h2>
        <dl className={styles.facts}>
          <div>
            <dt>Customer</dt>
            <dd>{booking.customerName ?? '—'}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>{booking.customerEmail ? <a href={`mailto:${booking.customerEmail}`}>{booking.customerEmail}</a> : '—'}</dd>
          </div>
          <div>
            <dt>Phone</dt>
            <dd>{booking.customerPhone ? <a href={`tel:${booking.customerPhone.replace(/[^0-9+]/g, '')}`}>{booking.customerPhone}</a> : '—'}</dd>
          </div>
          <div>
            <dt>Payment</dt>
            <dd>{paymentLabel(booking.paymentProvider)}</dd>
          </div>
          <div>
            <dt>Total</dt>
            <dd>{money(booking.totalMinor, booking.currency)}</dd>
          </div>
          <div>
            <dt>Paid by card</dt>
            <dd data-testid="paid">{money(booking.paidMinor, booking.currency)}</dd>
          </div>
          <div>
            <dt>Refunded</dt>
            <dd data-testid="refunded">{money(booking.refundedMinor, booking.currency)}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>{formatLocal(booking.localCreatedAt)}</dd>
          </div>
          <div>
            <dt>{live ? 'Hold ends' : 'Confirmed'}</dt>
            <dd>{live ? formatLocal(booking.localExpiresAt) : formatLocal(booking.localConfirmedAt)}</dd>
          </div>
        </dl>
        <p className={styles.detail}>Times on this page are on the clock of {booking.zone}, like the first start time.</p>
      </section>

      <section className="card" aria-labelledby="items-heading">
        <h2 id="items-heading">
          Items ({people} {people === 1 ? 'person' : 'people'})
        </h2>
        {booking.items.length === 0 ? (
          <p className="empty-state">No items.</p>
        ) : (
          <div className={styles.wrap}>
            <table className={styles.table}>
              <thead>
                <tr>
                  <th scope="col">Experience</th>
                  <th scope="col">Date and time (local)</th>
                  <th scope="col" className={styles.num}>
                    People
                  </th>
                  <th scope="col" className={styles.num}>
                    Price
                  </th>
                </tr>
              </thead>
              <tbody>
                {booking.items.map((i) => (
                  <tr key={i.itemId} data-testid="booking-item" data-slot={i.slotId}>
                    <td>{i.experienceName}</td>
                    <td>
                      {formatLocal(i.localStartsAt)} <span className="muted">({formatTimeRange(i.localStartsAt, i.localEndsAt)}, {i.timezone})</span>
                    </td>
                    <td className={styles.num}>{i.quantity}</td>
                    <td className={styles.num}>{money(i.quantity * i.unitPriceMinor, booking.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <BookingActions
        bookingNumber={booking.bookingNumber}
        status={booking.status}
        live={live}
        paymentProvider={booking.paymentProvider ?? null}
        currency={booking.currency ?? 'EUR'}
        refundableMinor={booking.refundableMinor}
        customerEmail={booking.customerEmail}
        pendingRefunds={pendingRefunds}
      />

      {booking.paymentProvider === 'stripe' && (
        <section className="card" aria-labelledby="refunds-heading">
          <h2 id="refunds-heading">Stripe refunds</h2>
          {booking.refundRequests.length === 0 ? (
            <p className="muted">No refund asked for by staff.</p>
          ) : (
            <div className={styles.wrap}>
              <table className={styles.table} data-testid="refund-requests">
                <thead>
                  <tr>
                    <th scope="col">Asked (local)</th>
                    <th scope="col">By</th>
                    <th scope="col" className={styles.num}>
                      Amount
                    </th>
                    <th scope="col">Status</th>
                    <th scope="col">Reason / Stripe</th>
                  </tr>
                </thead>
                <tbody>
                  {booking.refundRequests.map((r) => (
                    <tr key={r.id} data-testid="refund-request" data-status={r.status}>
                      <td>{formatLocal(r.localCreatedAt)}</td>
                      <td>{r.staffName}</td>
                      <td className={styles.num}>{money(r.amountMinor, r.currency)}</td>
                      <td>{r.status === 'requested' ? 'Waiting for Stripe…' : r.status === 'succeeded' ? 'Refunded' : 'Refused by Stripe'}</td>
                      <td className={styles.detail}>{[r.reason, r.refundId, r.lastError].filter(Boolean).join(' · ') || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {booking.payments.length > 0 && (
            <div className={styles.wrap}>
              <table className={styles.table}>
                <caption>Stripe events</caption>
                <thead>
                  <tr>
                    <th scope="col">Received (local)</th>
                    <th scope="col">Event</th>
                    <th scope="col">Outcome</th>
                    <th scope="col" className={styles.num}>
                      Deliveries
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {booking.payments.map((p) => (
                    <tr key={p.eventId}>
                      <td>{formatLocal(p.localReceivedAt)}</td>
                      <td>
                        {p.type} <span className={`mono ${styles.detail}`}>{p.eventId}</span>
                      </td>
                      <td>{p.processed ? (p.outcome ?? '—') : `failed: ${p.lastError ?? 'unknown'}`}</td>
                      <td className={styles.num}>{p.deliveries}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}

      <section className="card" aria-labelledby="emails-heading">
        <h2 id="emails-heading">Emails</h2>
        {booking.emails.length === 0 ? (
          <p className="muted">No email queued for this booking.</p>
        ) : (
          <div className={styles.wrap}>
            <table className={styles.table} data-testid="booking-emails">
              <thead>
                <tr>
                  <th scope="col">Queued (local)</th>
                  <th scope="col">Kind</th>
                  <th scope="col">To</th>
                  <th scope="col">Status</th>
                  <th scope="col" className={styles.num}>
                    Attempts
                  </th>
                </tr>
              </thead>
              <tbody>
                {booking.emails.map((e) => (
                  <tr key={e.outboxId} data-testid="booking-email" data-kind={e.kind}>
                    <td>{formatLocal(e.localCreatedAt)}</td>
                    <td>
                      <Link href={`/admin/logs/emails/${e.outboxId}`}>{e.kind.replace(/_/g, ' ')}</Link>
                    </td>
                    {/* Rendered (it has a subject) without an address: a staff notification with no STAFF_EMAIL. */}
                    <td>{e.recipient ?? <span className="muted">{e.subject ? 'no recipient' : 'not rendered yet'}</span>}</td>
                    <td>
                      {e.status.replace(/_/g, ' ')}
                      {e.localSentAt && <span className="muted"> {formatLocal(e.localSentAt)}</span>}
                      {e.lastError && <div className={styles.detail}>{e.lastError}</div>}
                    </td>
                    <td className={styles.num}>{e.attempts}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="history-heading">
        <h2 id="history-heading">History ({booking.events.length})</h2>
        <div className={styles.wrap}>
          <table className={styles.table} data-testid="booking-history">
            <thead>
              <tr>
                <th scope="col">When (local)</th>
                <th scope="col">What</th>
                <th scope="col">By</th>
                <th scope="col" className={styles.num}>
                  Seats
                </th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {booking.events.map((e) => (
                <tr key={e.id} data-testid="history-event" data-type={e.type}>
                  <td>{formatLocal(e.localOccurredAt)}</td>
                  <td>{EVENT_LABELS[e.type] ?? e.type}</td>
                  <td>{actor(e)}</td>
                  <td className={styles.num}>{e.quantity ?? ''}</td>
                  <td className={styles.detail}>{eventDetail(e, booking.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </article>
  );
}
