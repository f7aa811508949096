/**
 * The reservation stored functions, through their typed wrappers, on real PostgreSQL.
 * Each test makes its own slots; tests that move the clock put it back.
 */
import { afterEach, describe, expect, test } from 'vitest';
import {
  availabilityReads,
  checkAvailability,
  expireBooking,
  expireLapsedHolds,
  publishSlotChanges,
  releaseBooking,
  releaseItem,
  reserveSeats,
  type Availability,
  type ReserveResult,
} from '@/db/reservations';
import { connect, createExperience, createResource, createSlot, failure, invariantViolations, slotCounts } from '../helpers/fixtures';

const sql = connect(4);

afterEach(async () => {
  await sql`update data.clock set skew = '0'`;
  await sql`update data.settings set max_items_per_booking = 10, max_live_holds_per_client = 5`;
  expect(await invariantViolations(sql)).toEqual([]);
});

async function held(input: Parameters<typeof reserveSeats>[0]) {
  const result = await reserveSeats(input, sql);
  if (!result.ok) throw new Error(`expected a hold, got ${result.code}`);
  return result;
}

async function events(bookingNumber: string) {
  return sql<{ type: string; tier: string | null; quantity: number | null }[]>`
    select e.type, e.tier, e.quantity from data.booking_events e
      join data.pending_bookings b on b.id = e.booking_id
     where b.booking_number = ${bookingNumber} order by e.id`;
}

async function shift(by: string) {
  await sql`select api.shift_clock(${by}::interval)`;
}

