/**
 * The metrics page's period: GET parameters `from`/`to` (local dates on the metrics' clock, both
 * included) or a preset (`today`, `7d`, `30d`) counted back from today's date on that clock
 * (api.staff_metrics_clock). Only calendar arithmetic happens here; the database turns the days
 * into instants with its own time-zone data (api.staff_metrics_days).
 */
import { z } from 'zod';

export const PRESETS = [
  { id: 'today', label: 'Today', days: 1 },
  { id: '7d', label: 'Last 7 days', days: 7 },
  { id: '30d', label: 'Last 30 days', days: 30 },
] as const;
export type PresetId = (typeof PRESETS)[number]['id'];

export const MAX_DAYS = 400;

export interface Period {
  /** First and last local day, included (YYYY-MM-DD). */
  from: string;
  to: string;
  preset: PresetId | null;
  days: number;
  /** Why the parameters were not used (the default period is shown instead). */
  problem: string | null;
}

const IsoDate = z.iso.date();
const Params = z.object({
  preset: z.enum(PRESETS.map((p) => p.id) as [PresetId, ...PresetId[]]).optional(),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
});

const DAY_MS = 86_400_000;
/** Calendar days, counted on UTC's calendar: a date plus n days is the same date everywhere. */
const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const addDays = (day: string, n: number) => new Date((dayNumber(day) + n) * DAY_MS).toISOString().slice(0, 10);

function make(from: string, to: string, preset: PresetId | null, problem: string | null = null): Period {
  return { from, to, preset, days: dayNumber(to) - dayNumber(from) + 1, problem };
}

/** A preset's days, ending with `today` (the metrics' clock's date). */
export function presetPeriod(id: PresetId, today: string): Period {
  const days = PRESETS.find((p) => p.id === id)!.days;
  return make(addDays(today, 1 - days), today, id);
}

/** The period the parameters ask for; the last 7 days when they ask for none, or for nonsense. */
export function periodFromParams(raw: Record<string, string | string[] | undefined>, today: string): Period {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || undefined;
  const parsed = Params.safeParse({ preset: first(raw.preset), from: first(raw.from), to: first(raw.to) });
  const fallback = (problem: string) => ({ ...presetPeriod('7d', today), problem });
  if (!parsed.success) return fallback('Dates must be written YYYY-MM-DD; showing the last 7 days.');
  const { preset, from, to } = parsed.data;
  if (from || to) {
    const f = from ?? to!;
    const t = to ?? from!;
    if (t < f) return fallback('The period must end on or after its first day; showing the last 7 days.');
    const period = make(f, t, null);
    if (period.days > MAX_DAYS) return fallback(`A period spans at most ${MAX_DAYS} days; showing the last 7 days.`);
    return period;
  }
  return presetPeriod(preset ?? '7d', today);
}
