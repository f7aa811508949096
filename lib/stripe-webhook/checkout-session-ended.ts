/**
 * checkout.session.expired and checkout.session.async_payment_failed: no money will come from
 * this session. The hold it was waiting on is released (unless the booking moved on).
 */
import type Stripe from 'stripe';
import type { Sql } from '@/db/client';
import { releaseCheckout } from '@/db/payments';
import type { EventResult } from './types';

export async function checkoutSessionEnded(event: Stripe.Event, tx: Sql): Promise<EventResult> {
  const session = event.data.object as Stripe.Checkout.Session;
  const bookingNumber = session.metadata?.booking_number ?? session.client_reference_id ?? null;
  const result = await releaseCheckout({ bookingNumber, sessionId: session.id }, tx);
  return { outcome: result.outcome, bookingNumber, jobs: [] };
}