describe('api.reserve_seats', () => {
  test('creates a booking: number, secret token, hold from the experience, seats taken, event logged', async () => {
    const exp = await createExperience(sql, { holdDuration: '7 minutes', priceMinor: 1250 });
    const slot = await createSlot(sql, exp.id, { capacity: 5 });
    const result = await held({ slotId: slot, quantity: 2 });

    expect(result.bookingNumber).toMatch(/^BK-\d{6}-[2-9A-HJ-NP-Z]{6}$/);
    expect(result.holdToken).toMatch(/^[0-9a-f]{64}$/);
    expect(result.status).toBe('held');
    expect(result.totalMinor).toBe(2500);
    expect(result.slot.remaining).toBe(3);
    expect(result.items).toMatchObject([{ slotId: slot, quantity: 2, unitPriceMinor: 1250 }]);

    const [row] = await sql`
      select expires_at - api.clock_now() as left, hold_token_hash = sha256(convert_to(${result.holdToken}, 'UTF8')) as hashed,
             position(${result.holdToken!}::bytea in hold_token_hash) = 0 as not_plain
        from data.pending_bookings where booking_number = ${result.bookingNumber}`;
    expect(row!.hashed).toBe(true);
    expect(row!.not_plain).toBe(true);
    expect(row!.left).toMatch(/^00:0[67]:/);
    expect(await slotCounts(sql, slot)).toEqual({ capacity: 5, held: 2, booked: 0 });
    expect(await events(result.bookingNumber)).toEqual([{ type: 'reserved', tier: null, quantity: 2 }]);
  });

  test('adding to a booking extends the whole hold and adds items; the same slot adds people', async () => {
    const exp = await createExperience(sql, { holdDuration: '15 minutes' });
    const [a, b] = [await createSlot(sql, exp.id), await createSlot(sql, exp.id, { startsInHours: 30 })];
    const first = await held({ slotId: a!, quantity: 1 });
    await shift('10 minutes');
    const second = await held({ slotId: b!, quantity: 2, bookingNumber: first.bookingNumber, holdToken: first.holdToken! });
    expect(second.holdToken).toBeNull();
    expect(Date.parse(second.expiresAt) - Date.parse(first.expiresAt)).toBeGreaterThanOrEqual(10 * 60_000 - 1000);
    const third = await held({ slotId: a!, quantity: 3, bookingNumber: first.bookingNumber, holdToken: first.holdToken! });
    expect(third.items.map((i) => [i.slotId, i.quantity])).toEqual([
      [a, 4],
      [b, 2],
    ]);
    expect(third.totalMinor).toBe(6 * 2500);
    expect((await slotCounts(sql, a!)).held).toBe(4);
  });

  test('a sold-out slot answers ok:false with what remains, logs a conflict and changes nothing else', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id, { capacity: 3 });
    await held({ slotId: slot, quantity: 2 });
    const before = await sql`select count(*)::int as n from data.pending_bookings`;
    const result: ReserveResult = await reserveSeats({ slotId: slot, quantity: 2 }, sql);
    expect(result).toEqual({ ok: false, code: 'sold_out', remaining: 1 });
    const after = await sql`select count(*)::int as n from data.pending_bookings`;
    expect(after[0]!.n).toBe(before[0]!.n);
    const [conflict] = await sql`select quantity, detail from data.booking_events where slot_id = ${slot} and type = 'conflict'`;
    expect(conflict).toMatchObject({ quantity: 2, detail: { code: 'sold_out', remaining: 1 } });
    expect((await slotCounts(sql, slot)).held).toBe(2);
  });

  test('the answer for a new booking, built in place, is exactly data.booking_json of that booking', async () => {
    const exp = await createExperience(sql, { priceMinor: 990 });
    const slot = await createSlot(sql, exp.id, { capacity: 9 });
    const result = await held({ slotId: slot, quantity: 3 });
    const [row] = await sql`
      select data.booking_json(id) as json from data.pending_bookings where booking_number = ${result.bookingNumber}`;
    const { ok: _ok, holdToken: _token, slot: _slot, ...booking } = result;
    expect(booking).toEqual(row!.json);
  });

  test('a customer who saw room but lost the last seat to a concurrent hold leaves no booking behind', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id, { capacity: 2 });
    await held({ slotId: slot, quantity: 1 });
    const [before] = await sql`select count(*)::int as n from data.pending_bookings`;

    // The rival takes the last seat and keeps its transaction open: the customer's read still
    // sees a free seat, writes its booking ahead, then waits on the slot row and finds it full.
    const rival = await sql.reserve();
    try {
      await rival`begin`;
      await rival`select api.reserve_seats(${slot}::bigint, 1)`;
      const loser = reserveSeats({ slotId: slot, quantity: 1 }, sql);
      await expect.poll(async () => (await sql`
        select count(*)::int as n from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock' and query like '%reserve_seats%'`)[0]!.n).toBe(1);
      await rival`commit`;
      expect(await loser).toEqual({ ok: false, code: 'sold_out', remaining: 0 });
    } finally {
      rival.release();
    }
    const [after] = await sql`select count(*)::int as n from data.pending_bookings`;
    expect(after!.n).toBe(before!.n + 1); // the rival's booking only
    const [conflict] = await sql`
      select booking_id, detail from data.booking_events where slot_id = ${slot} and type = 'conflict'`;
    expect(conflict).toEqual({ booking_id: null, detail: { code: 'sold_out', remaining: 0 } });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 2 });
  });

  test('a start time closed by staff while a customer takes seats on it is closed (HF003), not sold out; nothing is kept (0020)', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id, { capacity: 10 });
    const [before] = await sql`select (select count(*)::int from data.pending_bookings) as bookings,
                                      (select count(*)::int from data.booking_events) as events`;

    // Staff close the start time and have not committed: the customer's read still sees it open,
    // writes its booking ahead, then waits on the slot row and finds it closed.
    const staff = await sql.reserve();
    try {
      await staff`begin`;
      await staff`update data.slots set is_open = false where id = ${slot}`;
      const customer = failure(reserveSeats({ slotId: slot, quantity: 1 }, sql));
      await expect.poll(async () => (await sql`
        select count(*)::int as n from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock' and query like '%reserve_seats%'`)[0]!.n).toBe(1);
      await staff`commit`;
      expect((await customer).code).toBe('booking_closed');
    } finally {
      staff.release();
    }
    const [after] = await sql`select (select count(*)::int from data.pending_bookings) as bookings,
                                     (select count(*)::int from data.booking_events) as events`;
    expect(after).toEqual(before);
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 0 });
  });

  test('customers who may get seats queue on the slot\'s advisory lock; one who saw it sold out is refused without queueing', async () => {
    const exp = await createExperience(sql);
    const open = await createSlot(sql, exp.id, { capacity: 3 });
    const full = await createSlot(sql, exp.id, { capacity: 1, startsInHours: 30 });
    await held({ slotId: full, quantity: 1 });

    // Somebody else holds both slots' queue locks (a reservation in progress on each).
    const other = await sql.reserve();
    try {
      await other`begin`;
      await other`select data.lock_key('slot', ${String(open)}), data.lock_key('slot', ${String(full)})`;
      const queued = reserveSeats({ slotId: open, quantity: 1 }, sql);
      await expect.poll(async () => (await sql`
        select count(*)::int as n from pg_stat_activity
         where datname = current_database() and wait_event = 'advisory' and query like '%reserve_seats%'`)[0]!.n).toBe(1);
      expect((await slotCounts(sql, open)).held).toBe(0);

      // The sold-out slot's refusal does not wait for the lock.
      expect(await reserveSeats({ slotId: full, quantity: 1 }, sql)).toEqual({ ok: false, code: 'sold_out', remaining: 0 });

      await other`commit`;
      expect((await queued).ok).toBe(true);
    } finally {
      await other`rollback`.catch(() => {}); // a failed assertion leaves the transaction open
      other.release();
    }
    expect(await slotCounts(sql, open)).toMatchObject({ held: 1 });
  });

  test('refuses bad input with its own code', async () => {
    const exp = await createExperience(sql, { maxPeople: 4, cutoff: '2 hours' });
    const slot = await createSlot(sql, exp.id);
    const soon = await createSlot(sql, exp.id, { startsInHours: 1 });
    const closed = await createSlot(sql, exp.id, { open: false, startsInHours: 40 });
    const inactive = await createExperience(sql, { active: false });
    const inactiveSlot = await createSlot(sql, inactive.id);

    expect((await failure(reserveSeats({ slotId: slot, quantity: 0 }, sql))).code).toBe('invalid_quantity');
    expect((await failure(reserveSeats({ slotId: 987654321, quantity: 1 }, sql))).code).toBe('slot_not_found');
    expect((await failure(reserveSeats({ slotId: soon, quantity: 1 }, sql))).code).toBe('booking_closed');
    expect((await failure(reserveSeats({ slotId: closed, quantity: 1 }, sql))).code).toBe('booking_closed');
    expect((await failure(reserveSeats({ slotId: inactiveSlot, quantity: 1 }, sql))).code).toBe('booking_closed');
    const tooMany = await failure(reserveSeats({ slotId: slot, quantity: 5 }, sql));
    expect(tooMany.code).toBe('too_many_people');
    expect(tooMany.details).toEqual({ max: 4 });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0 });
  });

  test('max people per booking counts every item of that experience', async () => {
    const exp = await createExperience(sql, { maxPeople: 4 });
    const [a, b] = [await createSlot(sql, exp.id), await createSlot(sql, exp.id, { startsInHours: 48 })];
    const first = await held({ slotId: a!, quantity: 3 });
    const err = await failure(
      reserveSeats({ slotId: b!, quantity: 2, bookingNumber: first.bookingNumber, holdToken: first.holdToken! }, sql),
    );
    expect(err.code).toBe('too_many_people');
    expect((await slotCounts(sql, b!)).held).toBe(0);
  });

  test('max items per booking', async () => {
    await sql`update data.settings set max_items_per_booking = 2`;
    const exp = await createExperience(sql);
    const slots = [await createSlot(sql, exp.id), await createSlot(sql, exp.id, { startsInHours: 48 }), await createSlot(sql, exp.id, { startsInHours: 72 })];
    const first = await held({ slotId: slots[0]!, quantity: 1 });
    const auth = { bookingNumber: first.bookingNumber, holdToken: first.holdToken! };
    await held({ slotId: slots[1]!, quantity: 1, ...auth });
    await held({ slotId: slots[0]!, quantity: 1, ...auth }); // same slot: not a new item
    const err = await failure(reserveSeats({ slotId: slots[2]!, quantity: 1, ...auth }, sql));
    expect(err.code).toBe('too_many_items');
    expect(err.details).toEqual({ max: 2 });
  });

  test('live holds per client are capped; lapsed holds do not count', async () => {
    await sql`update data.settings set max_live_holds_per_client = 2`;
    const exp = await createExperience(sql, { holdDuration: '15 minutes' });
    const slot = await createSlot(sql, exp.id, { capacity: 50 });
    await held({ slotId: slot, quantity: 1, clientKey: 'client-a' });
    await held({ slotId: slot, quantity: 1, clientKey: 'client-a' });
    expect((await failure(reserveSeats({ slotId: slot, quantity: 1, clientKey: 'client-a' }, sql))).code).toBe('too_many_holds');
    await held({ slotId: slot, quantity: 1, clientKey: 'client-b' });
    await shift('16 minutes');
    await held({ slotId: slot, quantity: 1, clientKey: 'client-a' });
  });

  test('one booking, one currency', async () => {
    const eur = await createExperience(sql, { currency: 'EUR' });
    const usd = await createExperience(sql, { currency: 'USD' });
    const first = await held({ slotId: await createSlot(sql, eur.id), quantity: 1 });
    const err = await failure(
      reserveSeats({ slotId: await createSlot(sql, usd.id), quantity: 1, bookingNumber: first.bookingNumber, holdToken: first.holdToken! }, sql),
    );
    expect(err.code).toBe('currency_mismatch');
  });
});

