/**
 * The Stripe client, when Stripe is configured (STRIPE_SECRET_KEY + STRIPE_WEBHOOK_SECRET).
 * Without it Holdfast confirms bookings with payment due on arrival. STRIPE_API_BASE points the
 * real SDK at a local fake (tests; these machines cannot reach Stripe).
 */
import Stripe from 'stripe';
import { env } from './env';

let cached: { key: string; client: Stripe } | undefined;

/** Whether online payment is possible at all. */
export function stripeEnabled(): boolean {
  return Boolean(env().STRIPE_SECRET_KEY && env().STRIPE_WEBHOOK_SECRET);
}

/** The Stripe client, or undefined when Stripe is not configured. */
export function stripe(): Stripe | undefined {
  const { STRIPE_SECRET_KEY: key, STRIPE_API_BASE: base } = env();
  if (!key) return undefined;
  const cacheKey = `${key} ${base ?? ''}`;
  if (cached?.key !== cacheKey) {
    const url = base ? new URL(base) : undefined;
    cached = {
      key: cacheKey,
      client: new Stripe(key, {
        maxNetworkRetries: 2,
        timeout: 15_000,
        telemetry: false,
        appInfo: { name: 'Holdfast' },
        ...(url && {
          host: url.hostname,
          port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
          protocol: url.protocol === 'https:' ? ('https' as const) : ('http' as const),
        }),
      }),
    };
  }
  return cached.client;
}

/** The webhook signing secret (whsec_…), or undefined when Stripe is not configured. */
export function webhookSecret(): string | undefined {
  return env().STRIPE_WEBHOOK_SECRET;
}
