/**
 * POST /api/booking/resume { bookingNumber }: take up the hold that this browser's beacon gave
 * back a moment ago, when the page unloaded for a reload or an address typed in the same tab
 * (api.resume_hold, migration 0019). The same booking comes back with its number, its seats and
 * its original expiry; a hold still live comes back as it is. The token comes from the hold
 * cookie (or the body). 409 `not_resumable` when the hold was not given back by the beacon in
 * the last 30 seconds, 410 `hold_expired` when its time is up, 409 `sold_out` when its seats
 * went to someone else meanwhile: nothing changes, and the page holds what it can as a new
 * booking.
 */
import { z } from 'zod';
import { AppError } from '@/db/errors';
import { resumeHold } from '@/db/reservations';
import { holdCookie, tokenFromCookie } from '@/lib/hold-cookie';
import { handler, readBody } from '@/lib/http';
import { BookingNumber, HoldToken } from '@/lib/schemas';

export const dynamic = 'force-dynamic';

const ResumeRequest = z.strictObject({
  bookingNumber: BookingNumber,
  holdToken: HoldToken.optional(),
});

export const POST = handler('Error taking up a hold', async (req) => {
  const body = await readBody(req, ResumeRequest);
  const holdToken = body.holdToken ?? tokenFromCookie(req.headers, body.bookingNumber);
  if (!holdToken) throw new AppError('invalid_hold_token', 'A hold token is required to take up a booking.');
  // Its expiry job, sent when the hold was made, still stands: the expiry is the same.
  const booking = await resumeHold({ bookingNumber: body.bookingNumber, holdToken });
  return Response.json(booking, {
    headers: { 'set-cookie': holdCookie(booking.bookingNumber, holdToken, booking.expiresAt, req.headers) },
  });
});
