/**
 * The visitor's booking, for server components: read from the hold cookie (booking number and
 * token) and fetched with the token, so nobody sees a booking by knowing its number alone.
 */
import 'server-only';
import { cookies } from 'next/headers';
import { AppError } from '@/db/errors';
import { getBooking, type Booking } from '@/db/reservations';
import { HOLD_COOKIE, parseHoldCookieValue } from './hold-cookie';
import { BookingNumber, HoldToken } from './schemas';

/** The current visitor's booking, or null when they have none (or the cookie is stale). */
export async function currentBooking(): Promise<Booking | null> {
  const raw = (await cookies()).get(HOLD_COOKIE)?.value;
  const hold = raw ? parseHoldCookieValue(raw) : undefined;
  if (!hold || !BookingNumber.safeParse(hold.bookingNumber).success || !HoldToken.safeParse(hold.holdToken).success) return null;
  try {
    return await getBooking(hold);
  } catch (err) {
    if (err instanceof AppError && (err.code === 'booking_not_found' || err.code === 'invalid_hold_token')) return null;
    throw err;
  }
}
