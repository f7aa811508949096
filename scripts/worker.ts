/**
 * `npm run worker`: the pg-boss worker as its own process, for operators who scale it apart from
 * the web servers (then set HOLDFAST_WORKER=off on those). SIGTERM/SIGINT stop it gracefully.
 */
import { closeSql } from '@/db/client';
import { migrate } from '@/db/migrate';
import { startWorker } from '@/jobs/worker';
import { databaseUrl } from '@/lib/env';
import { logger } from '@/lib/logger';

const running = (async () => {
  await migrate(databaseUrl());
  return startWorker();
})();

// Registered before anything starts, so a signal at any moment stops the worker cleanly.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info({ event: 'shutdown', signal }, 'Stopping the worker');
    // Jobs in hand get 10 s to finish; if the database is gone and stopping hangs, leave anyway.
    setTimeout(() => process.exit(1), 15_000).unref();
    void running
      .then((worker) => worker.stop(), () => undefined)
      .then(() => closeSql())
      .then(() => process.exit(0));
  });
}

await running;
