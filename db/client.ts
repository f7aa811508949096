/** The postgres.js pools (server-only): one per process and purpose, each created on first use. */
import postgres from 'postgres';
import { databaseUrl, env } from '@/lib/env';
import { MAX_IN_FLIGHT } from './reserve-queue';

export type Sql = postgres.Sql;

const globalForDb = globalThis as unknown as { holdfastSql?: Sql; holdfastReservationSql?: Sql };

function open(max: number, applicationName: string): Sql {
  return postgres(databaseUrl(), {
    max,
    prepare: env().DATABASE_PREPARE,
    idle_timeout: 30,
    connect_timeout: 10,
    // postgres.js waits (0.5–1) × min(3^n / 100, 20) s before the n-th reconnect, so a database
    // back after a few seconds' restart went unused for up to 20 s. Retry at most a second apart.
    backoff: reconnectDelaySeconds,
    onnotice: () => {},
    connection: { application_name: applicationName },
  });
}

/** The shared pool. Survives Next.js dev reloads instead of leaking a pool per reload. */
export function sql(): Sql {
  globalForDb.holdfastSql ??= open(env().DATABASE_POOL_MAX, 'holdfast');
  return globalForDb.holdfastSql;
}

/**
 * The reservations' own connections, as many as their queue runs calls at once
 * (db/reserve-queue.ts). A pool hands out its idle connections in turn, so two calls at a time on
 * the shared pool went round all its backends, each call waking one whose caches had gone cold;
 * on two connections of their own the same calls held 36–45 % more holds a second on 10,000
 * slots and 26–33 % more on one hot slot than on a pool of eight (ARCHITECTURE, "Reservations
 * have connections of their own").
 */
export function reservationSql(): Sql {
  globalForDb.holdfastReservationSql ??= open(MAX_IN_FLIGHT, 'holdfast reservations');
  return globalForDb.holdfastReservationSql;
}

/** Seconds before the n-th reconnect in a row: 0.1, 0.2, 0.4, 0.8, then 1 s apart. */
export function reconnectDelaySeconds(attempt: number): number {
  return Math.min(0.05 * 2 ** attempt, 1);
}

/** Closes the pools (graceful shutdown, tests). */
export async function closeSql(): Promise<void> {
  const pools = [globalForDb.holdfastSql, globalForDb.holdfastReservationSql];
  globalForDb.holdfastSql = globalForDb.holdfastReservationSql = undefined;
  await Promise.all(pools.map((pool) => pool?.end({ timeout: 5 })));
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
