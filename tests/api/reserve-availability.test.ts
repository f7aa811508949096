/**
 * POST /api/reserve-availability, through the real pages/api route behind an HTTP server, on a real
 * database: every success and error path, each error with its status and code, and bad requests
 * change nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { logger } from '@/lib/logger';
import reserveAvailabilityRoute from '@/pages/api/reserve-availability';
import { connect, createExperience, createResource, createSlot, invariantViolations } from '../helpers/fixtures';
import { databaseState, json, request, type CallOptions, nodeRoute } from '../helpers/http';

const POST = nodeRoute(reserveAvailabilityRoute);

const sql = connect(2);
const reserve = async (body: unknown, options: Omit<CallOptions, 'body'> = {}) =>
  json(await POST(request('POST', '/api/reserve-availability', { body, ...options })));

let slot: number;
let smallSlot: number;

beforeAll(async () => {
  const exp = await createExperience(sql, { capacity: 20, maxPeople: 6, priceMinor: 4200 });
  slot = await createSlot(sql, exp.id);
  smallSlot = await createSlot(sql, exp.id, { capacity: 2, startsInHours: 50 });
});

afterEach(async () => {
  await sql`update data.clock set skew = '0'`;
  expect(await invariantViolations(sql)).toEqual([]);
});

/** The booking number and token of a created booking. */
function auth(res: { body: Record<string, unknown> }): { bookingNumber: string; holdToken: string } {
  return { bookingNumber: res.body.bookingNumber as string, holdToken: res.body.holdToken as string };
}

/** Asserts the request is refused with `status`/`code` and changes nothing in the database. */
async function refused(status: number, code: string, body: unknown, options: Omit<CallOptions, 'body'> = {}) {
  const before = await databaseState(sql);
  const res = await reserve(body, options);
  expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
  expect(typeof res.body.message).toBe('string');
  expect(await databaseState(sql)).toEqual(before);
  return res;
}

