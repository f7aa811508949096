/**
 * Coalesced real-time: a few times a second, announce every slot that changed since the last
 * round (api.publish_slot_changes) on channel `slot_changes`. Runs in the worker; any process
 * streaming availability to browsers may run one too (each change is published once by whoever
 * takes it first).
 */
import { publishSlotChanges } from '@/db/reservations';
import { logger } from '@/lib/logger';

export interface SlotPublisherOptions {
  intervalMs?: number;
  /** Called (and awaited by stop()) when the database answers again after failing. */
  onRecovered?: () => Promise<void>;
}

export function startSlotPublisher(options: SlotPublisherOptions = {}): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let recovering: Promise<void> = Promise.resolve();
  let failing = false;
  const timer = setInterval(() => {
    running = running.then(async () => {
      try {
        await publishSlotChanges();
        if (failing) {
          logger.info({ event: 'slot_publisher_recovered' }, 'Publishing slot changes again');
          // Not awaited here: announcing changes goes on while the callback catches up.
          const { onRecovered } = options;
          if (onRecovered) {
            recovering = recovering.then(onRecovered).catch((err: unknown) => {
              logger.error({ event: 'recovery_failed', err }, 'Catching up after the database came back failed');
            });
          }
        }
        failing = false;
      } catch (err) {
        if (!failing) logger.warn({ event: 'slot_publisher_failed', err }, 'Could not publish slot changes');
        failing = true;
      }
    });
  }, options.intervalMs ?? 250);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await recovering;
    },
  };
}
