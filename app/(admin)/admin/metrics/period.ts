/**
 * The metrics page's period: GET parameters `from`/`to` (UTC dates, both included) or a preset
 * (`today`, `7d`, `30d`), turned into the half-open instants api.staff_metrics takes.
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
  /** First and last UTC day, included (YYYY-MM-DD). */
  from: string;
  to: string;
  preset: PresetId | null;
  /** [start, end) for api.staff_metrics. */
  start: Date;
  end: Date;
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
const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const addDays = (day: string, n: number) => dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS));

function make(from: string, to: string, preset: PresetId | null, problem: string | null = null): Period {
  const start = new Date(`${from}T00:00:00Z`);
  const end = new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS);
  return { from, to, preset, start, end, days: Math.round((end.getTime() - start.getTime()) / DAY_MS), problem };
}

export function presetPeriod(id: PresetId, now: Date): Period {
  const today = dayOf(now);
  const days = PRESETS.find((p) => p.id === id)!.days;
  return make(addDays(today, 1 - days), today, id);
}

/** The period the parameters ask for; the last 7 days when they ask for none, or for nonsense. */
export function periodFromParams(raw: Record<string, string | string[] | undefined>, now: Date = new Date()): Period {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || undefined;
  const parsed = Params.safeParse({ preset: first(raw.preset), from: first(raw.from), to: first(raw.to) });
  const fallback = (problem: string) => ({ ...presetPeriod('7d', now), problem });
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
  return presetPeriod(preset ?? '7d', now);
}