describe('only the holder can touch a hold', () => {
  test('no token, a wrong token or another booking’s token is refused and changes nothing', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id, { capacity: 10 });
    const mine = await held({ slotId: slot, quantity: 1 });
    const theirs = await held({ slotId: slot, quantity: 1 });
    const attempts = [undefined, 'f'.repeat(64), theirs.holdToken!];
    for (const holdToken of attempts) {
      expect((await failure(reserveSeats({ slotId: slot, quantity: 1, bookingNumber: mine.bookingNumber, holdToken }, sql))).code).toBe(
        'invalid_hold_token',
      );
      expect((await failure(releaseBooking({ bookingNumber: mine.bookingNumber, holdToken, tier: 'customer' }, sql))).code).toBe(
        'invalid_hold_token',
      );
      if (holdToken) {
        expect(
          (await failure(releaseItem({ bookingNumber: mine.bookingNumber, holdToken, itemId: mine.items[0]!.itemId }, sql))).code,
        ).toBe('invalid_hold_token');
      }
    }
    expect((await slotCounts(sql, slot)).held).toBe(2);
    expect(await events(mine.bookingNumber)).toEqual([{ type: 'reserved', tier: null, quantity: 1 }]);
    expect((await failure(releaseBooking({ bookingNumber: 'BK-000000-ZZZZZZ', holdToken: 'a'.repeat(64), tier: 'customer' }, sql))).code).toBe(
      'booking_not_found',
    );
  });
});

