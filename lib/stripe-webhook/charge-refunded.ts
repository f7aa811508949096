/**
 * charge.refunded: a full refund cancels the booking and frees its seats; a partial one is
 * recorded. A refund of a payment whose own event failed and awaits Stripe's redelivery fails
 * too (503 refund_before_payment), so Stripe delivers it again once the payment is in.
 */
import type Stripe from 'stripe';
import type { Sql } from '@/db/client';
import { applyChargeRefunded } from '@/db/payments';
import type { EventResult } from './types';

export async function chargeRefunded(event: Stripe.Event, tx: Sql): Promise<EventResult> {
  const charge = event.data.object as Stripe.Charge;
  const paymentIntent = typeof charge.payment_intent === 'string' ? charge.payment_intent : (charge.payment_intent?.id ?? null);
  if (!paymentIntent) return { outcome: 'unknown_payment', bookingNumber: null, jobs: [] };
  const result = await applyChargeRefunded(
    { paymentIntent, amountRefunded: charge.amount_refunded, fully: charge.refunded },
    tx,
  );
  return { outcome: result.outcome, bookingNumber: result.bookingNumber ?? null, jobs: [] };
}
