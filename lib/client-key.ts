/**
 * A stable, anonymous key per client for the live-holds cap: a hash of the first address in
 * X-Forwarded-For (set by Vercel and by any reverse proxy), so no raw IP is stored.
 */
import { createHash } from 'node:crypto';
import type { HeaderReader } from './http';

export function clientKey(headers: HeaderReader): string {
  const forwarded = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  const address = forwarded || headers.get('x-real-ip')?.trim() || 'unknown';
  return createHash('sha256').update(`holdfast-client:${address}`).digest('hex').slice(0, 32);
}
