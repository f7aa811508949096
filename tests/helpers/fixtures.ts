/**
 * Test fixtures on the file's own database: connections, experiences and slots made directly in
 * SQL, and the invariants of DESIGN.md checked in SQL.
 */
import postgres from 'postgres';
import { afterAll } from 'vitest';
import type { Sql } from '@/db/client';

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
}

export async function createExperience(sql: Sql, input: ExperienceInput = {}): Promise<{ id: number; slug: string }> {
  const slug = input.slug ?? `exp-${unique()}`;
  const [row] = await sql<{ id: string }[]>`
    insert into data.experiences (slug, name, timezone, duration, default_capacity, price_minor, currency,
                                  hold_duration, max_people_per_booking, booking_cutoff, resource_id, active)
    values (${slug}, ${'Experience ' + slug}, ${input.timezone ?? 'Europe/Lisbon'}, ${input.duration ?? '2 hours'}::interval,
            ${input.capacity ?? 10}, ${input.priceMinor ?? 2500}, ${input.currency ?? 'EUR'},
            ${input.holdDuration ?? '15 minutes'}::interval, ${input.maxPeople ?? 1000},
            ${input.cutoff ?? '0'}::interval, ${input.resourceId ?? null}, ${input.active ?? true})
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

/**
 * Every invariant of DESIGN.md that can be read off the tables, as a list of violations (empty
 * when all hold): counters equal the sums over live items, no slot over capacity, a resource
 * slot has exactly one allocation while it has seats, and no unit is allocated twice at once.
 */
export async function invariantViolations(sql: Sql): Promise<string[]> {
  const slots = await sql<{ id: string; problem: string }[]>`
    select s.id, concat_ws(' ',
             case when s.held <> x.live_held then format('held %s <> live items %s', s.held, x.live_held) end,
             case when s.booked <> x.live_booked then format('booked %s <> confirmed items %s', s.booked, x.live_booked) end,
             case when s.held + s.booked > s.capacity then format('oversold %s > %s', s.held + s.booked, s.capacity) end,
             case when e.resource_id is not null and (x.allocations = 1) <> (s.held + s.booked > 0)
                  then format('%s allocations with %s seats', x.allocations, s.held + s.booked) end,
             case when e.resource_id is null and x.allocations > 0 then 'allocation without resource' end) as problem
      from data.slots s
      join data.experiences e on e.id = s.experience_id
     cross join lateral (
       select coalesce(sum(i.quantity) filter (where b.availability_reserved), 0) as live_held,
              coalesce(sum(i.quantity) filter (where b.status = 'confirmed'), 0) as live_booked,
              (select count(*) from data.resource_allocations a where a.slot_id = s.id) as allocations
         from data.booking_items i join data.pending_bookings b on b.id = i.booking_id
        where i.slot_id = s.id) x
     where s.held <> x.live_held or s.booked <> x.live_booked or s.held + s.booked > s.capacity
        or (e.resource_id is not null and (x.allocations = 1) <> (s.held + s.booked > 0))
        or (e.resource_id is null and x.allocations > 0)`;
  const overlaps = await sql<{ a: string; b: string }[]>`
    select a.id as a, b.id as b from data.resource_allocations a
      join data.resource_allocations b on a.unit_id = b.unit_id and a.id < b.id and a.during && b.during`;
  return [
    ...slots.map((r) => `slot ${r.id}: ${r.problem}`),
    ...overlaps.map((r) => `allocations ${r.a} and ${r.b} overlap on one unit`),
  ];
}
