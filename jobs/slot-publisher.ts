/**
 * Coalesced real-time: a few times a second, announce every slot that changed since the last
 * round (api.publish_slot_changes) on channel `slot_changes`. Runs in the worker; any process
 * streaming availability to browsers may run one too (each change is published once by whoever
 * takes it first).
 */
import { publishSlotChanges } from '@/db/reservations';
import { logger } from '@/lib/logger';

export function startSlotPublisher(intervalMs = 250): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let failing = false;
  const timer = setInterval(() => {
    running = running.then(async () => {
      try {
        await publishSlotChanges();
        if (failing) logger.info({ event: 'slot_publisher_recovered' }, 'Publishing slot changes again');
        failing = false;
      } catch (err) {
        if (!failing) logger.warn({ event: 'slot_publisher_failed', err }, 'Could not publish slot changes');
        failing = true;
      }
    });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
