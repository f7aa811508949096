/**
 * Typed wrappers of the payment stored functions (db/migrations/0002_payments.sql). Functions
 * the webhook calls take the transaction it runs in, so an event's effect and its "processed"
 * mark commit together.
 */
import { z } from 'zod';
import { LocalDateTime } from '../lib/schemas';
import { call } from './call';
import { sql as pool, type Sql } from './client';
import { Booking } from './reservations';

const OutboxIds = z.array(z.number());

export const CheckoutStart = z.discriminatedUnion('action', [
  Booking.extend({ action: z.literal('confirmed'), emails: OutboxIds }),
  z.object({ action: z.literal('existing'), url: z.string(), bookingNumber: z.string() }),
  Booking.extend({
    action: z.literal('create'),
    generation: z.number().int(),
    checkoutExpiresAt: z.string(),
    customerEmail: z.string(),
    itemsDetail: z.array(
      z.object({
        experienceName: z.string(),
        startsAt: z.string(),
        endsAt: z.string(),
        timezone: z.string(),
        localStartsAt: LocalDateTime,
        localEndsAt: LocalDateTime,
        quantity: z.number(),
        unitPriceMinor: z.number(),
      }),
    ),
  }),
]);
export type CheckoutStart = z.infer<typeof CheckoutStart>;

export interface Contact {
  name: string;
  email: string;
  phone: string | null;
}

/** The contact form was submitted (api.begin_checkout). */
export function beginCheckout(
  input: { bookingNumber: string; holdToken: string; contact: Contact; stripeEnabled: boolean },
  db?: Sql,
): Promise<CheckoutStart> {
  return call(
    CheckoutStart,
    (sql) => sql`
      select api.begin_checkout(
        p_booking_number => ${input.bookingNumber}::text,
        p_hold_token => ${input.holdToken}::text,
        p_customer_name => ${input.contact.name}::text,
        p_customer_email => ${input.contact.email}::text,
        p_customer_phone => ${input.contact.phone}::text,
        p_stripe_enabled => ${input.stripeEnabled}::boolean) as result`,
    db,
  );
}

export function attachCheckoutSession(
  input: { bookingNumber: string; generation: number; sessionId: string; url: string },
  db?: Sql,
): Promise<boolean> {
  return call(
    z.boolean(),
    (sql) => sql`
      select api.attach_checkout_session(
        p_booking_number => ${input.bookingNumber}::text,
        p_generation => ${input.generation}::int,
        p_session_id => ${input.sessionId}::text,
        p_url => ${input.url}::text) as result`,
    db,
  );
}

export function abortCheckout(input: { bookingNumber: string; generation: number }, db?: Sql): Promise<boolean> {
  return call(
    z.boolean(),
    (sql) => sql`
      select api.abort_checkout(p_booking_number => ${input.bookingNumber}::text, p_generation => ${input.generation}::int) as result`,
    db,
  );
}

/**
 * "Change my booking" while paying, step one (api.checkout_to_cancel): locks the live hold for
 * the rest of the transaction `db` runs and names the open Stripe session to expire before step
 * two (null: nothing to expire).
 */
export function checkoutToCancel(
  input: { bookingNumber: string; holdToken: string },
  db: Sql,
): Promise<{ status: Booking['status']; sessionId: string | null }> {
  return call(
    z.object({ status: Booking.shape.status, sessionId: z.string().nullable() }),
    (sql) => sql`select api.checkout_to_cancel(${input.bookingNumber}::text, ${input.holdToken}::text) as result`,
    db,
  );
}

/** Step two (api.cancel_checkout): the booking is held again and can change. */
export function cancelCheckout(input: { bookingNumber: string; holdToken: string }, db: Sql): Promise<Booking> {
  return call(Booking, (sql) => sql`select api.cancel_checkout(${input.bookingNumber}::text, ${input.holdToken}::text) as result`, db);
}

export const PaymentOutcome = z.object({
  outcome: z.enum(['confirmed', 'late_confirmed', 'refund_due', 'duplicate', 'duplicate_payment', 'payment_mismatch', 'released_by_staff', 'unknown_booking']),
  bookingNumber: z.string().optional(),
  emails: OutboxIds,
  refund: z.boolean(),
  paymentIntent: z.string().nullable().optional(),
  amountMinor: z.number().nullable().optional(),
});
export type PaymentOutcome = z.infer<typeof PaymentOutcome>;

