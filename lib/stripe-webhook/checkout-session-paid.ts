/**
 * checkout.session.completed (paid) and checkout.session.async_payment_succeeded: the money is
 * in. The database confirms, re-takes lapsed seats or marks the booking refund_due; this queues
 * the emails and the refund it asks for, in the same transaction.
 */
import type Stripe from 'stripe';
import type { Sql } from '@/db/client';
import { applyPayment, type PaymentOutcome } from '@/db/payments';
import type { JobToSend } from '@/jobs/enqueue';
import { refundPayment, type RefundPaymentPayload } from '@/jobs/refund-payment';
import { emailJobs } from '@/jobs/send-email';
import { logger } from '@/lib/logger';
import type { EventResult } from './types';

/** Why a payment is refunded, by the outcome that refuses it (the refund job's `reason`). */
const REFUND_REASON: Partial<Record<PaymentOutcome['outcome'], RefundPaymentPayload['reason']>> = {
  refund_due: 'late_payment',
  duplicate_payment: 'duplicate_payment',
  payment_mismatch: 'payment_mismatch',
  released_by_staff: 'released_by_staff',
};

export async function checkoutSessionPaid(event: Stripe.Event, tx: Sql): Promise<EventResult> {
  const session = event.data.object as Stripe.Checkout.Session;
  const bookingNumber = session.metadata?.booking_number ?? session.client_reference_id ?? null;
  if (event.type === 'checkout.session.completed' && session.payment_status === 'unpaid') {
    // A delayed payment method: the money is not in yet; async_payment_succeeded/failed follows.
    return { outcome: 'awaiting_payment', bookingNumber, jobs: [] };
  }
  const paymentIntent = typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? null);
  const result = await applyPayment(
    {
      bookingNumber,
      sessionId: session.id,
      paymentIntent,
      amountMinor: session.amount_total,
      currency: session.currency?.toUpperCase() ?? null,
    },
    tx,
  );
  const jobs: JobToSend[] = emailJobs(result.emails);
  if (result.refund && paymentIntent && session.amount_total) {
    jobs.push({
      queue: refundPayment.name,
      data: {
        bookingNumber: bookingNumber!,
        paymentIntent,
        amountMinor: session.amount_total,
        reason: REFUND_REASON[result.outcome] ?? 'duplicate_payment',
      },
    });
  }
  if (result.outcome === 'unknown_booking') {
    logger.error({ event: 'payment_unmatched', sessionId: session.id, bookingNumber, paymentIntent }, 'Payment for an unknown booking');
  } else if (result.refund) {
    logger.warn({ event: result.outcome, bookingNumber, paymentIntent }, 'Payment cannot be honoured; refunding');
  }
  return { outcome: result.outcome, bookingNumber, jobs };
}
