/**
 * Staff changes to bookings that need a job: each runs its stored function and queues the job in
 * the same transaction (jobs/enqueue.ts), so the refund or email exists exactly when the change
 * committed. The callers (server actions) have checked the staff session already.
 */
import {
  staffCreateBooking,
  staffRequestRefund,
  staffResendConfirmation,
  type RefundRequested,
  type ResendQueued,
  type WalkInBooking,
  type WalkInInput,
} from '@/db/admin-bookings';
import { sql as pool, type Sql } from '@/db/client';
import { withRetry } from '@/db/retry';
import { enqueueInTransaction } from '@/jobs/enqueue';
import { refundPayment, type RefundPaymentPayload } from '@/jobs/refund-payment';
import { emailJobs } from '@/jobs/send-email';

function inTransaction<T>(run: (tx: Sql) => Promise<T>): Promise<T> {
  return withRetry(() => pool().begin((tx) => run(tx as unknown as Sql)) as Promise<T>);
}

/** Records a staff refund request and queues its refund-payment job. */
export function requestRefund(input: { bookingNumber: string; staffId: number; amountMinor: number; reason?: string | null }): Promise<RefundRequested> {
  return inTransaction(async (tx) => {
    const requested = await staffRequestRefund(input, tx);
    const data: RefundPaymentPayload = {
      bookingNumber: requested.bookingNumber,
      paymentIntent: requested.paymentIntent,
      amountMinor: requested.amountMinor,
      reason: 'staff_refund',
      refundRequestId: requested.requestId,
    };
    await enqueueInTransaction(tx, [{ queue: refundPayment.name, data }]);
    return requested;
  });
}

/** Queues the confirmation email again and its send-email job. */
export function resendConfirmation(input: { bookingNumber: string; staffId: number }): Promise<ResendQueued> {
  return inTransaction(async (tx) => {
    const queued = await staffResendConfirmation(input, tx);
    await enqueueInTransaction(tx, emailJobs([queued.outboxId]));
    return queued;
  });
}

/** Books a phone or walk-in customer and queues the confirmation emails. */
export function createWalkInBooking(input: WalkInInput): Promise<WalkInBooking> {
  return inTransaction(async (tx) => {
    const booking = await staffCreateBooking(input, tx);
    await enqueueInTransaction(tx, emailJobs(booking.emails));
    return booking;
  });
}