describe('releasing', () => {
  test('release_booking frees the seats, logs the tier and is idempotent', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id, { capacity: 4 });
    const hold = await held({ slotId: slot, quantity: 3 });
    const auth = { bookingNumber: hold.bookingNumber, holdToken: hold.holdToken! };
    const released = await releaseBooking({ ...auth, tier: 'beacon' }, sql);
    expect(released).toMatchObject({ status: 'released', availabilityReserved: false });
    expect((await slotCounts(sql, slot)).held).toBe(0);
    const again = await releaseBooking({ ...auth, tier: 'customer' }, sql);
    expect(again.status).toBe('released');
    expect(await events(hold.bookingNumber)).toEqual([
      { type: 'reserved', tier: null, quantity: 3 },
      { type: 'released', tier: 'beacon', quantity: null },
    ]);
    expect((await failure(reserveSeats({ slotId: slot, quantity: 1, ...auth }, sql))).code).toBe('hold_expired');
  });

  test('release_item frees one item and recomputes the total; the last item releases the booking', async () => {
    const exp = await createExperience(sql, { priceMinor: 1000 });
    const [a, b] = [await createSlot(sql, exp.id), await createSlot(sql, exp.id, { startsInHours: 48 })];
    const first = await held({ slotId: a!, quantity: 2 });
    const auth = { bookingNumber: first.bookingNumber, holdToken: first.holdToken! };
    const both = await held({ slotId: b!, quantity: 1, ...auth });
    const itemA = both.items.find((i) => i.slotId === a)!;
    const afterA = await releaseItem({ ...auth, itemId: itemA.itemId }, sql);
    expect(afterA).toMatchObject({ status: 'held', totalMinor: 1000, items: [{ slotId: b }] });
    expect((await slotCounts(sql, a!)).held).toBe(0);
    expect((await failure(releaseItem({ ...auth, itemId: itemA.itemId }, sql))).code).toBe('item_not_found');
    const last = await releaseItem({ ...auth, itemId: afterA.items[0]!.itemId }, sql);
    expect(last.status).toBe('released');
    expect((await slotCounts(sql, b!)).held).toBe(0);
  });

  test('data.release_bookings gives each booking\'s seats back once, whatever order or repeats its ids come in', async () => {
    const exp = await createExperience(sql);
    const [a, b] = [await createSlot(sql, exp.id, { capacity: 10 }), await createSlot(sql, exp.id, { startsInHours: 48, capacity: 10 })];
    const both = await held({ slotId: a!, quantity: 2 });
    await held({ slotId: b!, quantity: 3, bookingNumber: both.bookingNumber, holdToken: both.holdToken! });
    const other = await held({ slotId: a!, quantity: 1 });
    const untouched = await held({ slotId: b!, quantity: 4 });
    const ids = await sql<{ id: string }[]>`
      select id from data.pending_bookings where booking_number in (${both.bookingNumber}, ${other.bookingNumber}) order by id desc`;
    const given = [...ids, ...ids, ids[0]!].map((r) => r.id);
    const [row] = await sql<{ released: number }[]>`
      select data.release_bookings(${given}::bigint[], 'released', 'staff') as released`;
    expect(row?.released).toBe(2);
    expect((await slotCounts(sql, a!)).held).toBe(0);
    expect((await slotCounts(sql, b!)).held).toBe(4);
    expect((await events(both.bookingNumber)).filter((e) => e.type === 'released')).toHaveLength(1);
    expect((await events(untouched.bookingNumber)).map((e) => e.type)).toEqual(['reserved']);
  });
});

