/**
 * GET /api/booking: the visitor's booking (from the hold cookie), for the basket and the banner.
 * A browser without a hold cookie has no booking: that is an answer (`null`), not an error. It
 * is the usual state after a hold was given back by hand (that release clears the cookie), and a
 * 404 there made the browser log an error on every visit to the basket. A hold given back by the
 * beacon keeps its cookie, and is answered with its status (`released`).
 */
import { getBooking } from '@/db/reservations';
import { holdFromCookieHeader } from '@/lib/hold-cookie';
import { handler } from '@/lib/http';
import { BookingNumber, HoldToken } from '@/lib/schemas';

export const dynamic = 'force-dynamic';

export const GET = handler('Error reading booking', async (req) => {
  const hold = holdFromCookieHeader(req.headers.get('cookie'));
  if (!hold || !BookingNumber.safeParse(hold.bookingNumber).success || !HoldToken.safeParse(hold.holdToken).success) {
    return Response.json(null, { headers: { 'cache-control': 'no-store' } });
  }
  return Response.json(await getBooking(hold), { headers: { 'cache-control': 'no-store' } });
});
