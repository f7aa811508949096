/** How every typed wrapper in db/ calls its stored function. */
import type { z } from 'zod';
import { sql as pool, type Sql } from './client';
import { fromDatabaseError } from './errors';
import { withRetry } from './retry';

/** Whether `db` is a transaction (postgres.js `sql.begin`), rather than a pool. */
export function inTransaction(db: Sql): boolean {
  return 'savepoint' in db;
}

/**
 * Runs one stored function returning a single value (`… as result`), validates it and maps
 * expected database errors to AppError. A deadlock or serialization failure is retried, except
 * inside a transaction the caller passes: there only the whole transaction could run again.
 */
export async function call<T>(
  schema: z.ZodType<T>,
  run: (sql: Sql) => Promise<readonly { result: unknown }[]>,
  db?: Sql,
): Promise<T> {
  try {
    const target = db ?? pool();
    const rows = await (inTransaction(target) ? run(target) : withRetry(() => run(target)));
    return schema.parse(rows[0]?.result);
  } catch (err) {
    throw fromDatabaseError(err) ?? err;
  }
}
