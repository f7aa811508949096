/**
 * PostgreSQL stops under a running worker and comes back: the worker recovers by itself and
 * releases what lapsed meanwhile. Runs against a PostgreSQL this test starts (and stops) itself.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, test } from 'vitest';
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
let worker: WorkerProcess | undefined;

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(problem)('database restart under a running worker', () => {
  test('the worker reconnects and releases the holds that lapsed while PostgreSQL was down', async () => {
    const port = await findFreePort(55432);
    server = await startEmbeddedPostgres({ dataDir, persistent: true, port });
    const url = server.url('holdfast_restart');
    await ensureDatabase(url, 'holdfast_restart');
    await migrate(url);
    // The minute sweep stays on here: a job the worker held when the server died stays `active`
    // until pg-boss expires it, and the sweep is what bounds that case in production too.
    worker = await spawnWorker(url, { SWEEP_CRON: '* * * * *' });

    const sql = postgres(url, { max: 2, onnotice: () => {} });
    const boss = createBoss({ worker: false, connectionString: url });
    await boss.start();
    const exp = await createExperience(sql, { holdDuration: '3 seconds', capacity: 10 });
    const slot = await createSlot(sql, exp.id);
    const holds: { bookingNumber: string; expiresAt: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await reserveSeats({ slotId: slot, quantity: 1 }, sql);
      if (!r.ok) throw new Error('expected a hold');
      await boss.send(expireHold.name, { bookingNumber: r.bookingNumber }, { startAfter: new Date(r.expiresAt) });
      holds.push(r);
    }
    await boss.stop({ graceful: false, close: true });
    await sql.end();

    // Down before any hold lapses, up again after all have.
    await server.stop();
    await until('the holds to lapse while the database is down', async () => Date.now() > Date.parse(holds.at(-1)!.expiresAt) + 1000 || undefined);
    server = await startEmbeddedPostgres({ dataDir, persistent: true, port });

    const check = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const rows = await until('the worker to release every lapsed hold', async () => {
        const r = await check<{ status: string; releases: number }[]>`
          select b.status, (select count(*) from data.booking_events e where e.booking_id = b.id and e.type = 'expired')::int as releases
            from data.pending_bookings b where b.booking_number = any (${holds.map((h) => h.bookingNumber)})`;
        return r.length === holds.length && r.every((x) => x.status === 'expired') ? r : undefined;
      }, 150_000, 250);
      expect(rows.map((r) => r.releases)).toEqual(holds.map(() => 1));
      expect(worker.child.exitCode).toBe(null); // it recovered; nobody restarted it
      expect(await invariantViolations(check)).toEqual([]);
    } finally {
      await check.end();
    }
  }, 240_000);
});
