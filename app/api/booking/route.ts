/** GET /api/booking: the visitor's booking (from the hold cookie), for the basket and the banner. */
import { AppError } from '@/db/errors';
import { getBooking } from '@/db/reservations';
import { holdFromCookieHeader } from '@/lib/hold-cookie';
import { handler } from '@/lib/http';
import { BookingNumber, HoldToken } from '@/lib/schemas';

export const dynamic = 'force-dynamic';

export const GET = handler('Error reading booking', async (req) => {
  const hold = holdFromCookieHeader(req.headers.get('cookie'));
  if (!hold || !BookingNumber.safeParse(hold.bookingNumber).success || !HoldToken.safeParse(hold.holdToken).success) {
    throw new AppError('booking_not_found', 'There is no booking in this browser.');
  }
  return Response.json(await getBooking(hold), { headers: { 'cache-control': 'no-store' } });
});
