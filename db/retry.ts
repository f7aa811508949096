/** Runs a database call again when PostgreSQL aborted it for a deadlock or serialization failure. */
import { AppError, retryableSqlstates } from './errors';

/**
 * The SQLSTATE behind an error: the driver's own, or the one an AppError keeps in its details —
 * wrappers called inside a transaction (db/call.ts) have already mapped the driver's error, and
 * the whole transaction is what must run again.
 */
function sqlstateOf(err: unknown): unknown {
  if (err instanceof AppError) return err.details.sqlstate;
  return (err as { code?: unknown }).code;
}

export async function withRetry<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const code = sqlstateOf(err);
      if (attempt >= attempts || typeof code !== 'string' || !retryableSqlstates.has(code)) throw err;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
    }
  }
}
