/**
 * DELETE /api/booking/checkout: "change my booking" while paying. Once payment has started the
 * basket is frozen, so that the Stripe session pays for exactly what is held; a visitor back
 * from the payment page without paying could otherwise change nothing until the session expired
 * half an hour later. This expires the open session at Stripe, then makes the booking held again
 * (api.checkout_to_cancel / api.cancel_checkout, migration 0023), all while the booking is
 * locked, so the session's own expiry event waits and then finds nothing waiting on it. The
 * hold is cut back to the experience's hold duration from now (checkout had stretched it to
 * outlive the session). A booking already held is answered as it is.
 *
 * The booking and its token come from the hold cookie. 409 `payment_completed` when Stripe says
 * the session is paid (the webhook confirms the booking); 503 `payment_unavailable` when Stripe
 * cannot be reached; 410 `hold_expired` when the hold ran out. Nothing changes on any of them.
 */
import Stripe from 'stripe';
import { sql as pool, type Sql } from '@/db/client';
import { AppError } from '@/db/errors';
import { cancelCheckout, checkoutToCancel } from '@/db/payments';
import { scheduleHoldExpiry } from '@/jobs/expire-hold';
import { requireHoldFromCookie } from '@/lib/hold-cookie';
import { handler } from '@/lib/http';
import { logger } from '@/lib/logger';
import { stripe } from '@/lib/stripe';

export const dynamic = 'force-dynamic';

/** Stripe's answer is awaited with the booking locked: a short wait, one retry. */
const STRIPE_CALL = { timeout: 8_000, maxNetworkRetries: 1 } as const;

export const DELETE = handler('Error cancelling checkout', async (req) => {
  const hold = requireHoldFromCookie(req.headers);
  const booking = await pool().begin(async (tx) => {
    const db = tx as unknown as Sql;
    const { sessionId } = await checkoutToCancel(hold, db);
    if (sessionId) await expireSession(hold.bookingNumber, sessionId);
    return cancelCheckout(hold, db);
  });
  scheduleHoldExpiry(booking.bookingNumber, booking.expiresAt);
  logger.info({ event: 'checkout_cancelled', bookingNumber: booking.bookingNumber }, 'Checkout cancelled to change the booking');
  return Response.json(booking);
});

/** Expires a Checkout Session; one Stripe reports expired already will do, a complete one will not. */
async function expireSession(bookingNumber: string, sessionId: string): Promise<void> {
  const client = stripe();
  if (!client) {
    // The session was made while Stripe was configured; without it nothing can stop it being paid.
    throw new AppError('payment_unavailable', 'Online payment is not configured, so the open payment cannot be stopped.');
  }
  try {
    await client.checkout.sessions.expire(sessionId, {}, STRIPE_CALL);
    return;
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError) {
      // Not open any more: expired (by itself, or by an earlier call), or paid.
      const session = await client.checkout.sessions.retrieve(sessionId, {}, STRIPE_CALL).catch(() => undefined);
      if (session?.status === 'expired') return;
      if (session?.status === 'complete') throw new AppError('payment_completed');
    }
    logger.error({ event: 'checkout_cancel_failed', bookingNumber, sessionId, err }, 'Error cancelling checkout');
    throw new AppError('payment_unavailable');
  }
}
