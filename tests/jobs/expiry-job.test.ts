/**
 * The per-booking expiry job: a hold whose page is gone is released by its pg-boss job within
 * seconds of `expires_at`, and extending a booking leaves exactly one effective expiry.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';

vi.hoisted(() => {
  // Keep the minute sweep out of the way, so every release here is the job's doing.
  process.env.SWEEP_CRON = '0 0 1 1 *';
});

import reserveAvailabilityRoute from '@/pages/api/reserve-availability';
import { startWorker, type Worker } from '@/jobs/worker';
import { connect, createExperience, createSlot, invariantViolations } from '../helpers/fixtures';
import { json, request, nodeRoute } from '../helpers/http';
import { until } from '../helpers/poll';

const reserve = nodeRoute(reserveAvailabilityRoute);

const sql = connect(2);
let worker: Worker;

beforeAll(async () => {
  worker = await startWorker();
});
afterAll(async () => {
  await worker.stop();
  expect(await invariantViolations(sql)).toEqual([]);
});

async function hold(slotId: number, quantity = 1, auth?: { bookingNumber: string; holdToken: string }) {
  const res = await json(await reserve(request('POST', '/api/reserve-availability', { body: { slotId, quantity, ...auth } })));
  expect(res.status).toBe(auth ? 200 : 201);
  return { bookingNumber: res.body.bookingNumber as string, holdToken: (res.body.holdToken as string) ?? auth?.holdToken, expiresAt: res.body.expiresAt as string };
}

async function releases(bookingNumber: string) {
  return sql<{ type: string; tier: string; lag_ms: number; occurred_at: Date }[]>`
    select e.type, e.tier, (e.detail->>'lagMs')::int as lag_ms, e.occurred_at
      from data.booking_events e join data.pending_bookings b on b.id = e.booking_id
     where b.booking_number = ${bookingNumber} and e.type in ('expired', 'released') order by e.id`;
}

describe('slot publisher', () => {
  test('the running worker announces a hold on slot_changes within a second, unprompted', async () => {
    const exp = await createExperience(sql, { capacity: 6 });
    const slot = await createSlot(sql, exp.id);
    const listener = connect(1);
    let seen: number | undefined;
    await listener.listen('slot_changes', (payload) => {
      const change = (JSON.parse(payload) as { slotId: number; held: number }[]).find((c) => c.slotId === slot);
      if (change?.held === 3) seen ??= Date.now();
    });
    const started = Date.now();
    await hold(slot, 3);
    await until('the change to be announced', async () => seen, 5_000, 20);
    console.log(`[slot publisher] change announced after ${seen! - started} ms`);
    expect(seen! - started).toBeLessThan(1000);
  });
});

describe('expire-hold job', () => {
  test('releases abandoned holds within 5 s of expires_at, tier job', async () => {
    const exp = await createExperience(sql, { holdDuration: '2 seconds', capacity: 20 });
    const slot = await createSlot(sql, exp.id);
    const holds = [];
    for (let i = 0; i < 8; i++) holds.push(await hold(slot, 2));

    const lags: number[] = [];
    for (const h of holds) {
      const [release] = await until(`release of ${h.bookingNumber}`, async () => {
        const rows = await releases(h.bookingNumber);
        return rows.length > 0 ? rows : undefined;
      });
      expect(release).toMatchObject({ type: 'expired', tier: 'job' });
      lags.push(release!.lag_ms);
    }
    console.log(`[expiry job] release lag after expires_at, ms: ${lags.join(', ')}`);
    for (const lag of lags) expect(lag).toBeLessThan(5000);
    const [slotRow] = await sql`select held from data.slots where id = ${slot}`;
    expect(slotRow!.held).toBe(0);
  });

  test('extending twice: the earlier jobs run and release nothing; one effective expiry', async () => {
    const exp = await createExperience(sql, { holdDuration: '3 seconds', capacity: 20 });
    const slot = await createSlot(sql, exp.id);
    const first = await hold(slot);
    const auth = { bookingNumber: first.bookingNumber, holdToken: first.holdToken };
    // Extend once the first job is nearly due, and again; each extension sends a new job.
    await until('1.5 s to pass', async () => Date.now() > Date.parse(first.expiresAt) - 1500 || undefined);
    const second = await hold(slot, 1, auth);
    await until('another second', async () => Date.now() > Date.parse(first.expiresAt) - 500 || undefined);
    const third = await hold(slot, 1, auth);
    expect(Date.parse(third.expiresAt)).toBeGreaterThan(Date.parse(second.expiresAt));

    // The first job falls due while the hold is still live: it completes and releases nothing.
    const jobs = await until('the first job to complete', async () => {
      const rows = await sql<{ state: string; completed_on: Date | null }[]>`
        select state, completed_on from pgboss.job
         where name = 'expire-hold' and data->>'bookingNumber' = ${first.bookingNumber} order by start_after`;
      return rows[0]?.state === 'completed' ? rows : undefined;
    });
    expect(jobs).toHaveLength(3);
    const [{ status }] = (await sql`select status from data.pending_bookings where booking_number = ${first.bookingNumber}`) as unknown as [{ status: string }];
    expect(status).toBe('held');
    expect(jobs[0]!.completed_on!.getTime()).toBeLessThan(Date.parse(third.expiresAt));

    const released = await until('the release', async () => {
      const rows = await releases(first.bookingNumber);
      return rows.length > 0 ? rows : undefined;
    });
    expect(released.map((r) => r.tier)).toEqual(['job']);
    expect(released[0]!.occurred_at.getTime()).toBeGreaterThanOrEqual(Date.parse(third.expiresAt) - 5);
    // Every job ran; still exactly one release.
    await until('all three jobs to complete', async () => {
      const [row] = await sql`select count(*)::int as n from pgboss.job
         where name = 'expire-hold' and data->>'bookingNumber' = ${first.bookingNumber} and state = 'completed'`;
      return row!.n === 3 || undefined;
    });
    expect(await releases(first.bookingNumber)).toHaveLength(1);
  });
});
