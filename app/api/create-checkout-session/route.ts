/**
 * POST /api/create-checkout-session: the contact form. Needs the hold token (body or hold
 * cookie). With Stripe configured it answers the URL of a Checkout Session built from the
 * database's prices (never the client's: extra fields are dropped), one line item per booking
 * item; a second call returns the same open session. Without Stripe (or when every item is
 * pay-on-arrival) the booking is confirmed at once with payment due on site.
 */
import { z } from 'zod';
import { sql as pool, type Sql } from '@/db/client';
import { AppError } from '@/db/errors';
import { abortCheckout, attachCheckoutSession, beginCheckout, type CheckoutStart } from '@/db/payments';
import { formatLocalRange } from '@/emails/format';
import { enqueueInTransaction } from '@/jobs/enqueue';
import { emailJobs } from '@/jobs/send-email';
import { env } from '@/lib/env';
import { tokenFromCookie } from '@/lib/hold-cookie';
import { handler, readBody } from '@/lib/http';
import { logger } from '@/lib/logger';
import { BookingNumber, HoldToken } from '@/lib/schemas';
import { stripe, stripeEnabled } from '@/lib/stripe';

export const dynamic = 'force-dynamic';

// z.object, not strictObject: fields a client adds (a price, say) are dropped, not trusted.
const CheckoutRequest = z.object({
  bookingNumber: BookingNumber,
  holdToken: HoldToken.optional(),
  name: z.string().trim().min(1, 'is required').max(200),
  email: z.email('is not an email address').max(254),
  phone: z
    .string()
    .trim()
    .max(40)
    .regex(/^[+0-9 ().-]*$/, 'may contain only digits, spaces and + ( ) . -')
    .optional()
    .transform((v) => v || null),
});

export const POST = handler('Error creating checkout session', async (req) => {
  const body = await readBody(req, CheckoutRequest);
  const holdToken = body.holdToken ?? tokenFromCookie(req.headers, body.bookingNumber);
  if (!holdToken) throw new AppError('invalid_hold_token', 'A hold token is required to pay for a booking.');

  const start = await pool().begin(async (tx) => {
    const db = tx as unknown as Sql;
    const started = await beginCheckout(
      { bookingNumber: body.bookingNumber, holdToken, contact: { name: body.name, email: body.email, phone: body.phone }, stripeEnabled: stripeEnabled() },
      db,
    );
    if (started.action === 'confirmed') await enqueueInTransaction(db, emailJobs(started.emails));
    return started;
  });

  switch (start.action) {
    case 'confirmed':
      logger.info({ event: 'confirmed', bookingNumber: start.bookingNumber, provider: 'on_arrival' }, 'Booking confirmed, pay on arrival');
      return Response.json({
        bookingNumber: start.bookingNumber,
        status: start.status,
        paymentProvider: 'on_arrival',
        totalMinor: start.totalMinor,
        currency: start.currency,
        redirectUrl: `/booking/${start.bookingNumber}`,
      });
    case 'existing':
      return Response.json({ bookingNumber: start.bookingNumber, status: 'checkout', paymentProvider: 'stripe', url: start.url });
    case 'create':
      return Response.json(await createSession(start, env().SITE_URL ?? new URL(req.url).origin));
  }
});

/** Makes the Stripe session of a checkout attempt; the idempotency key is the attempt's. */
async function createSession(start: Extract<CheckoutStart, { action: 'create' }>, siteUrl: string) {
  const client = stripe()!;
  const number = start.bookingNumber;
  const root = siteUrl.replace(/\/+$/, '');
  let session;
  try {
    session = await client.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: start.itemsDetail.map((item) => ({
          quantity: item.quantity,
          price_data: {
            currency: start.currency!.toLowerCase(),
            unit_amount: item.unitPriceMinor,
            product_data: { name: item.experienceName, description: formatLocalRange(item.localStartsAt, item.localEndsAt, item.timezone) },
          },
        })),
        customer_email: start.customerEmail,
        client_reference_id: number,
        metadata: { booking_number: number },
        payment_intent_data: { metadata: { booking_number: number } },
        expires_at: Math.floor(Date.parse(start.checkoutExpiresAt) / 1000),
        success_url: `${root}/booking/${number}?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${root}/booking/${number}?checkout=cancelled`,
      },
      { idempotencyKey: `holdfast-checkout-${number}-${start.generation}` },
    );
  } catch (err) {
    logger.error({ event: 'checkout_failed', bookingNumber: number, generation: start.generation, err }, 'Error creating checkout session');
    await abortCheckout({ bookingNumber: number, generation: start.generation }).catch(() => undefined);
    throw new AppError('payment_unavailable');
  }
  if (!session.url || !(await attachCheckoutSession({ bookingNumber: number, generation: start.generation, sessionId: session.id, url: session.url }))) {
    throw new AppError('booking_not_editable', 'The booking changed while its payment was being prepared; please try again.');
  }
  logger.info({ event: 'checkout_started', bookingNumber: number, sessionId: session.id }, 'Checkout session created');
  return { bookingNumber: number, status: 'checkout', paymentProvider: 'stripe', url: session.url, expiresAt: start.expiresAt };
}
