/**
 * A stable, anonymous key per client for the live-holds cap: a hash of the client's address, so
 * no raw IP is stored. The address is the one the outermost trusted proxy saw: the
 * TRUSTED_PROXY_HOPS-th entry of X-Forwarded-For from the right (each proxy appends the address
 * it was called from; anything further left came from the client and could be anything, so a
 * client sending a fresh header with every request must not get a fresh key). With no proxy
 * (TRUSTED_PROXY_HOPS=0) the connection's own address.
 */
import { createHash } from 'node:crypto';
import { env } from './env';
import type { HeaderReader } from './http';

export function clientKey(headers: HeaderReader, remoteAddress?: string): string {
  return keyOf(clientAddress(headers, remoteAddress));
}

function keyOf(address: string): string {
  return createHash('sha256').update(`holdfast-client:${address}`).digest('hex').slice(0, 32);
}

export function clientAddress(headers: HeaderReader, remoteAddress: string | undefined, hops = env().TRUSTED_PROXY_HOPS): string {
  if (hops > 0) {
    const forwarded = (headers.get('x-forwarded-for') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    // Fewer entries than proxies: the request came through fewer of them; the leftmost is the furthest seen.
    const address = forwarded.at(-hops) ?? forwarded[0] ?? headers.get('x-real-ip')?.trim();
    if (address) return address;
  }
  return remoteAddress || 'unknown';
}

/** The client key when the client's address is known (behind the trusted proxies, or the connection's), else null. */
export function knownClientKey(headers: HeaderReader, remoteAddress?: string): string | null {
  const address = clientAddress(headers, remoteAddress);
  return address === 'unknown' ? null : keyOf(address);
}
