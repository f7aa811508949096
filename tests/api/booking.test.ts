/**
 * GET /api/booking, PATCH/DELETE /api/booking/items/<itemId> (the basket), POST /api/booking/resume
 * (a reloaded page takes its hold up again) and
 * GET /api/availability/stream (live availability over Server-Sent Events), through the real
 * route handlers on a real database.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { GET as streamAvailability } from '@/app/api/availability/stream/route';
import { DELETE as removeItem, PATCH as changeItem } from '@/app/api/booking/items/[itemId]/route';
import { POST as resume } from '@/app/api/booking/resume/route';
import { GET as getBooking } from '@/app/api/booking/route';
import { POST as cleanup } from '@/app/api/cleanup-expired/route';
import reserveAvailabilityRoute from '@/pages/api/reserve-availability';
import { publishSlotChanges } from '@/db/reservations';
import { slotEventStream, streamCount } from '@/lib/slot-stream';
import { connect, createExperience, createSlot, invariantViolations, slotCounts } from '../helpers/fixtures';
import { databaseState, json, request, nodeRoute } from '../helpers/http';
import { until } from '../helpers/poll';

const reserve = nodeRoute(reserveAvailabilityRoute);

const sql = connect(2);

afterEach(async () => {
  await sql`update data.clock set skew = '0'`;
  expect(await invariantViolations(sql)).toEqual([]);
});

/** Holds seats and returns the hold cookie a browser would now carry. */
async function hold(slotId: number, quantity: number, cookie?: string) {
  const bookingNumber = cookie?.match(/^hf_hold=(BK-[^.]+)\./)?.[1];
  const res = await reserve(
    request('POST', '/api/reserve-availability', { body: { slotId, quantity, bookingNumber }, headers: cookie ? { cookie } : {} }),
  );
  const body = (await res.json()) as Record<string, unknown>;
  const setCookie = res.headers.get('set-cookie');
  return { body, cookie: cookie ?? setCookie!.split(';')[0]! };
}

async function item(cookie: string, method: 'PATCH' | 'DELETE', itemId: number | string, body?: unknown) {
  const req = request(method, `/api/booking/items/${itemId}`, { body, headers: { cookie } });
  const context = { params: Promise.resolve({ itemId: String(itemId) }) };
  return json(method === 'PATCH' ? await changeItem(req, context) : await removeItem(req, context));
}

describe('GET /api/booking', () => {
  test('answers the booking of the hold cookie; null without one, 404 for a booking that is not there, 403 with a forged token', async () => {
    const exp = await createExperience(sql);
    const { body, cookie } = await hold(await createSlot(sql, exp.id), 2);
    const mine = await json(await getBooking(request('GET', '/api/booking', { headers: { cookie } })));
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ bookingNumber: body.bookingNumber, status: 'held', items: [{ quantity: 2 }], paymentProvider: null });

    const none = await json(await getBooking(request('GET', '/api/booking')));
    expect({ status: none.status, body: none.body }).toEqual({ status: 200, body: null });
    const gone = await json(await getBooking(request('GET', '/api/booking', { headers: { cookie: `hf_hold=BK-200101-ABCDEF.${'a'.repeat(64)}` } })));
    expect({ status: gone.status, code: gone.body.code }).toEqual({ status: 404, code: 'booking_not_found' });
    const forged = await json(await getBooking(request('GET', '/api/booking', { headers: { cookie: `hf_hold=${body.bookingNumber}.${'a'.repeat(64)}` } })));
    expect({ status: forged.status, code: forged.body.code }).toEqual({ status: 403, code: 'invalid_hold_token' });
  });
});

