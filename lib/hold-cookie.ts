/**
 * The hold token also travels in an HttpOnly cookie, so `navigator.sendBeacon` on page close
 * carries it without the page's script ever storing it. Value: `<booking number>.<token>`.
 */
import { AppError } from '@/db/errors';
import { overHttps, type HeaderReader } from './http';
import { BookingNumber, HoldToken } from './schemas';

export const HOLD_COOKIE = 'hf_hold';

/**
 * The hold cookie for a booking whose hold runs until `expiresAt`; it outlives the hold by an
 * hour. `Secure` when the site is served over HTTPS (the request came over it, as a proxy reports
 * in X-Forwarded-Proto, or SITE_URL says so), so the token never travels over plain HTTP.
 */
export function holdCookie(bookingNumber: string, token: string, expiresAt: string, headers: HeaderReader): string {
  const maxAgeSeconds = (Date.parse(expiresAt) - Date.now()) / 1000 + 3600;
  const secure = overHttps(headers) ? '; Secure' : '';
  return `${HOLD_COOKIE}=${bookingNumber}.${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${Math.max(60, Math.ceil(maxAgeSeconds))}${secure}`;
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
  const value = decoded(raw);
  if (value === undefined) return undefined;
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
    const value = decoded(rest.join('='));
    const dot = value?.lastIndexOf('.') ?? -1;
    if (value && dot > 0 && value.slice(0, dot) === bookingNumber) return value.slice(dot + 1);
  }
  return undefined;
}

/**
 * The visitor's hold from the cookie alone (routes that act on "the booking in this browser"):
 * 404 `booking_not_found` when there is none, or it is not a booking number and token.
 */
export function requireHoldFromCookie(headers: HeaderReader): { bookingNumber: string; holdToken: string } {
  const found = holdFromCookieHeader(headers.get('cookie'));
  if (!found || !BookingNumber.safeParse(found.bookingNumber).success || !HoldToken.safeParse(found.holdToken).success) {
    throw new AppError('booking_not_found', 'There is no booking in this browser.');
  }
  return found;
}

/** A cookie value URI-decoded; undefined when it is not valid percent-encoding (a cookie is the client's to send). */
function decoded(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
