/**
 * What the Next.js server does once at boot (Node.js runtime only, from instrumentation.ts):
 * validate the configuration, then, unless HOLDFAST_WORKER=off (the default on Vercel), run the
 * pg-boss worker inside this process and stop it cleanly on SIGTERM/SIGINT.
 */
import { env, inlineWorker } from './env';
import { logger } from './logger';

export async function bootServer(): Promise<void> {
  const config = env();
  const worker = inlineWorker() && Boolean(config.DATABASE_URL);
  logger.info(
    {
      event: 'startup',
      database: config.DATABASE_URL ? 'configured' : 'missing',
      cronSecret: Boolean(config.CRON_SECRET),
      worker: worker ? 'inline' : 'off',
      payments: config.STRIPE_SECRET_KEY ? 'stripe' : 'pay on arrival (STRIPE_SECRET_KEY not set)',
      emails: config.RESEND_API_KEY ? 'resend' : 'outbox only (RESEND_API_KEY not set)',
    },
    'Holdfast server starting',
  );
  if (!worker) return;

  const { startWorker, stopOnSignals } = await import('@/jobs/worker');
  const running = startWorker();
  stopOnSignals(running);
  await running;
}
