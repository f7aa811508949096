/**
 * Wall-clock times as the database gives them: "2026-11-28T09:00:00-07:00", the local date and
 * time of a start in the experience's zone with the UTC offset in force then (data.local_iso,
 * db/migrations/0005_local_times.sql). PostgreSQL placed the slots with its time-zone data, so
 * it alone says what their local times are; Node and the browser carry time-zone databases of
 * their own that may disagree for zones whose rules changed recently.
 *
 * So nothing here converts an instant to a zone. The date and time are read as written; the
 * weekday comes from the date by UTC arithmetic; names of days and months are fixed English
 * (not Intl's, whose abbreviations change between ICU versions), so the server, every browser
 * and the emails print the very same text. Pure functions, safe in server and client bundles.
 */

export interface WallClock {
  /** The local date, "2026-11-28". */
  date: string;
  /** The local time to the minute, "09:00" (24-hour). */
  time: string;
  /** Minutes east of UTC: -420 for UTC−7, 330 for UTC+5:30. */
  offsetMinutes: number;
}

const LOCAL_ISO = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}):\d{2}([+-])(\d{2}):(\d{2})$/;

/** Reads "YYYY-MM-DDTHH:MM:SS±HH:MM" as written. Throws on anything else. */
export function parseLocalIso(value: string): WallClock {
  const m = LOCAL_ISO.exec(value);
  if (!m) throw new RangeError(`not a local date-time with a UTC offset: ${JSON.stringify(value)}`);
  const [, date, time, sign, hours, minutes] = m;
  const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
  return { date: date!, time: time!, offsetMinutes };
}

/** "GMT" for UTC itself, else "GMT-7", "GMT+1", "GMT+5:30", "GMT-3:30". */
export function offsetLabel(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'GMT';
  const abs = Math.abs(offsetMinutes);
  const hours = Math.floor(abs / 60);
  const minutes = abs % 60;
  return `GMT${offsetMinutes < 0 ? '-' : '+'}${hours}${minutes ? `:${String(minutes).padStart(2, '0')}` : ''}`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * A local date (YYYY-MM-DD) in words:
 *   long   "Saturday 28 November 2026"
 *   medium "Sat 28 Nov 2026"
 *   short  "Sat 28 Nov"
 */
export function formatWallDate(date: string, style: 'long' | 'medium' | 'short' = 'long'): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  // The weekday of a calendar date is the same everywhere: compute it on UTC's calendar.
  const weekday = WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()]!;
  const monthName = MONTHS[month - 1]!;
  if (style === 'long') return `${weekday} ${day} ${monthName} ${year}`;
  const short = `${weekday.slice(0, 3)} ${day} ${monthName.slice(0, 3)}`;
  return style === 'medium' ? `${short} ${year}` : short;
}

/**
 * One start time with its offset, as the staff pages print it:
 *   medium "Sat 28 Nov 2026, 09:00 GMT-7"   short "Sat 28 Nov, 09:00 GMT-7"
 */
export function formatWallTime(local: string, style: 'medium' | 'short' = 'medium'): string {
  const wall = parseLocalIso(local);
  return `${formatWallDate(wall.date, style)}, ${wall.time} ${offsetLabel(wall.offsetMinutes)}`;
}

/** mm:ss for a countdown (hours folded into minutes: holds are minutes long). */
export function formatCountdown(ms: number): string {
  // Rounded down: the countdown may reach 00:00 a moment early, never late.
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`;
}