describe('expiry', () => {
  test('a lapsed hold never blocks: with no sweep, availability shows it free and a new customer takes it', async () => {
    const exp = await createExperience(sql, { holdDuration: '10 minutes' });
    const slot = await createSlot(sql, exp.id, { capacity: 2, startsInHours: 5 });
    const first = await held({ slotId: slot, quantity: 2 });
    expect(await reserveSeats({ slotId: slot, quantity: 1 }, sql)).toMatchObject({ ok: false, code: 'sold_out' });

    await shift('11 minutes');
    const availability = await checkAvailability({ experience: exp.slug }, sql);
    expect(availability.slots.find((s) => s.slotId === slot)).toMatchObject({ remaining: 2, held: 0, status: 'available' });
    expect((await slotCounts(sql, slot)).held).toBe(2); // nothing released yet: reads do not write

    const second = await held({ slotId: slot, quantity: 2 });
    expect(second.slot.remaining).toBe(0);
    expect(await events(first.bookingNumber)).toContainEqual({ type: 'expired', tier: 'lazy', quantity: null });
    const err = await failure(
      reserveSeats({ slotId: slot, quantity: 1, bookingNumber: first.bookingNumber, holdToken: first.holdToken! }, sql),
    );
    expect(err.code).toBe('hold_expired');
  });

  test('the sweep releases exactly the lapsed holds, in batches, and logs its tier', async () => {
    const short = await createExperience(sql, { holdDuration: '5 minutes' });
    const long = await createExperience(sql, { holdDuration: '30 minutes' });
    const a = await createSlot(sql, short.id, { capacity: 20 });
    const b = await createSlot(sql, long.id, { capacity: 20 });
    const lapsing = [];
    for (let i = 0; i < 5; i++) lapsing.push(await held({ slotId: a, quantity: 1 }));
    const live = await held({ slotId: b, quantity: 2 });
    await shift('6 minutes');

    expect(await expireLapsedHolds({ tier: 'sweep', batchSize: 2 }, sql)).toEqual({ released: 5, complete: true });
    expect(await expireLapsedHolds({ tier: 'sweep' }, sql)).toEqual({ released: 0, complete: true });
    expect((await slotCounts(sql, a)).held).toBe(0);
    expect((await slotCounts(sql, b)).held).toBe(2);
    for (const h of lapsing) expect((await events(h.bookingNumber)).at(-1)).toEqual({ type: 'expired', tier: 'sweep', quantity: null });
    expect((await events(live.bookingNumber)).map((e) => e.type)).toEqual(['reserved']);
  });

  test('expire_booking releases a booking only once its hold has really lapsed', async () => {
    const exp = await createExperience(sql, { holdDuration: '15 minutes' });
    const slot = await createSlot(sql, exp.id, { capacity: 3 });
    const hold = await held({ slotId: slot, quantity: 1 });
    expect(await expireBooking(hold.bookingNumber, sql)).toBe(false);
    await shift('14 minutes');
    await held({ slotId: slot, quantity: 1, bookingNumber: hold.bookingNumber, holdToken: hold.holdToken! }); // extends
    await shift('2 minutes');
    expect(await expireBooking(hold.bookingNumber, sql)).toBe(false);
    await shift('14 minutes');
    expect(await expireBooking(hold.bookingNumber, sql)).toBe(true);
    expect(await expireBooking(hold.bookingNumber, sql)).toBe(false);
    expect((await events(hold.bookingNumber)).at(-1)).toEqual({ type: 'expired', tier: 'job', quantity: null });
    expect((await slotCounts(sql, slot)).held).toBe(0);
  });

  test('releasing a lapsed hold records it as expired (lazy), not as a customer release', async () => {
    const exp = await createExperience(sql, { holdDuration: '5 minutes' });
    const hold = await held({ slotId: await createSlot(sql, exp.id), quantity: 1 });
    await shift('6 minutes');
    const result = await releaseBooking({ bookingNumber: hold.bookingNumber, holdToken: hold.holdToken!, tier: 'beacon' }, sql);
    expect(result.status).toBe('expired');
    expect((await events(hold.bookingNumber)).at(-1)).toEqual({ type: 'expired', tier: 'lazy', quantity: null });
  });
});

