/**
 * Dates and times on an experience's own wall clock. A "local date" is a plain YYYY-MM-DD string
 * in the experience's zone (what check-availability takes); arithmetic on it is done in UTC so
 * daylight-saving changes never skip or repeat a day.
 *
 * Local times are the database's (`localStartsAt`, "2026-11-28T09:00:00-07:00"): PostgreSQL
 * placed the slots, so its time-zone data says what their wall-clock times are. These helpers
 * only print them (lib/wall-clock.ts), never convert an instant with the runtime's own zone data,
 * so the server and every browser render the very same text.
 */
import { formatWallDate, offsetLabel, parseLocalIso } from '@/lib/wall-clock';

/** The local date (YYYY-MM-DD) of a database local time. */
export function localDateOf(local: string): string {
  return parseLocalIso(local).date;
}

/** "14:07" on the zone's clock (24-hour), from a database local time. */
export function formatTime(local: string): string {
  return parseLocalIso(local).time;
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
  return formatWallDate(date, style);
}

/**
 * "Europe/Lisbon, GMT+1": the IANA name and the offset in force at a database local time; just
 * the name when there is none to go by (a day without start times).
 */
export function zoneLabel(timeZone: string, local?: string | null): string {
  return local ? `${timeZone}, ${offsetLabel(parseLocalIso(local).offsetMinutes)}` : timeZone;
}

/** "Sat 28 Mar, 10:00 (Europe/Lisbon, GMT)": one start time, named in its own zone. */
export function formatStart(local: string, timeZone: string): string {
  const wall = parseLocalIso(local);
  return `${formatLocalDate(wall.date, 'short')}, ${wall.time} (${zoneLabel(timeZone, local)})`;
}

/** 90 → "1 h 30 min", 120 → "2 hours", 45 → "45 min". */
export function formatDuration(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  if (h === 0) return `${m} min`;
  if (m === 0) return h === 1 ? '1 hour' : `${h} hours`;
  return `${h} h ${m} min`;
}

