/**
 * Queue `sweep-holds`: the failsafe. A pg-boss cron schedule (SWEEP_CRON, every minute by
 * default) releases every lapsed hold the per-booking jobs missed — the same stored function as
 * GET /api/cleanup-expired. The worker also sweeps at once when it starts and when its database
 * comes back after an outage (catchUpSweep), by a direct call rather than a job: a job that was
 * running when a worker died or the database went away stays `active` until pg-boss expires it,
 * and this queue runs one job at a time (policy `stately`), so a queued sweep would wait for that.
 */
import { expireLapsedHolds } from '@/db/reservations';
import { logger } from '@/lib/logger';

export const sweepHolds = {
  name: 'sweep-holds',
  options: { policy: 'stately', retryLimit: 0, expireInSeconds: 120 },
} as const;

/** One sweep: every lapsed hold released, within a budget of 50 s, and how long it took. */
async function sweep(): Promise<{ released: number; complete: boolean; ms: number }> {
  const started = Date.now();
  const { released, complete } = await expireLapsedHolds({ tier: 'sweep', budgetMs: 50_000 });
  return { released, complete, ms: Date.now() - started };
}

export async function handleSweepHolds(jobs: { id: string }[]): Promise<void> {
  for (const job of jobs) {
    try {
      const result = await sweep();
      // Every minute, usually with nothing to do: only a sweep that released something is news.
      const level = result.released > 0 || !result.complete ? 'info' : 'debug';
      logger[level]({ event: 'job', queue: sweepHolds.name, jobId: job.id, ...result }, 'Sweep ran');
    } catch (err) {
      logger.error({ event: 'job_failed', queue: sweepHolds.name, jobId: job.id, err }, 'Error cleaning up booking');
      throw err;
    }
  }
}

/**
 * Releases, at once, every hold that lapsed while no worker could release it: when the worker
 * starts, and when its database comes back after an outage.
 */
export async function catchUpSweep(reason: 'start' | 'reconnect'): Promise<void> {
  const result = await sweep();
  logger.info(
    { event: 'catch_up_sweep', reason, ...result },
    reason === 'start' ? 'Catch-up sweep on start' : 'Catch-up sweep: the database answers again',
  );
}
