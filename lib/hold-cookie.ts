/**
 * The hold token also travels in an HttpOnly cookie, so `navigator.sendBeacon` on page close
 * carries it without the page's script ever storing it. Value: `<booking number>.<token>`.
 */
import type { HeaderReader } from './http';

export const HOLD_COOKIE = 'hf_hold';

/** The hold cookie for a booking whose hold runs until `expiresAt`; it outlives the hold by an hour. */
export function holdCookie(bookingNumber: string, token: string, expiresAt: string): string {
  const maxAgeSeconds = (Date.parse(expiresAt) - Date.now()) / 1000 + 3600;
  return `${HOLD_COOKIE}=${bookingNumber}.${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.max(60, Math.ceil(maxAgeSeconds))}`;
}

export function clearHoldCookie(): string {
  return `${HOLD_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

/** Booking number and token from a `Cookie` header (or a cookie value), if it has a hold cookie. */
export function holdFromCookieHeader(header: string | null | undefined): { bookingNumber: string; holdToken: string } | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== HOLD_COOKIE) continue;
    return parseHoldCookieValue(rest.join('='));
  }
  return undefined;
}

export function parseHoldCookieValue(raw: string): { bookingNumber: string; holdToken: string } | undefined {
  const value = decodeURIComponent(raw);
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return { bookingNumber: value.slice(0, dot), holdToken: value.slice(dot + 1) };
}

/** The token for `bookingNumber` from the request's cookie, if it holds that booking. */
export function tokenFromCookie(headers: HeaderReader, bookingNumber: string): string | undefined {
  const header = headers.get('cookie') ?? '';
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== HOLD_COOKIE) continue;
    const value = decodeURIComponent(rest.join('='));
    const dot = value.lastIndexOf('.');
    if (dot > 0 && value.slice(0, dot) === bookingNumber) return value.slice(dot + 1);
  }
  return undefined;
}
