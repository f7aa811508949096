/**
 * The pg-boss worker: runs the per-booking expiry jobs, the failsafe sweep schedule, email
 * delivery and refunds, and publishes slot changes a few times a second
 * (jobs/slot-publisher.ts). Started inside the Next.js server (instrumentation.ts) or on its own
 * (`npm run worker`). It sweeps lapsed holds at once when it starts and when its database comes
 * back after an outage; jobs that fell due while no worker ran are fetched at once on start.
 * stop() finishes the jobs in hand before closing, so no job is left half-done.
 */
import { env } from '@/lib/env';
import { logger } from '@/lib/logger';
import { createBoss, forgetSender, useAsSender } from './boss';
import { expireHold, flushHoldExpiries, handleExpireHold } from './expire-hold';
import { handleRefundPayment, refundPayment } from './refund-payment';
import { handleSendEmail, sendEmail } from './send-email';
import { startSlotPublisher } from './slot-publisher';
import { catchUpSweep, handleSweepHolds, sweepHolds } from './sweep-holds';

export interface Worker {
  stop(): Promise<void>;
}

/**
 * Stops the worker (once `running` has started it) on SIGTERM/SIGINT, then runs `cleanup` and
 * exits 0. Jobs in hand get 10 s to finish; if stopping hangs (say the database is gone), the
 * process leaves after 15 s anyway. Register it before the worker starts.
 */
export function stopOnSignals(running: Promise<Worker>, cleanup: () => Promise<void> = async () => {}): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ event: 'shutdown', signal }, 'Stopping the worker');
      setTimeout(() => process.exit(1), 15_000).unref();
      void running
        .then((worker) => worker.stop(), () => undefined)
        .then(cleanup)
        .finally(() => process.exit(0));
    });
  }
}

export async function startWorker(options: { connectionString?: string } = {}): Promise<Worker> {
  const config = env();
  const boss = createBoss({ worker: true, ...options });
  await boss.start({ attempts: 10 });
  useAsSender(boss);

  await boss.schedule(sweepHolds.name, config.SWEEP_CRON, null, { tz: 'UTC' });
  const polling = { pollingIntervalSeconds: config.JOB_POLL_SECONDS };
  await boss.work(expireHold.name, { ...polling, batchSize: 50 }, handleExpireHold);
  await boss.work(sweepHolds.name, polling, handleSweepHolds);
  // One job per call: a failing email or refund retries alone, not with its batch.
  await boss.work(sendEmail.name, { ...polling, batchSize: 1 }, handleSendEmail);
  await boss.work(refundPayment.name, { ...polling, batchSize: 1 }, handleRefundPayment);
  // The publisher asks the database four times a second, so it is the first to see it return.
  const publisher = startSlotPublisher({ onRecovered: () => catchUpSweep('reconnect') });
  // Catch up at once on whatever lapsed while no worker ran (including jobs a killed worker held).
  const startSweep = catchUpSweep('start').catch((err: unknown) => {
    logger.error({ event: 'catch_up_failed', err }, 'Could not release the holds that lapsed while no worker ran');
  });
  logger.info({ event: 'worker_started', sweepCron: config.SWEEP_CRON, pollSeconds: config.JOB_POLL_SECONDS }, 'Worker started');

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        await flushHoldExpiries();
        forgetSender(boss);
        await publisher.stop();
        await startSweep;
        await boss.stop({ graceful: true, timeout: 10_000, close: true });
        logger.info({ event: 'worker_stopped' }, 'Worker stopped');
      })();
      return stopping;
    },
  };
}
