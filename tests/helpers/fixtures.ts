/**
 * Test fixtures on the file's own database: connections, experiences and slots made directly in
 * SQL, and the invariants of DESIGN.md checked in SQL.
 */
import postgres from 'postgres';
import { afterAll } from 'vitest';
import type { Sql } from '@/db/client';
import { AppError } from '@/db/errors';

const opened: Sql[] = [];
afterAll(async () => {
  await Promise.all(opened.splice(0).map((s) => s.end({ timeout: 5 })));
});

/** A new pool on the test file's database, closed when the file ends. */
export function connect(max = 4): Sql {
  const sql = postgres(process.env.DATABASE_URL!, { max, onnotice: () => {}, idle_timeout: 20 });
  opened.push(sql);
  return sql;
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export interface ExperienceInput {
  slug?: string;
  timezone?: string;
  duration?: string;
  capacity?: number;
  priceMinor?: number;
  currency?: string;
  holdDuration?: string;
  maxPeople?: number;
  cutoff?: string;
  resourceId?: number | null;
  active?: boolean;
  paymentMode?: 'auto' | 'stripe' | 'on_arrival';
  whatToBring?: string;
}

export async function createExperience(sql: Sql, input: ExperienceInput = {}): Promise<{ id: number; slug: string }> {
  const slug = input.slug ?? `exp-${unique()}`;
  const [row] = await sql<{ id: string }[]>`
    insert into data.experiences (slug, name, timezone, duration, default_capacity, price_minor, currency,
                                  hold_duration, max_people_per_booking, booking_cutoff, resource_id, active,
                                  payment_mode, what_to_bring)
    values (${slug}, ${'Experience ' + slug}, ${input.timezone ?? 'Europe/Lisbon'}, ${input.duration ?? '2 hours'}::interval,
            ${input.capacity ?? 10}, ${input.priceMinor ?? 2500}, ${input.currency ?? 'EUR'},
            ${input.holdDuration ?? '15 minutes'}::interval, ${input.maxPeople ?? 1000},
            ${input.cutoff ?? '0'}::interval, ${input.resourceId ?? null}, ${input.active ?? true},
            ${input.paymentMode ?? 'auto'}, ${input.whatToBring ?? ''})
    returning id`;
  return { id: Number(row!.id), slug };
}

/** A slot starting `startsInHours` from the database clock (default: tomorrow). */
export async function createSlot(
  sql: Sql,
  experienceId: number,
  options: { capacity?: number; startsInHours?: number; startsAt?: Date; open?: boolean } = {},
): Promise<number> {
  const [row] = await sql<{ id: string }[]>`
    insert into data.slots (experience_id, starts_at, ends_at, capacity, is_open)
    select e.id, t.starts_at, t.starts_at + e.duration, coalesce(${options.capacity ?? null}::int, e.default_capacity),
           ${options.open ?? true}
      from data.experiences e
     cross join lateral (select coalesce(${options.startsAt ?? null}::timestamptz,
                                         api.clock_now() + make_interval(hours => ${options.startsInHours ?? 24})) as starts_at) t
     where e.id = ${experienceId}
    returning id`;
  return Number(row!.id);
}

export async function createResource(sql: Sql, units = 1): Promise<number> {
  const [row] = await sql<{ id: string }[]>`
    insert into data.resources (slug, name, units) values (${'res-' + unique()}, 'Resource', ${units}) returning id`;
  return Number(row!.id);
}

export async function slotCounts(sql: Sql, slotId: number): Promise<{ capacity: number; held: number; booked: number }> {
  const [row] = await sql<{ capacity: number; held: number; booked: number }[]>`
    select capacity, held, booked from data.slots where id = ${slotId}`;
  return row!;
}

export { invariantViolations } from '@/db/invariants';

/** The AppError a call fails with (and a test failure if it succeeds or fails otherwise). */
export async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an error');
}
