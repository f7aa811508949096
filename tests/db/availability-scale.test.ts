/**
 * Availability reads at scale: the work of a read follows the holds on the start times it reads,
 * not the number of live holds elsewhere. Found by the benchmark (issue 4): with many live holds
 * in the database, the per-slot join of items and bookings was planned as a hash join that
 * scanned every booking once per start time read (a day of 356 held-into start times took 38 s
 * on PostgreSQL 15 with 500,000 live holds), and JIT compiled each read (~200 ms).
 *
 * Counted, not timed: PostgreSQL's own statistics say how many booking rows a read touched.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { upcomingSlots } from '@/db/admin';
import { staffExperience } from '@/db/admin-schedules';
import { checkAvailability, reserveSeats } from '@/db/reservations';
import { connect, createExperience, createSlot, invariantViolations } from '../helpers/fixtures';

const sql = connect(4);
const ELSEWHERE = 20_000;
let readExperience: { id: number; slug: string };
let day: string;

beforeAll(async () => {
  // A flash sale elsewhere: 20,000 live holds on one start time three weeks out.
  const busy = await createExperience(sql);
  const busySlot = await createSlot(sql, busy.id, { capacity: 100_000, startsInHours: 24 * 21 });
  await sql`
    with b as (
      insert into data.pending_bookings (booking_number, hold_token_hash, expires_at, total_minor, currency)
      select 'BK-LOAD-' || g, sha256(g::text::bytea), api.clock_now() + interval '14 minutes', 2500, 'EUR'
        from generate_series(1, ${ELSEWHERE}) g
      returning id
    )
    insert into data.booking_items (booking_id, slot_id, quantity, unit_price_minor)
    select id, ${busySlot}, 1, 2500 from b`;
  await sql`update data.slots set held = ${ELSEWHERE} where id = ${busySlot}`;

  // The experience being read: 24 start times on one local day, a customer's hold on each.
  readExperience = await createExperience(sql, { timezone: 'Europe/Lisbon', capacity: 10 });
  const [row] = await sql`select ((api.clock_now() at time zone 'Europe/Lisbon')::date + 3) as day`;
  day = (row!.day as Date).toISOString().slice(0, 10);
  const times = Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:10`);
  await sql`select api.generate_slots(${readExperience.slug}, ${day}::date, ${day}::date, ${times}::time[])`;
  const slots = await sql<{ id: string }[]>`select id from data.slots where experience_id = ${readExperience.id}`;
  for (const s of slots) expect((await reserveSeats({ slotId: Number(s.id), quantity: 2 }, sql)).ok).toBe(true);
});

afterAll(async () => {
  expect(await invariantViolations(sql)).toEqual([]);
});

/** Booking rows read (sequentially or through an index) while `read` runs on its own connection. */
async function bookingRowsRead(read: (db: typeof sql) => Promise<unknown>): Promise<number> {
  const counter = async () => {
    await sql`select pg_stat_clear_snapshot()`;
    const [r] = await sql`
      select coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) as n
        from pg_stat_user_tables where schemaname = 'data' and relname = 'pending_bookings'`;
    return Number(r!.n);
  };
  const reader = await sql.reserve();
  try {
    await reader`select pg_stat_force_next_flush()`; // flushed when this connection's next transaction ends
    const before = await counter();
    await reader`select pg_stat_force_next_flush()`;
    await read(reader as unknown as typeof sql);
    await reader`select pg_stat_force_next_flush()`; // and the read's own counts with the next one
    await reader`select 1`;
    return (await counter()) - before;
  } finally {
    reader.release();
  }
}

describe('availability reads with many live holds elsewhere', () => {
  test('api.check_availability of one day touches about as many bookings as that day holds', async () => {
    const availability = await checkAvailability({ experience: readExperience.slug, from: day, to: day }, sql);
    expect(availability.slots).toHaveLength(24);
    expect(availability.slots.every((s) => s.held === 2 && s.heldUntil !== null)).toBe(true);

    const touched = await bookingRowsRead((db) => checkAvailability({ experience: readExperience.slug, from: day, to: day }, db));
    expect(touched).toBeLessThan(1_000); // the day's 24 holds, not 24 × 20,000
  });

  test('the live board reads its start times the same way', async () => {
    const board = await upcomingSlots(24);
    expect(board.filter((s) => s.held === 2)).toHaveLength(24);
    const touched = await bookingRowsRead((db) => upcomingSlots(24, db));
    expect(touched).toBeLessThan(1_000);
  });

  // Its old query (lapsed holds only) did not show the problem here; it now shares the helper.
  test('and so does the staff page of the experience', async () => {
    const detail = await staffExperience(readExperience.slug);
    expect(detail.slots.filter((s) => s.held === 2)).toHaveLength(24);
    const touched = await bookingRowsRead((db) => staffExperience(readExperience.slug, db));
    expect(touched).toBeLessThan(1_000);
  });
});
