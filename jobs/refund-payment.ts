/**
 * Queue `refund-payment`: refunds a payment that Holdfast cannot honour — a late payment whose
 * seats were taken (refund_due), or a second payment for a booking already paid. Queued in the
 * same transaction as the webhook that found it. The Stripe idempotency key is the payment
 * intent, so however often the job runs, Stripe makes one refund.
 */
import { z } from 'zod';
import { recordRefund } from '@/db/payments';
import { logger } from '@/lib/logger';
import { stripe } from '@/lib/stripe';

export const refundPayment = {
  name: 'refund-payment',
  // 5 s, 10 s, 20 s … capped at an hour: Stripe being down for a day still ends in a refund.
  options: { retryLimit: 40, retryDelay: 5, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 120 },
  payload: z.object({
    bookingNumber: z.string().min(1),
    paymentIntent: z.string().min(1),
    amountMinor: z.number().int().positive(),
    reason: z.enum(['late_payment', 'duplicate_payment']),
  }),
} as const;
export type RefundPaymentPayload = z.infer<typeof refundPayment.payload>;

export async function handleRefundPayment(jobs: { id: string; data: unknown }[]): Promise<void> {
  for (const job of jobs) {
    const payload = refundPayment.payload.parse(job.data);
    const log = logger.child({ queue: refundPayment.name, jobId: job.id, ...payload });
    const client = stripe();
    if (!client) {
      log.error({ event: 'refund_failed' }, 'Cannot refund: Stripe is not configured');
      throw new Error('Stripe is not configured');
    }
    try {
      const refund = await client.refunds.create(
        {
          payment_intent: payload.paymentIntent,
          amount: payload.amountMinor,
          ...(payload.reason === 'duplicate_payment' && { reason: 'duplicate' as const }),
          metadata: { booking_number: payload.bookingNumber, holdfast_reason: payload.reason },
        },
        { idempotencyKey: `holdfast-refund-${payload.paymentIntent}` },
      );
      const recorded = await recordRefund({
        bookingNumber: payload.bookingNumber,
        paymentIntent: payload.paymentIntent,
        refundId: refund.id,
        amountMinor: refund.amount,
      });
      log.info({ event: 'refunded', refundId: refund.id, status: recorded.status }, 'Payment refunded');
    } catch (err) {
      log.error({ event: 'refund_failed', err }, 'Refund failed; will retry');
      throw err;
    }
  }
}