describe('exclusive resources', () => {
  async function boat(units = 1) {
    const resourceId = await createResource(sql, units);
    const tour = await createExperience(sql, { duration: '2 hours', capacity: 12, resourceId, holdDuration: '10 minutes' });
    const charter = await createExperience(sql, { duration: '4 hours', capacity: 1, resourceId, holdDuration: '10 minutes' });
    const day = new Date(Date.now() + 3 * 86_400_000);
    day.setUTCHours(0, 0, 0, 0);
    const at = (h: number) => new Date(day.getTime() + h * 3_600_000);
    const tour10 = await createSlot(sql, tour.id, { startsAt: at(10) });
    const tour14 = await createSlot(sql, tour.id, { startsAt: at(14) });
    const charter9 = await createSlot(sql, charter.id, { startsAt: at(9) });
    return { tour, charter, tour10, tour14, charter9 };
  }
  const slotOf = async (slug: string, slotId: number) =>
    (await checkAvailability({ experience: slug, to: new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10) }, sql)).slots.find(
      (s) => s.slotId === slotId,
    );

  test('a seat on the 10:00 tour commits the boat: the 09:00 charter shows none and cannot be held', async () => {
    const b = await boat();
    const tourHold = await held({ slotId: b.tour10, quantity: 2 });
    expect(await slotOf(b.charter.slug, b.charter9)).toMatchObject({ remaining: 0, status: 'unavailable' });
    expect(await slotOf(b.tour.slug, b.tour14)).toMatchObject({ remaining: 12, status: 'available' });
    expect(await reserveSeats({ slotId: b.charter9, quantity: 1 }, sql)).toEqual({ ok: false, code: 'resource_unavailable', remaining: 0 });
    expect(await slotCounts(sql, b.charter9)).toMatchObject({ held: 0 });

    // More seats on the same tour need no second unit.
    await held({ slotId: b.tour10, quantity: 3 });
    await releaseBooking({ bookingNumber: tourHold.bookingNumber, holdToken: tourHold.holdToken!, tier: 'customer' }, sql);
    expect(await slotOf(b.charter.slug, b.charter9)).toMatchObject({ status: 'unavailable' });
  });

  test('a held charter blocks the tour; its release or lapse gives the boat back', async () => {
    const b = await boat();
    const charterHold = await held({ slotId: b.charter9, quantity: 1 });
    expect(await slotOf(b.tour.slug, b.tour10)).toMatchObject({ remaining: 0, status: 'unavailable' });
    expect(await reserveSeats({ slotId: b.tour10, quantity: 1 }, sql)).toMatchObject({ ok: false, code: 'resource_unavailable' });

    await shift('11 minutes'); // the charter hold lapses; nothing has swept it
    expect(await slotOf(b.tour.slug, b.tour10)).toMatchObject({ remaining: 12, status: 'available' });
    await held({ slotId: b.tour10, quantity: 1 });
    expect(await events(charterHold.bookingNumber)).toContainEqual({ type: 'expired', tier: 'lazy', quantity: null });
  });

  test('two units serve two overlapping slots, not three', async () => {
    const resourceId = await createResource(sql, 2);
    const exps = [];
    for (let i = 0; i < 3; i++) exps.push(await createExperience(sql, { resourceId, capacity: 4 }));
    const start = new Date(Date.now() + 5 * 86_400_000);
    const slots = [];
    for (const e of exps) slots.push(await createSlot(sql, e.id, { startsAt: start }));
    expect((await reserveSeats({ slotId: slots[0]!, quantity: 1 }, sql)).ok).toBe(true);
    expect((await reserveSeats({ slotId: slots[1]!, quantity: 1 }, sql)).ok).toBe(true);
    expect(await reserveSeats({ slotId: slots[2]!, quantity: 1 }, sql)).toMatchObject({ ok: false, code: 'resource_unavailable' });
  });
});