describe('PATCH and DELETE /api/booking/items/<itemId>', () => {
  test('more people take seats and extend the hold; fewer give seats back', async () => {
    const exp = await createExperience(sql, { capacity: 6, maxPeople: 5 });
    const slot = await createSlot(sql, exp.id);
    const { body, cookie } = await hold(slot, 2);
    const itemId = (body.items as { itemId: number }[])[0]!.itemId;
    await sql`select api.shift_clock('5 minutes')`;

    const more = await item(cookie, 'PATCH', itemId, { quantity: 4 });
    expect(more.status).toBe(200);
    expect(more.body).toMatchObject({ totalMinor: 4 * 2500, items: [{ quantity: 4 }] });
    expect(Date.parse(more.body.expiresAt as string)).toBeGreaterThan(Date.parse(body.expiresAt as string));
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 4 });

    const fewer = await item(cookie, 'PATCH', itemId, { quantity: 1 });
    expect(fewer.body).toMatchObject({ totalMinor: 2500, items: [{ quantity: 1 }] });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 1 });
  });

  test('refusals change nothing: sold out (with remaining), too many people, bad quantity, unknown item, no cookie', async () => {
    const exp = await createExperience(sql, { capacity: 4, maxPeople: 3 });
    const slot = await createSlot(sql, exp.id);
    const { body, cookie } = await hold(slot, 2);
    await hold(slot, 2); // someone else: the slot is full
    const itemId = (body.items as { itemId: number }[])[0]!.itemId;
    const cases: [string, number | string, unknown, number, string][] = [
      [cookie, itemId, { quantity: 3 }, 409, 'sold_out'],
      [cookie, itemId, { quantity: 4 }, 422, 'too_many_people'],
      [cookie, itemId, { quantity: 0 }, 422, 'invalid_request'],
      [cookie, itemId, { quantity: 'two' }, 422, 'invalid_request'],
      [cookie, 999999, { quantity: 1 }, 404, 'item_not_found'],
      [cookie, 'abc', { quantity: 1 }, 404, 'item_not_found'],
      ['other=1', itemId, { quantity: 1 }, 404, 'booking_not_found'],
    ];
    for (const [c, id, b, status, code] of cases) {
      const before = await databaseState(sql);
      const res = await item(c, 'PATCH', id, b);
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      if (code !== 'sold_out') expect(await databaseState(sql)).toEqual(before);
    }
    const soldOut = await item(cookie, 'PATCH', itemId, { quantity: 3 });
    expect(soldOut.body.remaining).toBe(0);
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 4 });
  });

  test('more people need the start time still open for booking: closed, past its cut-off or off sale is 409 booking_closed; fewer are fine', async () => {
    const exp = await createExperience(sql, { capacity: 10, cutoff: '1 hour' });
    const slot = await createSlot(sql, exp.id, { startsInHours: 3 });
    const { body, cookie } = await hold(slot, 2);
    const itemId = (body.items as { itemId: number }[])[0]!.itemId;
    const refused = async () => {
      const before = await databaseState(sql);
      const res = await item(cookie, 'PATCH', itemId, { quantity: 4 });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code: 'booking_closed' });
      expect(await databaseState(sql)).toEqual(before);
    };

    await sql`update data.slots set is_open = false where id = ${slot}`;
    await refused();
    await sql`update data.slots set is_open = true where id = ${slot}`;
    await sql`update data.experiences set active = false where id = ${exp.id}`;
    await refused();
    await sql`update data.experiences set active = true where id = ${exp.id}`;
    expect((await item(cookie, 'PATCH', itemId, { quantity: 3 })).status).toBe(200);
    // Bookings now close 3 hours before: the start, 3 hours away, is past its cut-off.
    await sql`update data.experiences set booking_cutoff = '3 hours' where id = ${exp.id}`;
    await refused();
    const fewer = await item(cookie, 'PATCH', itemId, { quantity: 1 });
    expect(fewer.status).toBe(200);
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 1 });
  });

  test('DELETE removes one item; removing the last releases the booking; a lapsed hold is 410', async () => {
    const exp = await createExperience(sql);
    const a = await createSlot(sql, exp.id);
    const b = await createSlot(sql, exp.id, { startsInHours: 30 });
    const first = await hold(a, 1);
    const second = await hold(b, 2, first.cookie);
    const items = second.body.items as { itemId: number; slotId: number }[];

    const one = await item(first.cookie, 'DELETE', items.find((i) => i.slotId === a)!.itemId);
    expect(one.body).toMatchObject({ status: 'held', items: [{ slotId: b }] });
    const last = await item(first.cookie, 'DELETE', items.find((i) => i.slotId === b)!.itemId);
    expect(last.body).toMatchObject({ status: 'released', availabilityReserved: false });
    expect(await slotCounts(sql, b)).toMatchObject({ held: 0 });

    const other = await hold(a, 1);
    await sql`select api.shift_clock('16 minutes')`;
    const lapsed = await item(other.cookie, 'PATCH', (other.body.items as { itemId: number }[])[0]!.itemId, { quantity: 2 });
    expect({ status: lapsed.status, code: lapsed.body.code }).toEqual({ status: 410, code: 'hold_expired' });
  });
});

