/**
 * How the staff booking pages print times, money and statuses. Times are the database's local
 * times ("2026-11-28T09:00:00-07:00", data.local_iso) printed as written (lib/wall-clock.ts):
 * never converted with Node's or the browser's time-zone data.
 */
import type { BookingStatus } from '@/db/admin-bookings';
import { formatMoney } from '@/emails/format';
import { formatWallTime, parseLocalIso } from '@/lib/wall-clock';

/** "Sat 28 Nov 2026, 09:00 GMT-7". */
export function formatLocal(local: string | null | undefined): string {
  return local ? formatWallTime(local) : '—';
}

/** "09:00–11:00". */
export function formatTimeRange(localStart: string, localEnd: string): string {
  return `${parseLocalIso(localStart).time}–${parseLocalIso(localEnd).time}`;
}

export function money(minor: number, currency: string | null): string {
  return currency ? formatMoney(minor, currency) : String(minor);
}

/** Digits after the decimal point in a currency (EUR 2, JPY 0), as Intl knows it. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** Minor units in major units, without a symbol: 1250 EUR → "12.50", 1250 JPY → "1250". */
export function majorText(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  return digits === 0 ? String(minor) : (minor / 10 ** digits).toFixed(digits);
}

export const STATUS_LABELS: Record<BookingStatus, string> = {
  held: 'Held',
  checkout: 'In checkout',
  confirmed: 'Confirmed',
  expired: 'Expired',
  released: 'Released',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
  refund_due: 'Refund due',
};

export function paymentLabel(provider: string | null | undefined): string {
  if (provider === 'stripe') return 'Card (Stripe)';
  if (provider === 'on_arrival') return 'On arrival';
  return '—';
}
