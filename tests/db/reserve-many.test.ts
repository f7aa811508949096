/**
 * Reservations sharing a call: api.reserve_seats_many (through `reserveMany`) and the queue in
 * `reserveSeats` that sends what arrives together in one call, on real PostgreSQL. The
 * invariants are checked in SQL after every test.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { AppError } from '@/db/errors';
import { reserveMany, reserveQueue, reserveSeats, type ReserveResult } from '@/db/reservations';
import { connect, createExperience, createSlot, invariantViolations, slotCounts } from '../helpers/fixtures';

const sql = connect(4);

afterEach(async () => {
  await sql`update data.settings set max_live_holds_per_client = 5`;
  expect(await invariantViolations(sql)).toEqual([]);
});

function codeOf(result: PromiseSettledResult<ReserveResult>): string {
  if (result.status === 'fulfilled') return result.value.ok ? 'ok' : result.value.code;
  return result.reason instanceof AppError ? result.reason.code : `unexpected: ${String(result.reason)}`;
}

const bookingsOn = async (slotId: number) => {
  const [row] = await sql<{ bookings: number; seats: number }[]>`
    select count(distinct i.booking_id)::int as bookings, coalesce(sum(i.quantity), 0)::int as seats
      from data.booking_items i join data.pending_bookings b on b.id = i.booking_id
     where i.slot_id = ${slotId} and b.availability_reserved`;
  return row!;
};

describe('api.reserve_seats_many', () => {
  test('answers each reservation in argument order, as api.reserve_seats alone would', async () => {
    const exp = await createExperience(sql, { capacity: 10, maxPeople: 4 });
    const [late, early] = [await createSlot(sql, exp.id, { startsInHours: 48 }), await createSlot(sql, exp.id, { startsInHours: 24 })];
    const results = await reserveMany([{ slotId: late, quantity: 2 }, { slotId: early, quantity: 1 }, { slotId: late, quantity: 3 }], sql);
    expect(results.map(codeOf)).toEqual(['ok', 'ok', 'ok']);
    const answers = results.map((r) => (r as PromiseFulfilledResult<ReserveResult & { ok: true }>).value);
    expect(answers.map((a) => [a.items[0]!.slotId, a.items[0]!.quantity])).toEqual([[late, 2], [early, 1], [late, 3]]);
    expect(new Set(answers.map((a) => a.bookingNumber)).size).toBe(3);
    expect(answers.every((a) => a.holdToken && a.holdToken.length === 64)).toBe(true);

    // The same shape as one call of its own, key for key.
    const alone = await reserveSeats({ slotId: early, quantity: 1 }, sql);
    const shape = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(shape) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]).sort()) : typeof value;
    expect(shape(answers[1])).toEqual(shape(alone));
    expect(await slotCounts(sql, late)).toMatchObject({ held: 5 });
    expect(await slotCounts(sql, early)).toMatchObject({ held: 2 });
  });

  test('a reservation that fails gets its own error and changes nothing; the others are kept', async () => {
    const exp = await createExperience(sql, { capacity: 10, maxPeople: 4 });
    const slot = await createSlot(sql, exp.id);
    const closed = await createSlot(sql, exp.id, { startsInHours: 30, open: false });
    const other = await createSlot(sql, exp.id, { startsInHours: 36 });
    const [eventsBefore] = await sql`select count(*)::int as n from data.booking_events`;

    const results = await reserveMany(
      [
        { slotId: slot, quantity: 1 },
        { slotId: 987654321, quantity: 1 },
        { slotId: slot, quantity: 5 },
        { slotId: closed, quantity: 1 },
        { slotId: slot, quantity: 0 },
        { slotId: other, quantity: 2 },
      ],
      sql,
    );
    expect(results.map(codeOf)).toEqual(['ok', 'slot_not_found', 'too_many_people', 'booking_closed', 'invalid_quantity', 'ok']);
    // The error carries what the function raised, as a call of its own would.
    const tooMany = (results[2] as PromiseRejectedResult).reason as AppError;
    expect(tooMany.details).toEqual({ max: 4 });

    expect(await slotCounts(sql, slot)).toMatchObject({ held: 1 });
    expect(await slotCounts(sql, closed)).toMatchObject({ held: 0 });
    expect(await slotCounts(sql, other)).toMatchObject({ held: 2 });
    expect(await bookingsOn(slot)).toEqual({ bookings: 1, seats: 1 });
    const [eventsAfter] = await sql`select count(*)::int as n from data.booking_events`;
    expect(eventsAfter!.n - eventsBefore!.n).toBe(2);
  });

  test('a slot that fills up within one call: the first ones get the seats, the rest are told it is sold out', async () => {
    const exp = await createExperience(sql, { capacity: 3 });
    const slot = await createSlot(sql, exp.id);
    const results = await reserveMany(Array.from({ length: 5 }, () => ({ slotId: slot, quantity: 1 })), sql);
    expect(results.map(codeOf)).toEqual(['ok', 'ok', 'ok', 'sold_out', 'sold_out']);
    expect((results[4] as PromiseFulfilledResult<ReserveResult>).value).toEqual({ ok: false, code: 'sold_out', remaining: 0 });
    expect(await slotCounts(sql, slot)).toEqual({ capacity: 3, held: 3, booked: 0 });
    expect(await bookingsOn(slot)).toEqual({ bookings: 3, seats: 3 });
  });

  test('adds to held bookings in one call, and only with the right token', async () => {
    const exp = await createExperience(sql, { capacity: 20 });
    const [a, b] = [await createSlot(sql, exp.id), await createSlot(sql, exp.id, { startsInHours: 40 })];
    const first = await reserveSeats({ slotId: a, quantity: 1 }, sql);
    if (!first.ok) throw new Error('expected a hold');
    const mine = { bookingNumber: first.bookingNumber, holdToken: first.holdToken! };

    const results = await reserveMany(
      [
        { slotId: b, quantity: 2, ...mine },
        { slotId: a, quantity: 1, ...mine },
        { slotId: b, quantity: 1, bookingNumber: first.bookingNumber, holdToken: 'f'.repeat(64) },
      ],
      sql,
    );
    expect(results.map(codeOf)).toEqual(['ok', 'ok', 'invalid_hold_token']);
    // They run in slot order: the one on `a` first, then the one on `b`, whose answer has both.
    const [onB, onA] = results.map((r) => (r as PromiseFulfilledResult<ReserveResult & { ok: true }>).value);
    expect(onA!.holdToken).toBeNull();
    expect(onA!.items.map((i) => [i.slotId, i.quantity])).toEqual([[a, 2]]);
    expect(onB!.items.map((i) => [i.slotId, i.quantity]).sort()).toEqual([[a, 2], [b, 2]].sort());
    expect(await slotCounts(sql, a)).toMatchObject({ held: 2 });
    expect(await slotCounts(sql, b)).toMatchObject({ held: 2 });
  });

  test('the live-holds cap per client counts the holds made earlier in the same call', async () => {
    await sql`update data.settings set max_live_holds_per_client = 2`;
    const exp = await createExperience(sql, { capacity: 20 });
    const slot = await createSlot(sql, exp.id);
    const results = await reserveMany(Array.from({ length: 4 }, () => ({ slotId: slot, quantity: 1, clientKey: 'one-client' })), sql);
    expect(results.map(codeOf)).toEqual(['ok', 'ok', 'too_many_holds', 'too_many_holds']);
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 2 });
  });

  test('takes at most 32 at once, and one element per reservation in every argument', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    await expect(reserveMany(Array.from({ length: 33 }, () => ({ slotId: slot, quantity: 1 })), sql)).rejects.toMatchObject({
      code: 'too_many_reservations',
    });
    await expect(sql`select api.reserve_seats_many(array[${slot}]::bigint[], array[1, 1], array[null]::text[], array[null]::text[], array[null]::text[])`).rejects.toMatchObject({
      code: '22023',
    });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0 });
  });
});

describe('reserveSeats on a pool: reservations that arrive together share calls', () => {
  test('200 customers at once on one pool, capacity 7: exactly 7 held, in fewer calls than customers (10 rounds)', async () => {
    const pool = connect(10);
    const exp = await createExperience(sql, { capacity: 7 });
    for (let round = 0; round < 10; round++) {
      const slot = await createSlot(sql, exp.id, { startsInHours: 24 + round });
      const before = { ...reserveQueue(pool).sent };
      const results = await Promise.all(Array.from({ length: 200 }, () => reserveSeats({ slotId: slot, quantity: 1 }, pool)));
      const sent = reserveQueue(pool).sent;
      expect(sent.inputs - before.inputs).toBe(200);
      expect(sent.calls - before.calls).toBeLessThan(200 / 4);

      expect(results.filter((r) => r.ok)).toHaveLength(7);
      expect(results.filter((r) => !r.ok && r.code === 'sold_out')).toHaveLength(193);
      expect(await slotCounts(sql, slot)).toEqual({ capacity: 7, held: 7, booked: 0 });
      expect(await bookingsOn(slot)).toEqual({ bookings: 7, seats: 7 });
    }
  });

  test('customers sharing a call still get their own errors', async () => {
    const pool = connect(10);
    const exp = await createExperience(sql, { capacity: 100, maxPeople: 3 });
    const slot = await createSlot(sql, exp.id);
    const closed = await createSlot(sql, exp.id, { startsInHours: 30, open: false });
    const requests = Array.from({ length: 90 }, (_, i) => ({ slotId: [slot, closed, slot][i % 3]!, quantity: [1, 1, 4][i % 3]! }));
    const results = await Promise.allSettled(requests.map((r) => reserveSeats(r, pool)));
    expect(results.map(codeOf)).toEqual(requests.map((_, i) => ['ok', 'booking_closed', 'too_many_people'][i % 3]));
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 30 });
    expect(await bookingsOn(slot)).toEqual({ bookings: 30, seats: 30 });
  });

  test('four processes at once over five slots in random order: no deadlock, every seat accounted for (5 rounds)', async () => {
    const pools = Array.from({ length: 4 }, () => connect(10));
    const exp = await createExperience(sql, { capacity: 40 });
    for (let round = 0; round < 5; round++) {
      const slots = await Promise.all(Array.from({ length: 5 }, (_, i) => createSlot(sql, exp.id, { startsInHours: 100 + round * 10 + i })));
      const requests = pools.flatMap((pool) =>
        Array.from({ length: 80 }, () => ({ pool, slotId: slots[Math.floor(Math.random() * slots.length)]!, quantity: 1 + Math.floor(Math.random() * 2) })),
      );
      const results = await Promise.all(requests.map(({ pool, ...r }) => reserveSeats(r, pool)));
      for (const slot of slots) {
        const won = results.filter((r, i) => r.ok && requests[i]!.slotId === slot);
        const seats = won.reduce((n, r) => n + (r.ok ? r.items[0]!.quantity : 0), 0);
        expect(await slotCounts(sql, slot)).toEqual({ capacity: 40, held: seats, booked: 0 });
        expect(await bookingsOn(slot)).toEqual({ bookings: won.length, seats });
        // Refused only when the seats asked for were no longer there.
        results.forEach((r, i) => {
          if (!r.ok && requests[i]!.slotId === slot) expect(r.remaining).toBeLessThan(requests[i]!.quantity);
        });
      }
    }
  });
});
