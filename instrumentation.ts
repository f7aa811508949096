/**
 * Runs once when the Next.js server boots: validate the configuration, then (unless
 * HOLDFAST_WORKER=off, or on Vercel) start the pg-boss worker inside this process.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { env, inlineWorker } = await import('./lib/env');
  const { logger } = await import('./lib/logger');
  const config = env();
  logger.info(
    { event: 'startup', database: config.DATABASE_URL ? 'configured' : 'missing', cronSecret: Boolean(config.CRON_SECRET), worker: inlineWorker() ? 'inline' : 'off' },
    'Holdfast server starting',
  );
  if (!inlineWorker() || !config.DATABASE_URL) return;

  const { startWorker } = await import('./jobs/worker');
  const worker = await startWorker();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void worker.stop().finally(() => process.exit(0));
    });
  }
}