describe('POST /api/booking/resume', () => {
  const beacon = async (cookie: string, bookingNumber: unknown) =>
    json(await cleanup(request('POST', '/api/cleanup-expired', { raw: JSON.stringify({ bookingNumber }), contentType: 'text/plain', headers: { cookie } })));
  const resumeWith = async (cookie: string | undefined, body: unknown) =>
    json(await resume(request('POST', '/api/booking/resume', { body, headers: cookie ? { cookie } : {} })));

  test('after a beacon release the same browser takes the same booking up again: same number, seats and expiry; the cookie is set again', async () => {
    const exp = await createExperience(sql, { capacity: 4 });
    const slot = await createSlot(sql, exp.id);
    const { body, cookie } = await hold(slot, 3);
    const released = await beacon(cookie, body.bookingNumber);
    expect({ status: released.status, setCookie: released.headers.get('set-cookie') }).toEqual({ status: 200, setCookie: null });
    // The cookie still names the booking, now given back.
    const seen = await json(await getBooking(request('GET', '/api/booking', { headers: { cookie } })));
    expect(seen.body).toMatchObject({ bookingNumber: body.bookingNumber, status: 'released', availabilityReserved: false });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0 });

    const res = await resumeWith(cookie, { bookingNumber: body.bookingNumber });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ bookingNumber: body.bookingNumber, status: 'held', availabilityReserved: true, expiresAt: body.expiresAt });
    expect(res.body).not.toHaveProperty('holdToken');
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^hf_hold=${body.bookingNumber}\\.[0-9a-f]{64}; Path=/; HttpOnly`));
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 3 });
  });

  test('refusals change nothing: no or another cookie, unknown booking, bad body, not given back by the beacon, seats gone', async () => {
    const exp = await createExperience(sql, { capacity: 4 });
    const slot = await createSlot(sql, exp.id);
    const mine = await hold(slot, 2);
    const theirs = await hold(slot, 1);
    await beacon(mine.cookie, mine.body.bookingNumber);
    const cases: [string | undefined, unknown, number, string][] = [
      [undefined, { bookingNumber: mine.body.bookingNumber }, 403, 'invalid_hold_token'],
      [theirs.cookie, { bookingNumber: mine.body.bookingNumber }, 403, 'invalid_hold_token'],
      [mine.cookie, { bookingNumber: mine.body.bookingNumber, holdToken: 'c'.repeat(64) }, 403, 'invalid_hold_token'],
      [mine.cookie, { bookingNumber: 'BK-200101-ABCDEF', holdToken: 'c'.repeat(64) }, 404, 'booking_not_found'],
      [mine.cookie, { bookingNumber: 'nope' }, 422, 'invalid_request'],
      [mine.cookie, { bookingNumber: mine.body.bookingNumber, extra: 1 }, 422, 'invalid_request'],
    ];
    for (const [cookie, body, status, code] of cases) {
      const before = await databaseState(sql);
      const res = await resumeWith(cookie, body);
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      expect(typeof res.body.message).toBe('string');
      expect(await databaseState(sql)).toEqual(before);
    }

    // Given back by hand: the cookie is cleared, and with the token the answer is 409 not_resumable.
    const byHand = await hold(slot, 1);
    const token = byHand.cookie.split('.').pop();
    await json(await cleanup(request('POST', '/api/cleanup-expired', { body: { bookingNumber: byHand.body.bookingNumber, reason: 'customer' }, headers: { cookie: byHand.cookie } })));
    const notResumable = await resumeWith(undefined, { bookingNumber: byHand.body.bookingNumber, holdToken: token });
    expect({ status: notResumable.status, code: notResumable.body.code }).toEqual({ status: 409, code: 'not_resumable' });

    // Its seats went to someone else in the moment they were free: 409 sold_out, still released.
    await hold(slot, 3);
    const before = await databaseState(sql);
    const gone = await resumeWith(mine.cookie, { bookingNumber: mine.body.bookingNumber });
    expect({ status: gone.status, code: gone.body.code }).toEqual({ status: 409, code: 'sold_out' });
    expect(await databaseState(sql)).toEqual(before);
  });
});

describe('GET /api/availability/stream', () => {
  test('streams the changes of its experience only, as Server-Sent Events, and unsubscribes on close', async () => {
    const watched = await createExperience(sql, { capacity: 9 });
    const other = await createExperience(sql);
    const slot = await createSlot(sql, watched.id);
    const otherSlot = await createSlot(sql, other.id);

    const abort = new AbortController();
    const res = await streamAvailability(
      new Request(`http://localhost/api/availability/stream?experience=${watched.slug}`, { signal: abort.signal }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += decoder.decode(value);
      }
    })();
    await until('the stream to open', async () => text.includes('retry: 1000'));

    await hold(otherSlot, 1);
    await hold(slot, 3);
    await publishSlotChanges();
    const event = await until('the change to arrive', async () => text.match(/event: slots\ndata: (.*)\n\n/)?.[1]);
    const changes = JSON.parse(event) as { slotId: number; held: number }[];
    expect(changes).toEqual([expect.objectContaining({ slotId: slot, held: 3, capacity: 9 })]);
    expect(text).not.toContain(`"slotId":${otherSlot}`);

    expect(streamCount()).toBe(1);
    abort.abort();
    await until('the stream to unsubscribe', async () => streamCount() === 0);

    // A client gone before the stream is set up (a tab closed while the first stream of the
    // process waits for the database listener) leaves no subscriber behind.
    const gone = new AbortController();
    gone.abort();
    const early = await streamAvailability(new Request(`http://localhost/api/availability/stream?experience=${watched.slug}`, { signal: gone.signal }));
    await sql`select 1`; // the listener is up already: setting the stream up takes a few ticks, done by now
    expect(streamCount()).toBe(0);
    await early.body?.cancel();

    const unknown = await json(await streamAvailability(new Request('http://localhost/api/availability/stream?experience=no-such-thing')));
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'experience_not_found' });
  });

  test('a stream whose permission ends (a staff session signed out) is closed at its next heartbeat', async () => {
    let allowed = true;
    const res = slotEventStream(new Request('http://localhost/api/admin/stream'), 'all', { stillAllowed: async () => allowed, heartbeatMs: 50 });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('retry: 1000');
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(': ping\n\n'); // still allowed: kept open
    expect(streamCount()).toBe(1);
    allowed = false;
    for (;;) if ((await reader.read()).done) break; // ended by the server, not the client
    expect(streamCount()).toBe(0);
  });

  test('when the server\'s own listener loses its database connection, every stream is told to re-read', async () => {
    const exp = await createExperience(sql);
    const abort = new AbortController();
    const res = await streamAvailability(new Request(`http://localhost/api/availability/stream?experience=${exp.slug}`, { signal: abort.signal }));
    const reader = res.body!.getReader();
    let text = '';
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })();
    await until('the stream to open', async () => text.includes('retry: 1000'));

    const killed = await sql`
      select pg_terminate_backend(pid) as ok from pg_stat_activity
       where datname = current_database() and query ilike 'listen%' and pid <> pg_backend_pid()`;
    expect(killed.length).toBeGreaterThan(0);
    await until('a re-read to be requested', async () => text.includes('event: slots\ndata: []\n\n'), 15_000);
    abort.abort();
  });
});