/** Money arrived for a booking (api.apply_payment). */
export function applyPayment(
  input: { bookingNumber: string | null; sessionId: string; paymentIntent: string | null; amountMinor: number | null; currency: string | null },
  db: Sql,
): Promise<PaymentOutcome> {
  return call(
    PaymentOutcome,
    (sql) => sql`
      select api.apply_payment(
        p_booking_number => ${input.bookingNumber}::text,
        p_session_id => ${input.sessionId}::text,
        p_payment_intent => ${input.paymentIntent}::text,
        p_amount_minor => ${input.amountMinor}::bigint,
        p_currency => ${input.currency}::text) as result`,
    db,
  );
}

export const SimpleOutcome = z.object({ outcome: z.string(), bookingNumber: z.string().optional() }).loose();
export type SimpleOutcome = z.infer<typeof SimpleOutcome>;

/** A checkout session expired or its async payment failed (api.release_checkout). */
export function releaseCheckout(input: { bookingNumber: string | null; sessionId: string }, db: Sql): Promise<SimpleOutcome> {
  return call(
    SimpleOutcome,
    (sql) => sql`
      select api.release_checkout(p_booking_number => ${input.bookingNumber}::text, p_session_id => ${input.sessionId}::text) as result`,
    db,
  );
}

/** Stripe reports a refund (api.apply_charge_refunded). */
export function applyChargeRefunded(
  input: { paymentIntent: string; amountRefunded: number; fully: boolean },
  db: Sql,
): Promise<SimpleOutcome> {
  return call(
    SimpleOutcome,
    (sql) => sql`
      select api.apply_charge_refunded(
        p_payment_intent => ${input.paymentIntent}::text,
        p_amount_refunded => ${input.amountRefunded}::bigint,
        p_fully => ${input.fully}::boolean) as result`,
    db,
  );
}

export const RefundTarget = z.object({
  bookingNumber: z.string(),
  status: Booking.shape.status,
  paymentIntent: z.string().nullable(),
  paidMinor: z.number(),
  refundedMinor: z.number(),
  currency: z.string().nullable(),
  refundId: z.string().nullable(),
});
export type RefundTarget = z.infer<typeof RefundTarget>;

export function refundTarget(bookingNumber: string, db?: Sql): Promise<RefundTarget | null> {
  return call(RefundTarget.nullable(), (sql) => sql`select api.refund_target(${bookingNumber}::text) as result`, db);
}

export function recordRefund(
  input: { bookingNumber: string; paymentIntent: string; refundId: string; amountMinor: number },
  db?: Sql,
): Promise<SimpleOutcome> {
  return call(
    SimpleOutcome,
    (sql) => sql`
      select api.record_refund(
        p_booking_number => ${input.bookingNumber}::text,
        p_payment_intent => ${input.paymentIntent}::text,
        p_refund_id => ${input.refundId}::text,
        p_amount_minor => ${input.amountMinor}::bigint) as result`,
    db,
  );
}

/** Records a webhook delivery and locks its event row; true when it still needs processing. */
export function recordStripeEvent(event: { id: string; type: string; payload: unknown }, db: Sql): Promise<boolean> {
  return call(
    z.boolean(),
    (sql) => sql`
      select api.record_stripe_event(p_id => ${event.id}::text, p_type => ${event.type}::text,
                                     p_payload => ${sql.json(event.payload as never)}::jsonb) as result`,
    db,
  );
}

export async function finishStripeEvent(input: { id: string; outcome: string; bookingNumber: string | null }, db: Sql): Promise<void> {
  await db`select api.finish_stripe_event(p_id => ${input.id}::text, p_outcome => ${input.outcome}::text,
                                          p_booking_number => ${input.bookingNumber}::text)`;
}

/** Keeps why a delivery failed (outside the failed transaction). */
export async function failStripeEvent(event: { id: string; type: string; payload: unknown }, error: string): Promise<void> {
  await pool()`select api.fail_stripe_event(p_id => ${event.id}::text, p_type => ${event.type}::text,
                                            p_payload => ${pool().json(event.payload as never)}::jsonb, p_error => ${error}::text)`;
}
