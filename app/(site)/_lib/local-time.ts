/**
 * Dates and times on an experience's own wall clock. A "local date" is a plain YYYY-MM-DD string
 * in the experience's zone (what check-availability takes); arithmetic on it is done in UTC so
 * daylight-saving changes never skip or repeat a day.
 */

const LOCALE = 'en-GB';
const partsFormats = new Map<string, Intl.DateTimeFormat>();
const timeFormats = new Map<string, Intl.DateTimeFormat>();

function cached(map: Map<string, Intl.DateTimeFormat>, timeZone: string, options: Intl.DateTimeFormatOptions) {
  let format = map.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALE, { timeZone, ...options });
    map.set(timeZone, format);
  }
  return format;
}

/** The local date (YYYY-MM-DD) of an instant in a zone. */
export function localDateOf(instant: string | number | Date, timeZone: string): string {
  const parts = cached(partsFormats, timeZone, { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** "14:07" on the zone's clock (24-hour). */
export function formatTime(instant: string | number | Date, timeZone: string): string {
  return cached(timeFormats, timeZone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(instant));
}

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isLocalDate(value: unknown): value is string {
  if (typeof value !== 'string' || !LOCAL_DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** "Saturday 28 March 2026" (or "Sat 28 Mar" when short) for a local date. */
export function formatLocalDate(date: string, style: 'long' | 'short' = 'long'): string {
  return new Intl.DateTimeFormat(LOCALE, {
    timeZone: 'UTC',
    weekday: style,
    day: 'numeric',
    month: style,
    ...(style === 'long' ? { year: 'numeric' } : {}),
  }).format(new Date(`${date}T00:00:00Z`));
}

/** "Europe/Lisbon, WET": the IANA name and the abbreviation in force at `instant`. */
export function zoneLabel(timeZone: string, instant: string | number | Date = Date.now()): string {
  const abbreviation = new Intl.DateTimeFormat(LOCALE, { timeZone, timeZoneName: 'short' })
    .formatToParts(new Date(instant))
    .find((p) => p.type === 'timeZoneName')?.value;
  return abbreviation ? `${timeZone}, ${abbreviation}` : timeZone;
}

/** "Sat 28 Mar, 10:00 (Europe/Lisbon, WET)": one start time, named in its own zone. */
export function formatStart(instant: string, timeZone: string): string {
  const date = formatLocalDate(localDateOf(instant, timeZone), 'short');
  return `${date}, ${formatTime(instant, timeZone)} (${zoneLabel(timeZone, instant)})`;
}

/** 90 → "1 h 30 min", 120 → "2 hours", 45 → "45 min". */
export function formatDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  if (h === 0) return `${m} min`;
  if (m === 0) return h === 1 ? '1 hour' : `${h} hours`;
  return `${h} h ${m} min`;
}

/** mm:ss for a countdown (hours folded into minutes: holds are minutes long). */
export function formatCountdown(ms: number): string {
  // Rounded down: the countdown may reach 00:00 a moment early, never late.
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`;
}
