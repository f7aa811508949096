/**
 * POST /api/webhook: Stripe's events. The signature is verified on the raw body (400 and nothing
 * changed when it does not match); each event id is processed once in effect, whatever
 * duplicates or order Stripe delivers (lib/stripe-webhook). Unknown event types are recorded and
 * answered 200. A failure Stripe should retry answers 500.
 */
import { AppError } from '@/db/errors';
import { boundedText, handler } from '@/lib/http';
import { logger } from '@/lib/logger';
import { stripe, webhookSecret } from '@/lib/stripe';
import { processStripeEvent } from '@/lib/stripe-webhook/process-event';

export const dynamic = 'force-dynamic';

const MAX_EVENT_BYTES = 512 * 1024;

export const POST = handler('Error processing Stripe webhook', async (req) => {
  const client = stripe();
  const secret = webhookSecret();
  if (!client || !secret) throw new AppError('payments_not_configured');

  const body = await boundedText(req, MAX_EVENT_BYTES);
  let event;
  try {
    event = client.webhooks.constructEvent(body, req.headers.get('stripe-signature') ?? '', secret);
  } catch (err) {
    logger.warn({ event: 'webhook_rejected', reason: err instanceof Error ? err.message : String(err) }, 'Webhook signature rejected');
    throw new AppError('invalid_signature');
  }
  const result = await processStripeEvent(event);
  return Response.json({ received: true, ...result });
});
