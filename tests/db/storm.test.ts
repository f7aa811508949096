/**
 * Races on real PostgreSQL: 200 clients, each on its own connection, released at the same
 * instant against one slot or one resource unit. The invariants are checked in SQL afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sql } from '@/db/client';
import { reserveSeats, type ReserveResult } from '@/db/reservations';
import { connect, createExperience, createResource, createSlot, invariantViolations, slotCounts } from '../helpers/fixtures';

const CLIENTS = 200;
const ROUNDS = 20;

const sql = connect(2);
let clients: Sql[] = [];

beforeAll(async () => {
  clients = Array.from({ length: CLIENTS }, () => connect(1));
  // Open every connection before the race, so the race is between live sessions.
  await Promise.all(clients.map((c) => c`select 1`));
  const [row] = await sql`select count(*)::int as n from pg_stat_activity where datname = current_database()`;
  expect(row!.n).toBeGreaterThanOrEqual(CLIENTS);
  // Warm every session up the way a pooled production connection is: each compiles the plpgsql
  // functions once, on a slot with room for all, before any race.
  const warmUp = await createSlot(sql, (await createExperience(sql, { capacity: CLIENTS })).id);
  const warm = await Promise.all(clients.map((c) => reserveSeats({ slotId: warmUp, quantity: 1 }, c)));
  expect(warm.every((r) => r.ok)).toBe(true);
});

afterAll(async () => {
  expect(await invariantViolations(sql)).toEqual([]);
});

/** Every client sends its request at once; returns the results in client order. */
async function race(request: (client: Sql, i: number) => Promise<ReserveResult>): Promise<ReserveResult[]> {
  let go!: () => void;
  const start = new Promise<void>((r) => (go = r));
  const pending = clients.map(async (client, i) => {
    await start;
    return request(client, i);
  });
  go();
  return Promise.all(pending);
}

describe('storm: 200 clients race for one slot', () => {
  test(`capacity 7, one seat each: exactly 7 held, ${ROUNDS} rounds`, async () => {
    const exp = await createExperience(sql, { capacity: 7 });
    for (let round = 0; round < ROUNDS; round++) {
      const slot = await createSlot(sql, exp.id, { startsInHours: 24 + round });
      const results = await race((client) => reserveSeats({ slotId: slot, quantity: 1 }, client));

      const won = results.filter((r) => r.ok);
      expect(won).toHaveLength(7);
      expect(results.filter((r) => !r.ok && r.code === 'sold_out')).toHaveLength(CLIENTS - 7);
      expect(await slotCounts(sql, slot)).toEqual({ capacity: 7, held: 7, booked: 0 });
      const [sums] = await sql`
        select count(distinct b.id)::int as bookings, coalesce(sum(i.quantity), 0)::int as seats
          from data.booking_items i join data.pending_bookings b on b.id = i.booking_id
         where i.slot_id = ${slot} and b.availability_reserved`;
      expect(sums).toEqual({ bookings: 7, seats: 7 });
      const [conflicts] = await sql`select count(*)::int as n from data.booking_events where slot_id = ${slot} and type = 'conflict'`;
      expect(conflicts!.n).toBe(CLIENTS - 7);
    }
    expect(await invariantViolations(sql)).toEqual([]);
  });

  test(`capacity 7, 1–3 seats each: never oversold, and every loser asked for more than was left (${ROUNDS} rounds)`, async () => {
    const exp = await createExperience(sql, { capacity: 7 });
    for (let round = 0; round < ROUNDS; round++) {
      const slot = await createSlot(sql, exp.id, { startsInHours: 100 + round });
      const wants = clients.map(() => 1 + Math.floor(Math.random() * 3));
      const results = await race((client, i) => reserveSeats({ slotId: slot, quantity: wants[i]! }, client));

      const seatsWon = results.reduce((sum, r, i) => sum + (r.ok ? wants[i]! : 0), 0);
      const { held, capacity } = await slotCounts(sql, slot);
      expect(held).toBe(seatsWon);
      expect(held).toBeLessThanOrEqual(capacity);
      const left = capacity - held;
      results.forEach((r, i) => {
        if (!r.ok) expect(wants[i]).toBeGreaterThan(left);
      });
    }
    expect(await invariantViolations(sql)).toEqual([]);
  });
});

describe('storm: racing holds on one exclusive resource', () => {
  test(`overlapping slots of different experiences on one unit: exactly one slot wins (${ROUNDS} rounds)`, async () => {
    const resourceId = await createResource(sql, 1);
    const experiences = [];
    for (let i = 0; i < 10; i++) experiences.push(await createExperience(sql, { resourceId, capacity: 50, duration: '3 hours' }));
    for (let round = 0; round < ROUNDS; round++) {
      const base = Date.now() + (10 + round) * 86_400_000;
      // Ten slots starting 0..90 minutes apart, each 3 hours long: every pair overlaps.
      const slots: number[] = [];
      for (const [i, e] of experiences.entries()) {
        slots.push(await createSlot(sql, e.id, { startsAt: new Date(base + i * 10 * 60_000) }));
      }
      const results = await race((client, i) => reserveSeats({ slotId: slots[i % slots.length]!, quantity: 1 }, client));

      const winningSlots = new Set(results.flatMap((r) => (r.ok ? [r.slot.slotId] : [])));
      expect(winningSlots.size).toBe(1);
      const [winner] = [...winningSlots];
      // Every client who asked for the winning slot got a seat; everyone else was told the boat is taken.
      results.forEach((r, i) => {
        if (slots[i % slots.length] === winner) expect(r.ok).toBe(true);
        else expect(r).toMatchObject({ ok: false, code: 'resource_unavailable' });
      });
      const [alloc] = await sql`
        select count(*)::int as n from data.resource_allocations where slot_id = any (${slots}::bigint[])`;
      expect(alloc!.n).toBe(1);
    }
    expect(await invariantViolations(sql)).toEqual([]);
  });

  test(`three units, overlapping slots: exactly three slots win (${ROUNDS} rounds)`, async () => {
    const resourceId = await createResource(sql, 3);
    const experiences = [];
    for (let i = 0; i < 8; i++) experiences.push(await createExperience(sql, { resourceId, capacity: 50, duration: '2 hours' }));
    for (let round = 0; round < ROUNDS; round++) {
      const base = Date.now() + (40 + round) * 86_400_000;
      const slots: number[] = [];
      for (const [i, e] of experiences.entries()) {
        slots.push(await createSlot(sql, e.id, { startsAt: new Date(base + i * 5 * 60_000) }));
      }
      const results = await race((client, i) => reserveSeats({ slotId: slots[i % slots.length]!, quantity: 1 }, client));
      const winningSlots = new Set(results.flatMap((r) => (r.ok ? [r.slot.slotId] : [])));
      expect(winningSlots.size).toBe(3);
      const [units] = await sql`
        select count(distinct unit_id)::int as n from data.resource_allocations where slot_id = any (${slots}::bigint[])`;
      expect(units!.n).toBe(3);
    }
    expect(await invariantViolations(sql)).toEqual([]);
  });
});
