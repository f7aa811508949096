/**
 * Faults: the worker process killed with SIGKILL while jobs fall due, then started again; a
 * graceful SIGTERM; and no worker at all (the cron route alone, or neither).
 */
import { afterAll, describe, expect, test } from 'vitest';
import { GET as sweepRoute } from '@/app/api/cleanup-expired/route';
import { reserveSeats } from '@/db/reservations';
import { flushHoldExpiries, scheduleHoldExpiry } from '@/jobs/expire-hold';
import { connect, createExperience, createSlot, invariantViolations } from '../helpers/fixtures';
import { json, request } from '../helpers/http';
import { until } from '../helpers/poll';
import { spawnWorker } from '../helpers/worker-process';

const sql = connect(2);

afterAll(async () => {
  expect(await invariantViolations(sql)).toEqual([]);
});

/** Holds `count` bookings on a new slot and schedules their expiry jobs, as the route does. */
async function holds(count: number, holdDuration: string) {
  const exp = await createExperience(sql, { holdDuration, capacity: 100 });
  const slot = await createSlot(sql, exp.id);
  const made = [];
  for (let i = 0; i < count; i++) {
    const r = await reserveSeats({ slotId: slot, quantity: 1 }, sql);
    if (!r.ok) throw new Error('expected a hold');
    scheduleHoldExpiry(r.bookingNumber, r.expiresAt);
    made.push({ bookingNumber: r.bookingNumber, expiresAt: r.expiresAt });
  }
  await flushHoldExpiries();
  return { slot, made };
}

async function releaseCounts(numbers: string[]) {
  return sql<{ booking_number: string; status: string; releases: number }[]>`
    select b.booking_number, b.status,
           (select count(*) from data.booking_events e where e.booking_id = b.id and e.type in ('expired', 'released'))::int as releases
      from data.pending_bookings b where b.booking_number = any (${numbers}) order by b.booking_number`;
}

const lapsed = (expiresAt: string) => until(`${expiresAt} to pass`, async () => {
  const [row] = await sql`select api.clock_now() > ${expiresAt}::timestamptz as past`;
  return row!.past || undefined;
}, 30_000);

describe('worker crash', () => {
  test('SIGKILL while jobs fall due, then restart: every lapsed hold released exactly once, live ones kept', async () => {
    const first = await spawnWorker(process.env.DATABASE_URL!);
    const early = await holds(6, '2 seconds'); // due while the first worker runs, or as it dies
    const late = await holds(6, '4 seconds'); // due while no worker runs
    const live = await holds(4, '10 minutes');

    await lapsed(early.made[0]!.expiresAt);
    expect(await first.kill('SIGKILL')).toBe(null);
    await lapsed(late.made.at(-1)!.expiresAt);

    const second = await spawnWorker(process.env.DATABASE_URL!);
    try {
      const lapsedNumbers = [...early.made, ...late.made].map((h) => h.bookingNumber);
      const rows = await until('every lapsed hold to be released', async () => {
        const r = await releaseCounts(lapsedNumbers);
        return r.every((x) => x.status === 'expired') ? r : undefined;
      });
      expect(rows.map((r) => r.releases)).toEqual(lapsedNumbers.map(() => 1));
      const kept = await releaseCounts(live.made.map((h) => h.bookingNumber));
      expect(kept.map((r) => [r.status, r.releases])).toEqual(live.made.map(() => ['held', 0]));
      const [counts] = await sql`
        select (select held from data.slots where id = ${early.slot}) as early,
               (select held from data.slots where id = ${late.slot}) as late,
               (select held from data.slots where id = ${live.slot}) as live`;
      expect(counts).toEqual({ early: 0, late: 0, live: 4 });
    } finally {
      await second.kill('SIGKILL');
    }
  });

  test('SIGTERM stops the worker gracefully: it exits 0 and says so', async () => {
    const worker = await spawnWorker(process.env.DATABASE_URL!);
    const code = await worker.kill('SIGTERM');
    expect(code).toBe(0);
    expect(worker.output()).toContain('"event":"worker_stopped"');
  });
});

describe('no worker at all', () => {
  test('the cron route alone releases every lapsed hold; with neither, reads and reservations treat them as free', async () => {
    const exp = await createExperience(sql, { holdDuration: '5 minutes', capacity: 3 });
    const slot = await createSlot(sql, exp.id);
    const a = await reserveSeats({ slotId: slot, quantity: 3 }, sql);
    expect(a.ok).toBe(true);
    await sql`select api.shift_clock('6 minutes')`;
    try {
      // Neither worker nor cron: the lapsed hold still blocks no one.
      const b = await reserveSeats({ slotId: slot, quantity: 3 }, sql);
      expect(b.ok).toBe(true);
      await sql`select api.shift_clock('6 minutes')`;
      // Cron alone: the route sweeps it.
      const res = await json(await sweepRoute(request('GET', '/api/cleanup-expired')));
      expect(res.status).toBe(200);
      expect(res.body.released as number).toBeGreaterThanOrEqual(1);
      const [row] = await sql`select held from data.slots where id = ${slot}`;
      expect(row!.held).toBe(0);
    } finally {
      await sql`update data.clock set skew = '0'`;
    }
  });
});
