/**
 * api.resume_hold (migration 0019): a reload gives the hold back by beacon, and the next page in
 * the tab takes the same booking up again — number, token, expiry — if its seats are still free.
 * On real PostgreSQL, through the typed wrappers; the invariants are checked after every test.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { AppError } from '@/db/errors';
import { releaseBooking, reserveSeats, resumeHold } from '@/db/reservations';
import { connect, createExperience, createResource, createSlot, failure, invariantViolations, slotCounts } from '../helpers/fixtures';

const sql = connect(6);

afterEach(async () => {
  await sql`update data.clock set skew = '0'`;
  await sql`update data.settings set resume_window = '30 seconds', max_live_holds_per_client = 5`;
  expect(await invariantViolations(sql)).toEqual([]);
});

async function held(input: Parameters<typeof reserveSeats>[0]) {
  const result = await reserveSeats(input, sql);
  if (!result.ok) throw new Error(`expected a hold, got ${result.code}`);
  return { ...result, auth: { bookingNumber: result.bookingNumber, holdToken: result.holdToken! } };
}

async function events(bookingNumber: string) {
  return sql<{ type: string; tier: string | null }[]>`
    select e.type, e.tier from data.booking_events e
      join data.pending_bookings b on b.id = e.booking_id
     where b.booking_number = ${bookingNumber} order by e.id`;
}

async function bookingRow(bookingNumber: string) {
  const [row] = await sql<{ status: string; availability_reserved: boolean; expires_at: Date }[]>`
    select status, availability_reserved, expires_at from data.pending_bookings where booking_number = ${bookingNumber}`;
  return row!;
}

const beacon = (auth: { bookingNumber: string; holdToken: string }) => releaseBooking({ ...auth, tier: 'beacon' }, sql);

describe('api.resume_hold', () => {
  test('a hold the beacon gave back is taken up again: same number, same expiry, its seats held, "resumed" logged', async () => {
    const exp = await createExperience(sql, { holdDuration: '10 minutes' });
    const [a, b] = [await createSlot(sql, exp.id, { capacity: 4 }), await createSlot(sql, exp.id, { capacity: 4, startsInHours: 48 })];
    const first = await held({ slotId: a, quantity: 2 });
    const both = await held({ slotId: b, quantity: 1, ...first.auth });
    await beacon(first.auth);
    expect(await slotCounts(sql, a)).toMatchObject({ held: 0 });

    const resumed = await resumeHold(first.auth, sql);
    expect(resumed).toMatchObject({ bookingNumber: first.bookingNumber, status: 'held', availabilityReserved: true, expiresAt: both.expiresAt });
    expect(resumed.items.map((i) => [i.slotId, i.quantity])).toEqual([
      [a, 2],
      [b, 1],
    ]);
    expect(await slotCounts(sql, a)).toMatchObject({ held: 2 });
    expect(await slotCounts(sql, b)).toMatchObject({ held: 1 });
    expect(await events(first.bookingNumber)).toEqual([
      { type: 'reserved', tier: null },
      { type: 'reserved', tier: null },
      { type: 'released', tier: 'beacon' },
      { type: 'resumed', tier: null },
    ]);
    // The hold token still works for everything else, and the hold lapses at its original time.
    expect((await reserveSeats({ slotId: a, quantity: 1, ...first.auth }, sql)).ok).toBe(true);
  });

  test('a hold that is still live comes back as it is, and nothing changes', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id, { capacity: 4 });
    const hold = await held({ slotId: slot, quantity: 3 });
    const again = await resumeHold(hold.auth, sql);
    expect(again).toMatchObject({ bookingNumber: hold.bookingNumber, status: 'held', expiresAt: hold.expiresAt });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 3 });
    expect(await events(hold.bookingNumber)).toEqual([{ type: 'reserved', tier: null }]);
  });

  test('only the token holder can: no token or a wrong one is refused and changes nothing', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id, { capacity: 4 });
    const hold = await held({ slotId: slot, quantity: 2 });
    const other = await held({ slotId: slot, quantity: 1 });
    await beacon(hold.auth);
    for (const holdToken of [undefined, other.holdToken!, 'f'.repeat(64)]) {
      expect((await failure(resumeHold({ bookingNumber: hold.bookingNumber, holdToken }, sql))).code).toBe('invalid_hold_token');
    }
    expect((await failure(resumeHold({ bookingNumber: 'BK-200101-ABCDEF', holdToken: hold.holdToken! }, sql))).code).toBe('booking_not_found');
    expect(await bookingRow(hold.bookingNumber)).toMatchObject({ status: 'released', availability_reserved: false });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 1 });
  });

  test('only a beacon release, and only a recent one: a release by hand, an old one or a paid booking is not_resumable', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id, { capacity: 10 });

    const byHand = await held({ slotId: slot, quantity: 1 });
    await releaseBooking({ ...byHand.auth, tier: 'customer' }, sql);
    expect((await failure(resumeHold(byHand.auth, sql))).code).toBe('not_resumable');

    const old = await held({ slotId: slot, quantity: 1 });
    await beacon(old.auth);
    await sql`update data.settings set resume_window = '0 seconds'`; // every release is now too old
    expect((await failure(resumeHold(old.auth, sql))).code).toBe('not_resumable');
    await sql`update data.settings set resume_window = '30 seconds'`;

    const paid = await held({ slotId: slot, quantity: 1 });
    // Pay on arrival (no Stripe): confirmed at once.
    await sql`select api.begin_checkout(${paid.bookingNumber}::text, ${paid.holdToken}::text, 'Ada', 'ada@example.com', null::text, false)`;
    expect((await failure(resumeHold(paid.auth, sql))).code).toBe('not_resumable');

    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 1 });
    for (const b of [byHand, old]) expect(await bookingRow(b.bookingNumber)).toMatchObject({ status: 'released' });
  });

  test('a reload gives no extra time: once the original expiry has passed the hold cannot be resumed', async () => {
    const exp = await createExperience(sql, { holdDuration: '5 minutes' });
    const slot = await createSlot(sql, exp.id, { capacity: 4 });
    const hold = await held({ slotId: slot, quantity: 2 });
    await beacon(hold.auth);
    await sql`select api.shift_clock('6 minutes')`;
    expect((await failure(resumeHold(hold.auth, sql))).code).toBe('hold_expired');
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0 });

    // A hold that lapsed without any release (no job or sweep has run) is expired too.
    await sql`update data.clock set skew = '0'`;
    const lapsed = await held({ slotId: slot, quantity: 1 });
    await sql`select api.shift_clock('6 minutes')`;
    expect((await failure(resumeHold(lapsed.auth, sql))).code).toBe('hold_expired');
  });

  test('seats taken meanwhile: sold_out, all or nothing — no item is held again and the booking stays released', async () => {
    const exp = await createExperience(sql);
    const [a, b] = [await createSlot(sql, exp.id, { capacity: 3 }), await createSlot(sql, exp.id, { capacity: 5, startsInHours: 48 })];
    const hold = await held({ slotId: a, quantity: 2 });
    await held({ slotId: b, quantity: 2, ...hold.auth });
    await beacon(hold.auth);
    await held({ slotId: a, quantity: 2 }); // someone else, in the moment the seats were free

    const err = await failure(resumeHold(hold.auth, sql));
    expect(err).toMatchObject({ code: 'sold_out', status: 409 });
    expect(await slotCounts(sql, a)).toMatchObject({ held: 2 });
    expect(await slotCounts(sql, b)).toMatchObject({ held: 0 });
    expect(await bookingRow(hold.bookingNumber)).toMatchObject({ status: 'released', availability_reserved: false });
    expect((await events(hold.bookingNumber)).map((e) => e.type)).toEqual(['reserved', 'reserved', 'released']);
  });

  test('a start time past its booking cut-off is not held again', async () => {
    const exp = await createExperience(sql, { holdDuration: '2 hours', cutoff: '2 hours' });
    const slot = await createSlot(sql, exp.id, { capacity: 4, startsInHours: 3 });
    const hold = await held({ slotId: slot, quantity: 1 });
    await beacon(hold.auth);
    await sql`select api.shift_clock('61 minutes')`;
    await sql`update data.settings set resume_window = '1 hour'`;
    expect((await failure(resumeHold(hold.auth, sql))).code).toBe('sold_out');
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0 });
  });

  test('a shared resource: the resumed first seat takes its unit again, or fails if the unit went elsewhere', async () => {
    const resourceId = await createResource(sql, 1);
    const tour = await createExperience(sql, { resourceId, capacity: 12, duration: '2 hours' });
    const charter = await createExperience(sql, { resourceId, capacity: 1, duration: '4 hours' });
    const start = new Date(Date.now() + 4 * 86_400_000);
    const tourSlot = await createSlot(sql, tour.id, { startsAt: start });
    const charterSlot = await createSlot(sql, charter.id, { startsAt: new Date(start.getTime() - 3_600_000) });

    const hold = await held({ slotId: tourSlot, quantity: 2 });
    await beacon(hold.auth);
    expect(await sql`select 1 from data.resource_allocations where slot_id = ${tourSlot}`).toHaveLength(0);
    await resumeHold(hold.auth, sql);
    expect(await sql`select 1 from data.resource_allocations where slot_id = ${tourSlot}`).toHaveLength(1);
    expect(await reserveSeats({ slotId: charterSlot, quantity: 1 }, sql)).toMatchObject({ ok: false, code: 'resource_unavailable' });

    await beacon(hold.auth);
    await held({ slotId: charterSlot, quantity: 1 }); // the boat goes to the charter
    expect((await failure(resumeHold(hold.auth, sql))).code).toBe('sold_out');
    expect(await slotCounts(sql, tourSlot)).toMatchObject({ held: 0 });
  });
});

describe('api.resume_hold under concurrency', () => {
  test('two tabs resuming at once: the seats are held once (30 rounds)', async () => {
    const exp = await createExperience(sql);
    for (let round = 0; round < 30; round++) {
      const slot = await createSlot(sql, exp.id, { capacity: 3, startsInHours: 24 + round });
      const hold = await held({ slotId: slot, quantity: 3 });
      await beacon(hold.auth);
      const answers = await Promise.allSettled([resumeHold(hold.auth, sql), resumeHold(hold.auth, sql), resumeHold(hold.auth, sql)]);
      expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      expect(await slotCounts(sql, slot)).toMatchObject({ held: 3 });
      expect((await events(hold.bookingNumber)).filter((e) => e.type === 'resumed')).toHaveLength(1);
    }
  });

  test('a resume racing a new customer for the last seats: exactly one of them gets the seats (30 rounds)', async () => {
    const exp = await createExperience(sql);
    await sql`update data.settings set max_live_holds_per_client = 1000`;
    const outcomes = { resumed: 0, newCustomer: 0 };
    for (let round = 0; round < 30; round++) {
      const slot = await createSlot(sql, exp.id, { capacity: 2, startsInHours: 24 + round });
      const hold = await held({ slotId: slot, quantity: 2 });
      await beacon(hold.auth);
      const [resumed, other] = await Promise.allSettled([resumeHold(hold.auth, sql), reserveSeats({ slotId: slot, quantity: 2 }, sql)]);
      const otherGot = other.status === 'fulfilled' && other.value.ok;
      expect(resumed.status === 'fulfilled').toBe(!otherGot);
      if (resumed.status === 'rejected') expect((resumed.reason as AppError).code).toBe('sold_out');
      expect(await slotCounts(sql, slot)).toMatchObject({ held: 2 });
      outcomes[otherGot ? 'newCustomer' : 'resumed']++;
    }
    expect(outcomes.resumed + outcomes.newCustomer).toBe(30);
  });
});
