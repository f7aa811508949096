/**
 * `npm run worker`: the pg-boss worker as its own process, for operators who scale it apart from
 * the web servers (then set HOLDFAST_WORKER=off on those). SIGTERM/SIGINT stop it gracefully.
 */
import { closeSql } from '@/db/client';
import { migrate } from '@/db/migrate';
import { startWorker, stopOnSignals } from '@/jobs/worker';
import { databaseUrl } from '@/lib/env';

const running = (async () => {
  await migrate(databaseUrl());
  return startWorker();
})();

// Registered right away, so a signal at any moment stops the worker cleanly.
stopOnSignals(running, closeSql);

await running;
