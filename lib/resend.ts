/**
 * The Resend client, when RESEND_API_KEY is set. Without it emails are rendered into the outbox
 * and left there (status not_sent) for staff to read. RESEND_BASE_URL points the real SDK at a
 * local fake (tests; these machines cannot reach Resend).
 */
import { Resend } from 'resend';
import { env } from './env';

let cached: { key: string; client: Resend } | undefined;

export function resend(): Resend | undefined {
  const { RESEND_API_KEY: key, RESEND_BASE_URL: base } = env();
  if (!key) return undefined;
  const cacheKey = `${key} ${base ?? ''}`;
  if (cached?.key !== cacheKey) {
    cached = { key: cacheKey, client: base ? new Resend(key, { baseUrl: base }) : new Resend(key) };
  }
  return cached.client;
}
