/**
 * Queue `expire-hold`: one job per reservation, due at the booking's `expires_at`. Each extension
 * sends a new job for the new time; when a job runs it asks the database, which releases the
 * booking only if its hold has really lapsed — so the earlier jobs of an extended, paid or
 * released booking do nothing.
 */
import { z } from 'zod';
import { expireBooking } from '@/db/reservations';
import { logger } from '@/lib/logger';
import { sender } from './boss';

export const expireHold = {
  name: 'expire-hold',
  options: { retryLimit: 5, retryDelay: 2, retryBackoff: true, expireInSeconds: 60 },
  payload: z.object({ bookingNumber: z.string().min(1).max(40) }),
} as const;
export type ExpireHoldPayload = z.infer<typeof expireHold.payload>;

/** Runs a batch of due expiry jobs; each releases its booking if (and only if) it lapsed. */
export async function handleExpireHold(jobs: { id: string; data: unknown }[]): Promise<void> {
  for (const job of jobs) {
    const { bookingNumber } = expireHold.payload.parse(job.data);
    try {
      const released = await expireBooking(bookingNumber);
      logger.info({ event: 'job', queue: expireHold.name, jobId: job.id, bookingNumber, released }, 'Expiry job ran');
    } catch (err) {
      logger.error({ event: 'job_failed', queue: expireHold.name, jobId: job.id, bookingNumber, err }, 'Error cleaning up booking');
      throw err;
    }
  }
}

const BATCH_MS = 50;
const pending: { data: ExpireHoldPayload; startAfter: Date }[] = [];
let timer: NodeJS.Timeout | undefined;

/**
 * Schedules the expiry job of a hold. Jobs are batched: every 50 ms one INSERT sends all that
 * were scheduled, so a reservation costs no extra round trip. A failure (or a crash before the
 * flush) is logged, never surfaced to the customer: the hold is valid, and the sweep and lazy
 * expiry release it anyway.
 */
export function scheduleHoldExpiry(bookingNumber: string, expiresAt: string): void {
  pending.push({ data: { bookingNumber }, startAfter: new Date(expiresAt) });
  timer ??= setTimeout(() => void flushHoldExpiries(), BATCH_MS);
}

/** Sends every scheduled expiry job now (also called on shutdown). */
export async function flushHoldExpiries(): Promise<void> {
  clearTimeout(timer);
  timer = undefined;
  const batch = pending.splice(0);
  if (batch.length === 0) return;
  try {
    const boss = await sender();
    await boss.insert(expireHold.name, batch);
  } catch (err) {
    logger.warn({ event: 'schedule_failed', queue: expireHold.name, jobs: batch.length, err }, 'Could not schedule hold expiry');
  }
}