describe('api.check_availability', () => {
  test('reads local dates in the experience’s time zone and says when held seats may free up', async () => {
    const exp = await createExperience(sql, { timezone: 'Pacific/Auckland', holdDuration: '15 minutes' });
    const [row] = await sql`select ((api.clock_now() at time zone 'Pacific/Auckland')::date + 3) as day`;
    const day = (row!.day as Date).toISOString().slice(0, 10);
    await sql`select api.generate_slots(${exp.slug}, ${day}::date, ${day}::date, array['00:30', '23:30']::time[])`;
    const availability = await checkAvailability({ experience: exp.slug, from: day, to: day }, sql);
    expect(availability.slots).toHaveLength(2);
    const hold = await held({ slotId: availability.slots[0]!.slotId, quantity: 4 });
    const after = await checkAvailability({ experience: exp.slug, from: day, to: day }, sql);
    expect(after.slots[0]).toMatchObject({ held: 4, remaining: 6, status: 'available' });
    expect(Date.parse(after.slots[0]!.heldUntil!)).toBe(Date.parse(hold.expiresAt));
    expect(after.experience).toMatchObject({ timezone: 'Pacific/Auckland', holdSeconds: 900 });
  });

  test('identical reads at once share calls, and every answer was read after it was asked (20 rounds)', async () => {
    const exp = await createExperience(sql, { capacity: 50 });
    const [row] = await sql`select (api.clock_now()::date + 4) as day`;
    const day = (row!.day as Date).toISOString().slice(0, 10);
    await sql`select api.generate_slots(${exp.slug}, ${day}::date, ${day}::date, array['09:00', '11:00', '13:00', '15:00']::time[])`;
    const input = { experience: exp.slug, from: day, to: day };
    const slotIds = (await checkAvailability(input, sql)).slots.map((s) => s.slotId);
    const heldSeats = (a: Availability) => a.slots.reduce((n, s) => n + s.held, 0);
    const reads = availabilityReads(sql);
    const before = { ...reads.sent };
    let committed = 0;
    for (let round = 0; round < 20; round++) {
      const checks: Promise<void>[] = [];
      // Customers looking while others take seats: a read asked for after a hold committed sees it.
      const ask = () => {
        const seen = committed;
        checks.push(checkAvailability(input, sql).then((a) => expect(heldSeats(a)).toBeGreaterThanOrEqual(seen)));
      };
      for (let i = 0; i < 20; i++) ask();
      await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          await held({ slotId: slotIds[i % slotIds.length]!, quantity: 1 });
          committed++;
          ask();
          ask();
        }),
      );
      await Promise.all(checks);
    }
    const asked = reads.sent.answers - before.answers;
    expect(asked).toBe(20 * 36);
    expect(reads.sent.reads - before.reads).toBeLessThan(asked / 2);
    // Inside a transaction a read is its own, and sees the transaction's own hold.
    await sql.begin(async (tx) => {
      await reserveSeats({ slotId: slotIds[0]!, quantity: 2 }, tx as never);
      expect(heldSeats(await checkAvailability(input, tx as never))).toBe(committed + 2);
      throw new Error('roll back');
    }).catch((err: Error) => expect(err.message).toBe('roll back'));
    expect(heldSeats(await checkAvailability(input, sql))).toBe(committed);
  });

  test('unknown experience and backwards or huge ranges are refused', async () => {
    expect((await failure(checkAvailability({ experience: 'no-such-thing' }, sql))).code).toBe('experience_not_found');
    const exp = await createExperience(sql);
    expect((await failure(checkAvailability({ experience: exp.slug, from: '2030-02-01', to: '2030-01-01' }, sql))).code).toBe(
      'invalid_range',
    );
    expect((await failure(checkAvailability({ experience: exp.slug, from: '2030-01-01', to: '2031-01-01' }, sql))).code).toBe(
      'invalid_range',
    );
  });
});

