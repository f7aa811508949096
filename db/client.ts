/** The postgres.js pool (server-only): one per process, created on first use. */
import postgres from 'postgres';
import { databaseUrl, env } from '@/lib/env';

export type Sql = postgres.Sql;

const globalForDb = globalThis as unknown as { holdfastSql?: Sql };

/** The shared pool. Survives Next.js dev reloads instead of leaking a pool per reload. */
export function sql(): Sql {
  globalForDb.holdfastSql ??= postgres(databaseUrl(), {
    max: env().DATABASE_POOL_MAX,
    prepare: env().DATABASE_PREPARE,
    idle_timeout: 30,
    connect_timeout: 10,
    // postgres.js waits (0.5–1) × min(3^n / 100, 20) s before the n-th reconnect, so a database
    // back after a few seconds' restart went unused for up to 20 s. Retry at most a second apart.
    backoff: reconnectDelaySeconds,
    onnotice: () => {},
    connection: { application_name: 'holdfast' },
  });
  return globalForDb.holdfastSql;
}

/** Seconds before the n-th reconnect in a row: 0.1, 0.2, 0.4, 0.8, then 1 s apart. */
export function reconnectDelaySeconds(attempt: number): number {
  return Math.min(0.05 * 2 ** attempt, 1);
}

/** Closes the shared pool (graceful shutdown, tests). */
export async function closeSql(): Promise<void> {
  const pool = globalForDb.holdfastSql;
  globalForDb.holdfastSql = undefined;
  await pool?.end({ timeout: 5 });
}

/** `make(db)` made once per pool, on first use, and dropped with the pool. */
export function perPool<T>(make: (db: Sql) => T): (db: Sql) => T {
  const made = new WeakMap<Sql, T>();
  return (db) => {
    let value = made.get(db);
    if (value === undefined) made.set(db, (value = make(db)));
    return value;
  };
}
