/**
 * Queue `refund-payment`: refunds a payment that Holdfast cannot honour — a late payment whose
 * seats were taken (refund_due), a second payment for a booking already paid, a payment of
 * another amount than the booking's (a session made before the basket changed), or one for a
 * hold staff had given back — and refunds
 * staff ask for (`staff_refund`, full or partial: data.refund_requests). Queued in the same
 * transaction as the webhook or staff request that needs it. The Stripe idempotency key is the
 * payment intent (plus the refund request id for staff refunds, so two separate partial refunds
 * are two refunds), so however often the job runs, Stripe makes each refund once.
 */
import Stripe from 'stripe';
import { z } from 'zod';
import { failStaffRefund, recordStaffRefund } from '@/db/admin-bookings';
import { recordRefund } from '@/db/payments';
import { logger } from '@/lib/logger';
import { stripe } from '@/lib/stripe';

export const refundPayment = {
  name: 'refund-payment',
  // 5 s, 10 s, 20 s … capped at an hour, 26 retries: about 17 hours, so Stripe being down for
  // most of a day still ends in a refund, and every retry falls within the 24 hours Stripe keeps
  // an idempotency key (a retry after that could make a staff refund twice).
  options: { retryLimit: 26, retryDelay: 5, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 120 },
  payload: z.discriminatedUnion('reason', [
    z.object({
      bookingNumber: z.string().min(1),
      paymentIntent: z.string().min(1),
      amountMinor: z.number().int().positive(),
      reason: z.enum(['late_payment', 'duplicate_payment', 'payment_mismatch', 'released_by_staff']),
    }),
    z.object({
      bookingNumber: z.string().min(1),
      paymentIntent: z.string().min(1),
      amountMinor: z.number().int().positive(),
      reason: z.literal('staff_refund'),
      refundRequestId: z.number().int().positive(),
    }),
  ]),
} as const;
export type RefundPaymentPayload = z.infer<typeof refundPayment.payload>;

export async function handleRefundPayment(jobs: { id: string; data: unknown; retryCount?: number }[]): Promise<void> {
  for (const job of jobs) {
    const payload = refundPayment.payload.parse(job.data);
    const log = logger.child({ queue: refundPayment.name, jobId: job.id, ...payload });
    // pg-boss will not run this job again: a staff refund must end as made or failed, not stay asked for.
    const lastAttempt = (job.retryCount ?? 0) >= refundPayment.options.retryLimit;
    const client = stripe();
    if (!client) {
      log.error({ event: 'refund_failed' }, 'Cannot refund: Stripe is not configured');
      if (payload.reason === 'staff_refund' && lastAttempt) {
        await failStaffRefund({ requestId: payload.refundRequestId, error: 'Stripe is not configured: nothing was refunded.' });
        continue;
      }
      throw new Error('Stripe is not configured');
    }
    if (payload.reason === 'staff_refund') {
      await staffRefund(client, payload, log, lastAttempt);
      continue;
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

type StaffRefundPayload = Extract<RefundPaymentPayload, { reason: 'staff_refund' }>;

/**
 * A refund staff asked for. Stripe refusing the request itself (more than is left on the charge,
 * a payment refunded elsewhere) will not change on a retry: the request is marked failed, which
 * the booking page shows and which makes the amount refundable again. Anything else is retried;
 * on the last attempt the payment's refunds at Stripe are looked through for this request (made
 * by an earlier attempt whose answer was lost), and without one the request is marked failed,
 * saying so, rather than left "requested" for ever.
 */
async function staffRefund(client: Stripe, payload: StaffRefundPayload, log: typeof logger, lastAttempt: boolean): Promise<void> {
  let refund: Stripe.Refund;
  try {
    refund = await client.refunds.create(
      {
        payment_intent: payload.paymentIntent,
        amount: payload.amountMinor,
        reason: 'requested_by_customer',
        metadata: {
          booking_number: payload.bookingNumber,
          holdfast_reason: payload.reason,
          holdfast_refund_request: String(payload.refundRequestId),
        },
      },
      { idempotencyKey: `holdfast-refund-${payload.paymentIntent}-staff-${payload.refundRequestId}` },
    );
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError) {
      await failStaffRefund({ requestId: payload.refundRequestId, error: `${err.code ?? 'invalid_request'}: ${err.message}` });
      log.error({ event: 'refund_refused', err }, 'Stripe refused the staff refund');
      return;
    }
    if (!lastAttempt) {
      log.error({ event: 'refund_failed', err }, 'Refund failed; will retry');
      throw err;
    }
    const earlier = await refundOfRequest(client, payload).catch(() => undefined);
    if (!earlier) {
      const message = err instanceof Error ? err.message : String(err);
      await failStaffRefund({
        requestId: payload.refundRequestId,
        error:
          earlier === null
            ? `Gave up after ${refundPayment.options.retryLimit + 1} attempts: ${message}`
            : `Gave up after ${refundPayment.options.retryLimit + 1} attempts (${message}); Stripe could not be asked whether it was made: check its dashboard before refunding again.`,
      });
      log.error({ event: 'refund_given_up', err }, 'Staff refund failed for good');
      return;
    }
    refund = earlier;
  }
  const recorded = await recordStaffRefund({ requestId: payload.refundRequestId, refundId: refund.id, amountMinor: refund.amount });
  log.info({ event: 'refunded', refundId: refund.id, status: recorded.status }, 'Staff refund made');
}

/** The refund an earlier attempt of this request made at Stripe, or null when there is none. */
async function refundOfRequest(client: Stripe, payload: StaffRefundPayload): Promise<Stripe.Refund | null> {
  const refunds = await client.refunds.list({ payment_intent: payload.paymentIntent, limit: 100 });
  return refunds.data.find((r) => r.metadata?.holdfast_refund_request === String(payload.refundRequestId)) ?? null;
}