describe('POST /api/reserve-availability', () => {
  test('201: creates a booking, returns the token once and sets the hold cookie', async () => {
    const res = await reserve({ slotId: slot, quantity: 2 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      bookingNumber: expect.stringMatching(/^BK-/),
      holdToken: expect.stringMatching(/^[0-9a-f]{64}$/),
      status: 'held',
      totalMinor: 8400,
      slot: { slotId: slot, remaining: 18 },
    });
    expect(Date.parse(res.body.expiresAt as string)).toBeGreaterThan(Date.now() + 14 * 60_000);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toContain(`hf_hold=${res.body.bookingNumber}.${res.body.holdToken}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).not.toContain('Secure'); // plain HTTP (local development) would drop a Secure cookie

    // Behind an HTTPS proxy the cookie is Secure: the token never travels over plain HTTP.
    const viaHttps = await reserve({ slotId: slot, quantity: 1 }, { headers: { 'x-forwarded-proto': 'https' } });
    expect(viaHttps.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  test('200: adds to a booking with the token from the body, or from the hold cookie alone', async () => {
    const first = await reserve({ slotId: slot, quantity: 1 });
    const { bookingNumber, holdToken } = first.body as { bookingNumber: string; holdToken: string };
    const second = await reserve({ slotId: slot, quantity: 1, bookingNumber, holdToken });
    expect(second.status).toBe(200);
    expect(second.body.holdToken).toBeUndefined();
    const third = await reserve({ slotId: smallSlot, quantity: 1, bookingNumber }, { headers: { cookie: `hf_hold=${bookingNumber}.${holdToken}` } });
    expect(third.status).toBe(200);
    expect((third.body.items as unknown[]).length).toBe(2);
  });

  test('409 sold_out says how many remain; 409 resource_unavailable', async () => {
    const hold = await reserve({ slotId: smallSlot, quantity: 1 });
    expect(hold.status).toBe(201);
    const before = await databaseState(sql);
    const res = await reserve({ slotId: smallSlot, quantity: 2 });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'sold_out', remaining: 0 });
    // Only the conflict is logged.
    expect(await databaseState(sql)).toEqual({ ...(before as object), events: (before as { events: number }).events + 1 });

    const resourceId = await createResource(sql, 1);
    const a = await createExperience(sql, { resourceId });
    const b = await createExperience(sql, { resourceId });
    const at = new Date(Date.now() + 9 * 86_400_000);
    expect((await reserve({ slotId: await createSlot(sql, a.id, { startsAt: at }), quantity: 1 })).status).toBe(201);
    const taken = await reserve({ slotId: await createSlot(sql, b.id, { startsAt: at }), quantity: 1 });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ code: 'resource_unavailable', remaining: 0 });
  });

  test('403 without the token, with a wrong one or another booking’s; the answer reveals nothing', async () => {
    const mine = (await reserve({ slotId: slot, quantity: 1 })).body as { bookingNumber: string; holdToken: string };
    const theirs = (await reserve({ slotId: slot, quantity: 1 })).body as { bookingNumber: string; holdToken: string };
    for (const holdToken of [undefined, 'a'.repeat(64), theirs.holdToken]) {
      const res = await refused(403, 'invalid_hold_token', { slotId: slot, quantity: 1, bookingNumber: mine.bookingNumber, holdToken });
      expect(Object.keys(res.body).sort()).toEqual(['code', 'message']);
    }
    // A cookie for another booking does not unlock this one.
    await refused(403, 'invalid_hold_token', { slotId: slot, quantity: 1, bookingNumber: mine.bookingNumber },
      { headers: { cookie: `hf_hold=${theirs.bookingNumber}.${theirs.holdToken}` } });
  });

  test('404 for an unknown slot or booking', async () => {
    await refused(404, 'slot_not_found', { slotId: 99999999, quantity: 1 });
    await refused(404, 'booking_not_found', { slotId: slot, quantity: 1, bookingNumber: 'BK-200101-ABCDEF', holdToken: 'b'.repeat(64) });
  });

  test('410 when the hold has lapsed', async () => {
    const hold = auth(await reserve({ slotId: slot, quantity: 1 }));
    await sql`select api.shift_clock('16 minutes')`;
    const res = await reserve({ slotId: slot, quantity: 1, ...hold });
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 410, code: 'hold_expired' });
  });

  test('409 booking_closed for a closed or started slot', async () => {
    const exp = await createExperience(sql);
    await refused(409, 'booking_closed', { slotId: await createSlot(sql, exp.id, { open: false }), quantity: 1 });
    await refused(409, 'booking_closed', { slotId: await createSlot(sql, exp.id, { startsInHours: -1 }), quantity: 1 });
  });

  test('422 for limits: people per booking, items per booking, currencies', async () => {
    await refused(422, 'too_many_people', { slotId: slot, quantity: 7 });
    const usd = await createExperience(sql, { currency: 'USD' });
    const hold = auth(await reserve({ slotId: slot, quantity: 1 }));
    await refused(422, 'currency_mismatch', { slotId: await createSlot(sql, usd.id), quantity: 1, ...hold });
    await sql`update data.settings set max_items_per_booking = 1`;
    try {
      await refused(422, 'too_many_items', { slotId: smallSlot, quantity: 1, ...hold });
    } finally {
      await sql`update data.settings set max_items_per_booking = 10`;
    }
  });

  test('429 when one client holds too many bookings', async () => {
    const ip = '203.0.113.77';
    for (let i = 0; i < 5; i++) expect((await reserve({ slotId: slot, quantity: 1 }, { ip })).status).toBe(201);
    const res = await refused(429, 'too_many_holds', { slotId: slot, quantity: 1 }, { ip });
    expect(res.body.max).toBe(5);
    expect((await reserve({ slotId: slot, quantity: 1 }, { ip: '203.0.113.78' })).status).toBe(201);
  });

  test('429 also for a client that sends a new X-Forwarded-For of its own each time: the proxy\'s entry counts', async () => {
    // Behind one proxy (TRUSTED_PROXY_HOPS=1) that appends the address it saw to what the client sent.
    const sent = (i: number) => `198.51.100.${i}, 203.0.113.90`;
    const own = await createSlot(sql, (await createExperience(sql)).id);
    for (let i = 0; i < 5; i++) expect((await reserve({ slotId: own, quantity: 1 }, { ip: sent(i) })).status).toBe(201);
    const res = await refused(429, 'too_many_holds', { slotId: own, quantity: 1 }, { ip: sent(99) });
    expect(res.body.max).toBe(5);
  });

  test('422 for a body of the wrong shape, and nothing changes', async () => {
    for (const body of [
      {},
      { slotId: 'abc' },
      { slotId: slot, quantity: 0 },
      { slotId: slot, quantity: 1.5 },
      { slotId: slot, quantity: -3 },
      { slotId: -1 },
      { slotId: slot, bookingNumber: 'BK-1' },
      { slotId: slot, bookingNumber: 'BK-200101-ABCDEF', holdToken: 'not-hex' },
      { slotId: slot, extra: true },
      [slot],
      'slot',
    ]) {
      await refused(422, 'invalid_request', body);
    }
  });

  test('400 malformed JSON, 413 oversized body, 415 other media types — nothing changes', async () => {
    await refused(400, 'malformed_body', undefined, { raw: '{"slotId": ', contentType: 'application/json' });
    await refused(413, 'payload_too_large', undefined, { raw: JSON.stringify({ slotId: slot, pad: 'x'.repeat(10_000) }) });
    await refused(415, 'unsupported_media_type', undefined, { raw: '<xml/>', contentType: 'application/xml' });
  });

  test('413 also for a body sent in chunks without a length: read no further than the cap', async () => {
    const before = await databaseState(sql);
    let sent = 0;
    const chunks = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ === 64) return controller.close();
        controller.enqueue(new TextEncoder().encode(' '.repeat(1024)));
      },
    });
    const req = new Request('http://localhost/api/reserve-availability', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    const res = await json(await POST(req, { streamBody: true }));
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 413, code: 'payload_too_large' });
    expect(await databaseState(sql)).toEqual(before);
  });

  test('a client that goes away halfway through its body: the route ends quietly and nothing changes', async () => {
    const before = await databaseState(sql);
    const logged = vi.spyOn(logger, 'error');
    let handled!: Promise<void>;
    const server = http.createServer((req, res) => {
      handled = reserveAvailabilityRoute(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const arrived = new Promise<void>((resolve) => server.once('request', () => resolve()));
      const client = http.request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', method: 'POST', path: '/api/reserve-availability', headers: { 'content-type': 'application/json', 'content-length': 100 } });
      client.on('error', () => {}); // the socket is destroyed on purpose
      client.write(`{"slotId": ${slot},`);
      await arrived;
      client.destroy();
      await expect(handled).resolves.toBeUndefined();
      expect(logged).not.toHaveBeenCalled();
      expect(await databaseState(sql)).toEqual(before);
    } finally {
      logged.mockRestore();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('405 for other methods, with Allow: POST — nothing changes', async () => {
    const before = await databaseState(sql);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await json(await POST(request(method, '/api/reserve-availability')));
      expect({ status: res.status, code: res.body.code, allow: res.headers.get('allow') }).toEqual({ status: 405, code: 'method_not_allowed', allow: 'POST' });
      expect(res.body.message).toBe('Use POST.');
    }
    expect(await databaseState(sql)).toEqual(before);
  });

  test('form-encoded bodies work too', async () => {
    const res = await reserve(undefined, { raw: `slotId=${slot}&quantity=2`, contentType: 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(201);
  });
});