describe('api.generate_slots', () => {
  test('keeps local start times across a daylight-saving change', async () => {
    const exp = await createExperience(sql, { timezone: 'Europe/Lisbon' });
    // Lisbon leaves summer time on the last Sunday of October 2031 (26 Oct).
    const [row] = await sql`select api.generate_slots(${exp.slug}, '2031-10-24', '2031-10-28', array['09:00']::time[], array[5,6,7,1]) as n`;
    expect(row!.n).toBe(4); // Fri 24 – Mon 27; Tue 28 is left out by the weekday filter
    const slots = await sql<{ utc: string; local: string }[]>`
      select to_char(starts_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as utc,
             to_char(starts_at at time zone 'Europe/Lisbon', 'HH24:MI') as local
        from data.slots where experience_id = ${exp.id} order by starts_at`;
    expect(slots.map((s) => s.local)).toEqual(['09:00', '09:00', '09:00', '09:00']);
    expect(slots.map((s) => s.utc)).toEqual(['2031-10-24 08:00', '2031-10-25 08:00', '2031-10-26 09:00', '2031-10-27 09:00']);
  });
});

describe('slot changes are announced', () => {
  test('changes are queued and published, coalesced, with each slot’s current numbers', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id, { capacity: 9 });
    const other = await createSlot(sql, exp.id, { capacity: 5, startsInHours: 60 });
    await publishSlotChanges(sql); // drain what earlier tests queued
    const listener = connect(1);
    const received: unknown[][] = [];
    let arrived!: () => void;
    const done = new Promise<void>((resolve) => (arrived = resolve));
    await listener.listen('slot_changes', (payload) => {
      received.push(JSON.parse(payload) as unknown[]);
      arrived();
    });

    const first = await held({ slotId: slot, quantity: 4 });
    await held({ slotId: slot, quantity: 1, bookingNumber: first.bookingNumber, holdToken: first.holdToken! });
    await held({ slotId: other, quantity: 2 });
    expect(await publishSlotChanges(sql)).toBe(2);
    await done;
    expect(received).toEqual([
      [
        { slotId: slot, experienceId: exp.id, capacity: 9, held: 5, booked: 0, open: true },
        { slotId: other, experienceId: exp.id, capacity: 5, held: 2, booked: 0, open: true },
      ],
    ]);
    expect(await publishSlotChanges(sql)).toBe(0);
  });
});

describe('booking_events', () => {
  test('is append-only', async () => {
    const exp = await createExperience(sql);
    await held({ slotId: await createSlot(sql, exp.id), quantity: 1 });
    await expect(sql`update data.booking_events set type = 'released'`).rejects.toMatchObject({ code: '55000' });
    await expect(sql`delete from data.booking_events`).rejects.toMatchObject({ code: '55000' });
  });
});
