/**
 * POST /api/cleanup-expired (the holder gives a hold back, e.g. by sendBeacon) and
 * GET /api/cleanup-expired (the cron sweep), through the real route handlers.
 */
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { GET, POST } from '@/app/api/cleanup-expired/route';
import reserveAvailabilityRoute from '@/pages/api/reserve-availability';
import { connect, createExperience, createSlot, invariantViolations, slotCounts } from '../helpers/fixtures';
import { databaseState, json, request, type CallOptions, nodeRoute } from '../helpers/http';

const reserve = nodeRoute(reserveAvailabilityRoute);

const sql = connect(2);
let slot: number;

beforeAll(async () => {
  const exp = await createExperience(sql, { capacity: 50, holdDuration: '10 minutes' });
  slot = await createSlot(sql, exp.id);
});

afterEach(async () => {
  await sql`update data.clock set skew = '0'`;
  expect(await invariantViolations(sql)).toEqual([]);
});

async function hold(quantity = 1) {
  const res = await json(await reserve(request('POST', '/api/reserve-availability', { body: { slotId: slot, quantity } })));
  expect(res.status).toBe(201);
  return { bookingNumber: res.body.bookingNumber as string, holdToken: res.body.holdToken as string };
}

const release = async (options: CallOptions) => json(await POST(request('POST', '/api/cleanup-expired', options)));

async function tierOf(bookingNumber: string) {
  const [row] = await sql`
    select e.type, e.tier from data.booking_events e join data.pending_bookings b on b.id = e.booking_id
     where b.booking_number = ${bookingNumber} order by e.id desc limit 1`;
  return row;
}

describe('POST /api/cleanup-expired', () => {
  test('a sendBeacon text/plain body with the token releases the seats at once (tier beacon) and keeps the hold cookie', async () => {
    const h = await hold(3);
    const before = (await slotCounts(sql, slot)).held;
    const res = await release({ raw: JSON.stringify(h), contentType: 'text/plain;charset=UTF-8' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ bookingNumber: h.bookingNumber, status: 'released' });
    // The page may only be reloading: the next one takes the same booking up with the cookie.
    expect(res.headers.get('set-cookie')).toBeNull();
    expect((await slotCounts(sql, slot)).held).toBe(before - 3);
    expect(await tierOf(h.bookingNumber)).toEqual({ type: 'released', tier: 'beacon' });
  });

  test('the token may come from the hold cookie; reason "customer" is recorded and clears the cookie', async () => {
    const h = await hold();
    const res = await release({
      body: { bookingNumber: h.bookingNumber, reason: 'customer' },
      headers: { cookie: `other=1; hf_hold=${h.bookingNumber}.${h.holdToken}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^hf_hold=;.*Max-Age=0/);
    expect(await tierOf(h.bookingNumber)).toEqual({ type: 'released', tier: 'customer' });
  });

  test('releasing twice is harmless', async () => {
    const h = await hold();
    expect((await release({ body: h })).status).toBe(200);
    const again = await release({ body: h });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('released');
  });

  test('errors change nothing: 403 no/wrong/other token, 404 unknown booking, 422/400/413 bad bodies', async () => {
    const mine = await hold();
    const theirs = await hold();
    const cases: [CallOptions, number, string][] = [
      [{ body: { bookingNumber: mine.bookingNumber } }, 403, 'invalid_hold_token'],
      [{ body: { bookingNumber: mine.bookingNumber, holdToken: 'c'.repeat(64) } }, 403, 'invalid_hold_token'],
      [{ body: { bookingNumber: mine.bookingNumber, holdToken: theirs.holdToken } }, 403, 'invalid_hold_token'],
      [{ body: { bookingNumber: mine.bookingNumber }, headers: { cookie: `hf_hold=${theirs.bookingNumber}.${theirs.holdToken}` } }, 403, 'invalid_hold_token'],
      [{ body: { bookingNumber: 'BK-200101-ABCDEF', holdToken: 'c'.repeat(64) } }, 404, 'booking_not_found'],
      [{ body: { bookingNumber: 'nope', holdToken: mine.holdToken } }, 422, 'invalid_request'],
      [{ body: { ...mine, reason: 'staff' } }, 422, 'invalid_request'],
      [{ body: {} }, 422, 'invalid_request'],
      [{ raw: '{"bookingNumber":', contentType: 'text/plain' }, 400, 'malformed_body'],
      [{ raw: 'x'.repeat(5000) }, 413, 'payload_too_large'],
    ];
    for (const [options, status, code] of cases) {
      const before = await databaseState(sql);
      const res = await release(options);
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      expect(await databaseState(sql)).toEqual(before);
    }
  });

  test('a body sent in chunks without a length is read no further than the limit: 413, the rest never asked for', async () => {
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent++;
        controller.enqueue(new TextEncoder().encode(' '.repeat(1024)));
      },
    });
    const before = await databaseState(sql);
    const res = await json(
      await POST(new Request('http://localhost/api/cleanup-expired', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: endless,
        duplex: 'half',
      } as RequestInit)),
    );
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 413, code: 'payload_too_large' });
    expect(sent).toBeLessThan(10);
    expect(await databaseState(sql)).toEqual(before);
  });
});

describe('GET /api/cleanup-expired', () => {
  test('without CRON_SECRET: sweeps every lapsed hold and says how many', async () => {
    // Let the earlier tests' holds lapse and clear them, so only this test's holds are counted.
    await sql`select api.shift_clock('11 minutes'), api.expire_lapsed_holds(1000, 'sweep')`;
    const lapsing = [await hold(), await hold(2)];
    await sql`select api.shift_clock('11 minutes')`;
    const live = await hold();
    const res = await json(await GET(request('GET', '/api/cleanup-expired')));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ released: 2, complete: true });
    for (const h of lapsing) expect(await tierOf(h.bookingNumber)).toEqual({ type: 'expired', tier: 'sweep' });
    expect(await tierOf(live.bookingNumber)).toEqual({ type: 'reserved', tier: null });
  });

  test('with CRON_SECRET: 401 without or with a wrong bearer token, 200 with it', async () => {
    vi.resetModules();
    process.env.CRON_SECRET = 'a-very-secret-cron-token';
    try {
      const route = await import('@/app/api/cleanup-expired/route');
      await hold();
      await sql`select api.shift_clock('11 minutes')`;
      for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: 'a-very-secret-cron-token' }]) {
        const before = await databaseState(sql);
        const res = await json(await route.GET(request('GET', '/api/cleanup-expired', { headers })));
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'unauthorized' });
        expect(await databaseState(sql)).toEqual(before);
      }
      const ok = await json(await route.GET(request('GET', '/api/cleanup-expired', { headers: { authorization: 'Bearer a-very-secret-cron-token' } })));
      expect(ok.status).toBe(200);
      expect(ok.body.released).toBe(1);
    } finally {
      delete process.env.CRON_SECRET;
    }
  });
});
