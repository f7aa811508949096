/**
 * The invariants of DESIGN.md that can be read off the tables, checked in SQL. Used by the tests
 * after every race and by the benchmark after every run; never by the request path.
 */
import type { Sql } from './client';

/**
 * Every invariant of DESIGN.md that can be read off the tables, as a list of violations (empty
 * when all hold): counters equal the sums over live items, no slot over capacity, a resource
 * slot has exactly one allocation while it has seats, no unit is allocated twice at once, and a
 * live hold's total is the sum of its items.
 */
export async function invariantViolations(sql: Sql): Promise<string[]> {
  // Each table is read once and summed by slot (hash joins), not once per slot: per-slot subqueries
  // cost a scan of the bookings for every slot whenever the planner's statistics lagged behind a
  // benchmark's half a million bookings.
  const slots = await sql<{ id: string; problem: string }[]>`
    with items as (
      select i.slot_id,
             sum(i.quantity) filter (where b.availability_reserved) as live_held,
             sum(i.quantity) filter (where b.status = 'confirmed') as live_booked
        from data.booking_items i join data.pending_bookings b on b.id = i.booking_id
       group by i.slot_id),
    allocations as (
      select slot_id, count(*) as allocations from data.resource_allocations group by slot_id)
    select s.id, concat_ws(' ',
             case when s.held <> x.live_held then format('held %s <> live items %s', s.held, x.live_held) end,
             case when s.booked <> x.live_booked then format('booked %s <> confirmed items %s', s.booked, x.live_booked) end,
             case when s.held + s.booked > s.capacity then format('oversold %s > %s', s.held + s.booked, s.capacity) end,
             case when e.resource_id is not null and (x.allocations = 1) <> (s.held + s.booked > 0)
                  then format('%s allocations with %s seats', x.allocations, s.held + s.booked) end,
             case when e.resource_id is null and x.allocations > 0 then 'allocation without resource' end) as problem
      from data.slots s
      join data.experiences e on e.id = s.experience_id
      left join items i on i.slot_id = s.id
      left join allocations a on a.slot_id = s.id
     cross join lateral (
       select coalesce(i.live_held, 0) as live_held, coalesce(i.live_booked, 0) as live_booked,
              coalesce(a.allocations, 0) as allocations) x
     where s.held <> x.live_held or s.booked <> x.live_booked or s.held + s.booked > s.capacity
        or (e.resource_id is not null and (x.allocations = 1) <> (s.held + s.booked > 0))
        or (e.resource_id is null and x.allocations > 0)`;
  const overlaps = await sql<{ a: string; b: string }[]>`
    select a.id as a, b.id as b from data.resource_allocations a
      join data.resource_allocations b on a.unit_id = b.unit_id and a.id < b.id and a.during && b.during`;
  // A live hold's total is what its items cost: what Stripe is asked to charge, and what a payment
  // must be to confirm it (api.apply_payment).
  const totals = await sql<{ number: string; total: string; items: string }[]>`
    select b.booking_number as number, b.total_minor as total, i.total as items
      from data.pending_bookings b
      join (select booking_id, sum(quantity::bigint * unit_price_minor) as total
              from data.booking_items group by booking_id) i on i.booking_id = b.id
     where b.availability_reserved and b.total_minor <> i.total`;
  return [
    ...slots.map((r) => `slot ${r.id}: ${r.problem}`),
    ...overlaps.map((r) => `allocations ${r.a} and ${r.b} overlap on one unit`),
    ...totals.map((r) => `booking ${r.number}: total ${r.total} <> its items ${r.items}`),
  ];
}
