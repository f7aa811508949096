/**
 * pg-boss, in the application's database under schema `pgboss`. One instance per process:
 * the worker's when this process runs one, otherwise a send-only instance (no supervision, no
 * cron, no migration) started on first use.
 */
import { PgBoss } from 'pg-boss';
import { databaseUrl } from '@/lib/env';
import { logger } from '@/lib/logger';

export const BOSS_SCHEMA = 'pgboss';

/** SQLSTATEs of a server going away or not back yet: admin_shutdown, crash_shutdown, cannot_connect_now. */
const SERVER_UNAVAILABLE = new Set(['57P01', '57P02', '57P03']);

export interface BossRole {
  /** Runs maintenance and cron schedules (the worker); a sender does neither. */
  worker: boolean;
  connectionString?: string;
}

export function createBoss(role: BossRole): PgBoss {
  const boss = new PgBoss({
    connectionString: role.connectionString ?? databaseUrl(),
    schema: BOSS_SCHEMA,
    application_name: role.worker ? 'holdfast-worker' : 'holdfast-sender',
    max: role.worker ? 4 : 2,
    supervise: role.worker,
    schedule: role.worker,
    migrate: false,
  });
  boss.on('error', (err) => {
    // The database is shutting down, restarting or not yet up (a restart, or Ctrl-C on
    // `npm run dev`, which reaches the embedded PostgreSQL at the same time as Next.js): expected,
    // and pg-boss reconnects when it is back.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && SERVER_UNAVAILABLE.has(code)) {
      logger.warn({ event: 'pgboss_connection_lost', code, reason: err.message }, 'pg-boss lost a database connection: the database is shutting down or starting');
    } else {
      logger.error({ event: 'pgboss_error', err }, 'pg-boss error');
    }
  });
  return boss;
}

const globalForBoss = globalThis as unknown as { holdfastBoss?: Promise<PgBoss> };

/** The process's pg-boss for sending jobs (the worker's own when it runs here). */
export function sender(): Promise<PgBoss> {
  globalForBoss.holdfastBoss ??= (async () => {
    const boss = createBoss({ worker: false });
    await boss.start();
    return boss;
  })().catch((err: unknown) => {
    globalForBoss.holdfastBoss = undefined;
    throw err;
  });
  return globalForBoss.holdfastBoss;
}

/** Lets the worker's instance serve as this process's sender. */
export function useAsSender(boss: PgBoss): void {
  globalForBoss.holdfastBoss = Promise.resolve(boss);
}

/** Forgets the sender if it is `boss` (which is being stopped). */
export function forgetSender(boss: PgBoss): void {
  void globalForBoss.holdfastBoss?.then((current) => {
    if (current === boss) globalForBoss.holdfastBoss = undefined;
  });
}

export async function closeSender(): Promise<void> {
  const pending = globalForBoss.holdfastBoss;
  globalForBoss.holdfastBoss = undefined;
  const boss = await pending?.catch(() => undefined);
  await boss?.stop({ graceful: false, close: true });
}
