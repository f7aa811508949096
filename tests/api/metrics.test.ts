/**
 * GET /api/metrics through the real route handler: 404 while METRICS_TOKEN is unset, 401 without
 * or with a wrong bearer token, 200 Prometheus text with the token or a staff session — and the
 * numbers are the database's (api.staff_metrics over the last 24 hours, the orphans now).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createStaffAccount } from '@/db/staff';
import { parseEnv, reloadEnv } from '@/lib/env';
import { hashPassword, signIn } from '@/lib/staff-auth';
import { GET } from '@/app/api/metrics/route';
import { connect, createExperience, createSlot } from '../helpers/fixtures';
import { request } from '../helpers/http';

const sql = connect(2);
const TOKEN = 'metrics-token-for-tests-0123456789';

function setToken(value: string | undefined) {
  if (value === undefined) delete process.env.METRICS_TOKEN;
  else process.env.METRICS_TOKEN = value;
  reloadEnv();
}

const scrape = (headers: Record<string, string> = {}) => GET(request('GET', '/api/metrics', { headers }));

/** The value of one sample line, e.g. `holdfast_hold_releases{window="24h",tier="job"}`. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

beforeAll(async () => {
  // Two holds and a conflict on a two-seat slot; one hold is released by the beacon, the other
  // lapses and stays orphaned (no job or sweep runs here).
  const exp = await createExperience(sql, { capacity: 2, holdDuration: '10 minutes' });
  const slot = await createSlot(sql, exp.id);
  const [a] = await sql`select api.reserve_seats(${slot}::bigint, 1) as r`;
  await sql`select api.reserve_seats(${slot}::bigint, 1)`;
  await sql`select api.reserve_seats(${slot}::bigint, 1)`; // sold out
  await sql`select api.release_booking(${a!.r.bookingNumber}::text, ${a!.r.holdToken}::text, 'beacon')`;
  await sql`select api.shift_clock('11 minutes')`;
});

afterEach(() => setToken(undefined));
afterAll(async () => {
  await sql`update data.clock set skew = '0'`;
});

describe('GET /api/metrics', () => {
  test('without METRICS_TOKEN the endpoint is disabled: 404, even with a bearer token', async () => {
    setToken(undefined);
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }] as Record<string, string>[]) {
      const res = await scrape(headers);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('metrics_disabled');
    }
  });

  test('with METRICS_TOKEN: 401 without, with a wrong or a bare token, or a forged staff cookie', async () => {
    setToken(TOKEN);
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token' },
      { authorization: TOKEN },
      { authorization: `Bearer ${TOKEN}x` },
      { cookie: `hf_staff=${'a'.repeat(64)}` },
    ] as Record<string, string>[]) {
      const res = await scrape(headers);
      expect({ headers, status: res.status }).toEqual({ headers, status: 401 });
      expect(((await res.json()) as { code: string }).code).toBe('unauthorized');
    }
  });

  test('the right bearer token: 200 Prometheus text with the numbers from the database', async () => {
    setToken(TOKEN);
    const res = await scrape({ authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();
    for (const name of ['holdfast_reservation_attempts', 'holdfast_hold_releases', 'holdfast_orphaned_holds', 'holdfast_hold_to_payment_ratio',
      'holdfast_abandonment_ratio', 'holdfast_late_payments_refund_due', 'holdfast_process_resident_memory_bytes']) {
      expect(body).toContain(`# TYPE ${name} gauge`);
    }
    const w = { window: '24h' };
    expect(sample(body, 'holdfast_reservation_attempts', w)).toBe(3);
    expect(sample(body, 'holdfast_reservation_successes', w)).toBe(2);
    expect(sample(body, 'holdfast_reservation_conflicts', { ...w, code: 'sold_out' })).toBe(1);
    expect(sample(body, 'holdfast_reservation_success_ratio', w)).toBeCloseTo(2 / 3, 6);
    expect(sample(body, 'holdfast_hold_releases', { ...w, tier: 'beacon' })).toBe(1);
    expect(sample(body, 'holdfast_hold_releases', { ...w, tier: 'job' })).toBe(0);
    expect(sample(body, 'holdfast_orphaned_holds')).toBe(1);
    expect(sample(body, 'holdfast_orphaned_hold_oldest_age_seconds')).toBeGreaterThan(0);
    expect(sample(body, 'holdfast_bookings_created', w)).toBe(2);
    expect(sample(body, 'holdfast_bookings_abandoned', w)).toBe(1);
    expect(sample(body, 'holdfast_abandonment_ratio', w)).toBe(0.5);
  });

  test('a signed-in staff session may read it too', async () => {
    setToken(TOKEN);
    await createStaffAccount({ email: 'metrics@example.com', name: 'Metrics Reader', role: 'staff', passwordHash: await hashPassword('metrics password') });
    const session = (await signIn('metrics@example.com', 'metrics password'))!;
    const res = await scrape({ cookie: `hf_staff=${session.token}` });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('holdfast_orphaned_holds 1');
  });

  test('METRICS_TOKEN is validated with the rest of the configuration', () => {
    expect(() => parseEnv({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
    expect(() => parseEnv({ METRICS_TOKEN: 'has a space in it, sixteen+' })).toThrow(/METRICS_TOKEN/);
    expect(parseEnv({ METRICS_TOKEN: TOKEN }).METRICS_TOKEN).toBe(TOKEN);
  });
});
