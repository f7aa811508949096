/**
 * PostgreSQL stops under a running worker and comes back: the worker recovers by itself and
 * releases what lapsed meanwhile. Runs against a PostgreSQL this test starts (and stops) itself.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import type { Sql } from '@/db/client';
import { embeddedPostgresProblem, ensureDatabase, findFreePort, startEmbeddedPostgres, type EmbeddedServer } from '@/db/embedded';
import { migrate } from '@/db/migrate';
import { reserveSeats } from '@/db/reservations';
import { createBoss } from '@/jobs/boss';
import { expireHold } from '@/jobs/expire-hold';
import { createExperience, createSlot, invariantViolations } from '../helpers/fixtures';
import { until } from '../helpers/poll';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process';

const dir = mkdtempSync(path.join(os.tmpdir(), 'holdfast-restart-'));
chmodSync(dir, 0o755);
const dataDir = path.join(dir, 'data');
const problem = embeddedPostgresProblem(dataDir);

let server: EmbeddedServer | undefined;
let port: number | undefined;
let worker: WorkerProcess | undefined;

afterEach(async () => {
  await worker?.kill('SIGKILL');
  worker = undefined;
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A new, migrated database on the file's own server (started on first use). */
async function freshDatabase(name: string): Promise<string> {
  if (!server) {
    port = await findFreePort(55432);
    server = await startEmbeddedPostgres({ dataDir, persistent: true, port });
  }
  const url = server.url(name);
  await ensureDatabase(url, name);
  await migrate(url);
  return url;
}

type Hold = { bookingNumber: string; expiresAt: string };

/** Five one-seat holds of three seconds on a new slot. */
async function holdSeats(url: string): Promise<Hold[]> {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  try {
    const exp = await createExperience(sql, { holdDuration: '3 seconds', capacity: 10 });
    const slot = await createSlot(sql, exp.id);
    const holds: Hold[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await reserveSeats({ slotId: slot, quantity: 1 }, sql);
      if (!r.ok) throw new Error('expected a hold');
      holds.push(r);
    }
    return holds;
  } finally {
    await sql.end();
  }
}

/** Stops the server before any hold lapses and starts it again after all have. */
async function restartAcrossLapse(holds: Hold[]): Promise<void> {
  await server!.stop();
  await until('the holds to lapse while the database is down', async () => Date.now() > Date.parse(holds.at(-1)!.expiresAt) + 1000 || undefined);
  server = await startEmbeddedPostgres({ dataDir, persistent: true, port: port! });
}

/** Waits until every hold is expired, released exactly once, with the invariants intact. */
async function expectReleased(url: string, holds: Hold[], timeoutMs: number): Promise<void> {
  const check = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await until('the worker to release every lapsed hold', () => releases(check, holds), timeoutMs, 250).catch(
      async (err: Error) => {
        // What the worker said, and what pg-boss holds, are the whole story of a failure here.
        const jobs = await check`select name, state, count(*)::int as n from pgboss.job group by 1, 2 order by 1, 2`.catch((e: Error) => e.message);
        throw new Error(`${err.message}\njobs: ${JSON.stringify(jobs)}\nworker output:\n${worker?.output()}`);
      },
    );
    expect(rows.map((r) => r.releases)).toEqual(holds.map(() => 1));
    expect(worker!.child.exitCode).toBe(null); // it recovered; nobody restarted it
    expect(await invariantViolations(check)).toEqual([]);
  } finally {
    await check.end();
  }
}

async function releases(check: Sql, holds: Hold[]) {
  const rows = await check<{ status: string; releases: number }[]>`
    select b.status, (select count(*) from data.booking_events e where e.booking_id = b.id and e.type = 'expired')::int as releases
      from data.pending_bookings b where b.booking_number = any (${holds.map((h) => h.bookingNumber)})`;
  return rows.length === holds.length && rows.every((x) => x.status === 'expired') ? rows : undefined;
}

describe.skipIf(problem)('database restart under a running worker', () => {
  test('the worker reconnects and releases the holds that lapsed while PostgreSQL was down', async () => {
    const url = await freshDatabase('holdfast_restart_jobs');
    // Everything that releases holds in production is on: the per-booking jobs, the minute sweep
    // and the catch-up on reconnect. Whichever is first, the holds are free within seconds.
    worker = await spawnWorker(url, { SWEEP_CRON: '* * * * *' });
    const holds = await holdSeats(url);
    const boss = createBoss({ worker: false, connectionString: url });
    await boss.start();
    for (const h of holds) await boss.send(expireHold.name, { bookingNumber: h.bookingNumber }, { startAfter: new Date(h.expiresAt) });
    await boss.stop({ graceful: false, close: true });

    await restartAcrossLapse(holds);
    await expectReleased(url, holds, 20_000);
  }, 120_000);

  test('holds with no expiry job and no sweep due are released within seconds of PostgreSQL coming back', async () => {
    const url = await freshDatabase('holdfast_restart_outage');
    // No schedule falls due during the test (the sweep runs on 1 January) and no expiry job is
    // sent, as when the web process could not schedule one: only the worker's own catch-up on
    // seeing the database return can release these holds.
    worker = await spawnWorker(url);
    // The worker's start-up sweep must not be the one that releases them.
    await until('the start-up sweep', async () => worker!.output().includes('"event":"catch_up_sweep","reason":"start"') || undefined);
    const holds = await holdSeats(url);

    await restartAcrossLapse(holds);
    await expectReleased(url, holds, 15_000);
    expect(worker.output()).toContain('"event":"catch_up_sweep","reason":"reconnect"');
  }, 120_000);
});
