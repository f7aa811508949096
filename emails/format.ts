/**
 * How emails show times and money.
 *
 * Times are shown on the experience's own wall clock, never the server's or UTC: the customer
 * has to turn up at the place, whatever zone they read the email in. The zone is always named
 * (IANA name and the abbreviation or offset in force), so a reader elsewhere knows which clock
 * is meant, and a date on either side of a daylight-saving change reads correctly.
 *
 * Dates use en-GB and money uses 'en', the same as the site's pages (app/page.tsx), so the price
 * in the email is the string the customer saw when booking.
 */

const DATE_LOCALE = 'en-GB';
const MONEY_LOCALE = 'en';

interface LocalTime {
  date: string; // "Sat 28 Mar 2026"
  time: string; // "10:00"
  zone: string; // "GMT", "BST", "GMT-4"
}

/* One formatter per zone: building an Intl.DateTimeFormat is the expensive part. */
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function localTime(iso: string, timeZone: string): LocalTime {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat(DATE_LOCALE, {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      // h23, not hour12: false, which some ICU versions render as "24:00" at midnight.
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    dateFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(new Date(iso));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    date: `${part('weekday')} ${part('day')} ${part('month')} ${part('year')}`,
    time: `${part('hour')}:${part('minute')}`,
    zone: part('timeZoneName'),
  };
}

/**
 * "Sat 28 Mar 2026, 10:00–12:00 (Europe/London, GMT)". An item that ends on another local day
 * names both dates; one that spans a daylight-saving change names both abbreviations.
 */
export function formatLocalRange(startsAt: string, endsAt: string, timeZone: string): string {
  const start = localTime(startsAt, timeZone);
  const end = localTime(endsAt, timeZone);
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
