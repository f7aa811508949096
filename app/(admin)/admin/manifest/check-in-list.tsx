'use client';
/**
 * The manifest's rows with a check-in checkbox each: a native checkbox, so Tab and Space work,
 * labelled with the party's name. The change shows at once and is undone if the server refuses.
 */
import { useOptimistic, useState, useTransition } from 'react';
import type { Manifest } from '@/db/admin-schedules';
import { formatMoney, formatPeople } from '@/emails/format';
import { checkInAction } from './actions';
import styles from './manifest.module.css';

export function CheckInList({ manifest }: { manifest: Manifest }) {
  const slotId = manifest.slot.slotId;
  const [status, setStatus] = useState<{ ok: boolean; message: string }>({ ok: true, message: '' });
  const [, startTransition] = useTransition();
  const [bookings, setOptimistic] = useOptimistic(manifest.bookings, (rows, change: { bookingNumber: string; checkedIn: boolean }) =>
    rows.map((r) => (r.bookingNumber === change.bookingNumber ? { ...r, checkedIn: change.checkedIn } : r)),
  );
  const checkedInPeople = bookings.filter((b) => b.checkedIn).reduce((n, b) => n + b.people, 0);

  const toggle = (bookingNumber: string, checkedIn: boolean) =>
    startTransition(async () => {
      setOptimistic({ bookingNumber, checkedIn });
      const result = await checkInAction(bookingNumber, slotId, checkedIn);
      setStatus({ ok: result.ok, message: result.message });
    });

  if (bookings.length === 0) return <p className="empty-state">No confirmed bookings for this start time yet.</p>;
  return (
    <>
      <p role="status" aria-live="polite" className={`${styles.status} ${styles.noPrint} ${status.ok ? '' : styles.error}`}>
        {status.message}
      </p>
      <table className={styles.table}>
        <thead>
          <tr>
            <th scope="col">Checked in</th>
            <th scope="col">Name</th>
            <th scope="col" className={styles.num}>
              People
            </th>
            <th scope="col">Contact</th>
            <th scope="col">Payment</th>
            <th scope="col">Booking</th>
          </tr>
        </thead>
        <tbody>
          {bookings.map((b) => (
            <tr key={b.bookingNumber} data-testid="manifest-row" data-booking={b.bookingNumber} data-checked-in={b.checkedIn} className={b.checkedIn ? styles.checkedRow : undefined}>
              <td>
                <label className={styles.check}>
                  <input type="checkbox" checked={b.checkedIn} onChange={(e) => toggle(b.bookingNumber, e.target.checked)} />
                  <span className="visually-hidden">Check in {b.name || b.bookingNumber}</span>
                </label>
              </td>
              <td>{b.name || <span className="muted">(no name)</span>}</td>
              <td className={styles.num}>{b.people}</td>
              <td>
                {b.email}
                {b.phone && (
                  <>
                    <br />
                    {b.phone}
                  </>
                )}
              </td>
              <td>
                {b.paid ? (
                  <span className={styles.paid}>Paid online</span>
                ) : (
                  <span className={styles.due}>Due {b.currency ? formatMoney(b.amountMinor, b.currency) : ''}</span>
                )}
              </td>
              <td className="mono">{b.bookingNumber}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td data-testid="checked-in-count">
              {checkedInPeople} of {manifest.totals.people}
            </td>
            <td>Total</td>
            <td className={styles.num}>{formatPeople(manifest.totals.people)}</td>
            <td />
            <td>{manifest.totals.dueMinor > 0 && bookings[0]?.currency ? `Due ${formatMoney(manifest.totals.dueMinor, bookings[0].currency)}` : ''}</td>
            <td />
          </tr>
        </tfoot>
      </table>
    </>
  );
}
