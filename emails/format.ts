/**
 * How emails (and the customer pages, and the Stripe line items) show times and money.
 *
 * Times are shown on the experience's own wall clock, never the server's or UTC: the customer
 * has to turn up at the place, whatever zone they read the email in. The zone is always named
 * (IANA name and the UTC offset in force), so a reader elsewhere knows which clock is meant, and
 * a date on either side of a daylight-saving change reads correctly.
 *
 * The wall-clock times come from the database (`localStartsAt`: "2026-11-28T09:00:00-07:00"),
 * which placed the slots with its own time-zone data; they are printed as written, never
 * converted from the instant with Intl's time-zone data, which may disagree (lib/wall-clock.ts).
 *
 * Money uses 'en', the same as the site's pages (app/page.tsx), so the price in the email is the
 * string the customer saw when booking.
 */
import { formatWallDate, offsetLabel, parseLocalIso } from '../lib/wall-clock';

const MONEY_LOCALE = 'en';

interface LocalTime {
  date: string; // "Sat 28 Mar 2026"
  time: string; // "10:00"
  zone: string; // "GMT", "GMT+1", "GMT-7"
}

function localTime(local: string): LocalTime {
  const wall = parseLocalIso(local);
  return { date: formatWallDate(wall.date, 'medium'), time: wall.time, zone: offsetLabel(wall.offsetMinutes) };
}

/**
 * "Sat 28 Mar 2026, 10:00–12:00 (Europe/London, GMT)" from the database's local times of the
 * start and end. An item that ends on another local day names both dates; one that spans a
 * daylight-saving change names both offsets ("GMT → GMT+1").
 */
export function formatLocalRange(localStartsAt: string, localEndsAt: string, timeZone: string): string {
  const start = localTime(localStartsAt);
  const end = localTime(localEndsAt);
  const zone = start.zone === end.zone ? start.zone : `${start.zone} → ${end.zone}`;
  const range =
    start.date === end.date
      ? `${start.date}, ${start.time}–${end.time}`
      : `${start.date}, ${start.time} – ${end.date}, ${end.time}`;
  return `${range} (${timeZone}, ${zone})`;
}

/**
 * Minor units to a formatted amount. The number of minor digits is the currency's own (GBP 2,
 * JPY 0, BHD 3) as Intl knows it, not a fixed 100.
 */
export function formatMoney(minor: number, currency: string): string {
  const format = new Intl.NumberFormat(MONEY_LOCALE, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

export function formatPeople(quantity: number): string {
  return quantity === 1 ? '1 person' : `${quantity} people`;
}

/* A booking without a name on it still gets a civil greeting, not "Hello ,". */
export function formatGreeting(customerName: string): string {
  const name = customerName.trim();
  return name ? `Hello ${name},` : 'Hello,';
}
