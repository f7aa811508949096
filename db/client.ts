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
    onnotice: () => {},
    connection: { application_name: 'holdfast' },
  });
  return globalForDb.holdfastSql;
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
