/** Every pg-boss queue Holdfast uses, and the install step that creates them. */
import { PgBoss } from 'pg-boss';
import { BOSS_SCHEMA } from './boss';
import { expireHold } from './expire-hold';
import { refundPayment } from './refund-payment';
import { sendEmail } from './send-email';
import { sweepHolds } from './sweep-holds';

export const queues = [expireHold, sweepHolds, sendEmail, refundPayment];

/**
 * Installs or upgrades the pg-boss schema and creates the queues. Run by db/migrate.ts, so web
 * processes and workers never migrate at start-up.
 */
export async function installQueues(connectionString: string): Promise<void> {
  const boss = new PgBoss({ connectionString, schema: BOSS_SCHEMA, supervise: false, schedule: false, migrate: true, max: 1 });
  boss.on('error', () => {});
  await boss.start();
  try {
    for (const queue of queues) {
      await boss.createQueue(queue.name, queue.options);
      // createQueue leaves a queue that exists as it was made: settings changed here since (retries,
      // expiry) reach an existing install through updateQueue. A queue's policy cannot change.
      const { policy: _policy, ...settings } = queue.options as typeof queue.options & { policy?: string };
      await boss.updateQueue(queue.name, settings);
    }
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}
