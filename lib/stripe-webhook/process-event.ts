/**
 * Processes one verified Stripe event exactly once in effect (invariant 3). In one transaction:
 * record the event id (its row lock serialises concurrent deliveries of the same event), apply
 * the event through its handler, queue the jobs it needs, mark it processed. A delivery of an
 * event already processed changes nothing. If anything fails, nothing of it stays except the
 * error on the event row, and the webhook answers 500 so that Stripe delivers it again.
 */
import type Stripe from 'stripe';
import { sql as pool, type Sql } from '@/db/client';
import { failStripeEvent, finishStripeEvent, recordStripeEvent } from '@/db/payments';
import { withRetry } from '@/db/retry';
import { enqueueInTransaction } from '@/jobs/enqueue';
import { logger } from '@/lib/logger';
import { chargeRefunded } from './charge-refunded';
import { checkoutSessionEnded } from './checkout-session-ended';
import { checkoutSessionPaid } from './checkout-session-paid';
import type { EventHandler } from './types';

const handlers: Partial<Record<Stripe.Event.Type, EventHandler>> = {
  'checkout.session.completed': checkoutSessionPaid,
  'checkout.session.async_payment_succeeded': checkoutSessionPaid,
  'checkout.session.expired': checkoutSessionEnded,
  'checkout.session.async_payment_failed': checkoutSessionEnded,
  'charge.refunded': chargeRefunded,
};

export interface ProcessResult {
  duplicate: boolean;
  outcome: string;
  bookingNumber: string | null;
}

export async function processStripeEvent(event: Stripe.Event): Promise<ProcessResult> {
  try {
    const result = await withRetry(() =>
      pool().begin(async (tx): Promise<ProcessResult> => {
        const db = tx as unknown as Sql;
        const fresh = await recordStripeEvent({ id: event.id, type: event.type, payload: event }, db);
        if (!fresh) return { duplicate: true, outcome: 'duplicate', bookingNumber: null };
        const handle = handlers[event.type];
        const done = handle ? await handle(event, db) : { outcome: 'ignored', bookingNumber: null, jobs: [] };
        await enqueueInTransaction(db, done.jobs);
        await finishStripeEvent({ id: event.id, outcome: done.outcome, bookingNumber: done.bookingNumber }, db);
        return { duplicate: false, outcome: done.outcome, bookingNumber: done.bookingNumber };
      }),
    );
    logger.info({ event: 'stripe_event', stripeEvent: event.id, type: event.type, ...result }, 'Stripe event processed');
    return result;
  } catch (err) {
    await failStripeEvent({ id: event.id, type: event.type, payload: event }, String(err instanceof Error ? err.message : err)).catch(
      (recordErr: unknown) => logger.warn({ event: 'stripe_event_unrecorded', stripeEvent: event.id, err: recordErr }, 'Could not record a failed Stripe event'),
    );
    throw err;
  }
}
