/** Runs once when the Next.js server boots: validate the configuration before serving anything. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { env } = await import('./lib/env');
  const { logger } = await import('./lib/logger');
  const config = env();
  logger.info(
    { event: 'startup', database: config.DATABASE_URL ? 'configured' : 'missing', cronSecret: Boolean(config.CRON_SECRET) },
    'Holdfast server starting',
  );
}
