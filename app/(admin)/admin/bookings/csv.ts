/**
 * The staff booking list as CSV (GET /api/admin/bookings/export): one row per booking, the same
 * rows and order as /admin/bookings with the same filters. Text a spreadsheet would run as a
 * formula (a customer may type "=HYPERLINK(…)" as their name) is written with a leading
 * apostrophe, as OWASP advises for CSV injection; csv-stringify does the quoting.
 */
import { stringify } from 'csv-stringify/sync';
import type { BookingRow } from '@/db/admin-bookings';
import { majorText } from './format';

/** Cells that start like a formula (=, +, -, @, tab, carriage return) are kept as text. */
export function neutralise(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** "35.50" from 3550 in EUR, "3550" in JPY: the amount as a number a spreadsheet reads, no symbol. */
const amount = (minor: number, currency: string | null) => (currency ? majorText(minor, currency) : String(minor));

const COLUMNS = [
  'booking_number', 'status', 'created_at_utc', 'first_start_local', 'time_zone', 'experiences', 'people', 'start_times',
  'customer_name', 'customer_email', 'customer_phone', 'payment', 'currency', 'total', 'paid', 'refunded',
] as const;

export function bookingsCsv(rows: BookingRow[]): string {
  const text = (value: string | null | undefined) => neutralise(value ?? '');
  return stringify(
    rows.map((r) => [
      r.bookingNumber,
      r.status,
      r.createdAt,
      r.localFirstStartsAt ?? '',
      r.firstTimezone ?? '',
      text(r.experiences.join('; ')),
      r.people,
      r.itemCount,
      text(r.customerName),
      text(r.customerEmail),
      text(r.customerPhone),
      r.paymentProvider ?? '',
      r.currency ?? '',
      amount(r.totalMinor, r.currency),
      amount(r.paidMinor, r.currency),
      amount(r.refundedMinor, r.currency),
    ]),
    { header: true, columns: [...COLUMNS], record_delimiter: 'windows' },
  );
}
