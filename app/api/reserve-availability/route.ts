/** POST /api/reserve-availability: hold seats on a start time, creating or extending a booking. */
import { z } from 'zod';
import { reserveSeats } from '@/db/reservations';
import { scheduleHoldExpiry } from '@/jobs/expire-hold';
import { AppError } from '@/db/errors';
import { clientKey } from '@/lib/client-key';
import { holdCookie, tokenFromCookie } from '@/lib/hold-cookie';
import { handler, readBody } from '@/lib/http';
import { BookingNumber, HoldToken, Id } from '@/lib/schemas';

export const dynamic = 'force-dynamic';

const ReserveRequest = z.strictObject({
  slotId: Id,
  quantity: z.coerce.number().int().min(1).max(1000).default(1),
  bookingNumber: BookingNumber.optional(),
  holdToken: HoldToken.optional(),
});


export const POST = handler('Error reserving availability', async (req) => {
  const body = await readBody(req, ReserveRequest);
  const holdToken = body.bookingNumber ? (body.holdToken ?? tokenFromCookie(req, body.bookingNumber)) : undefined;
  if (body.bookingNumber && !holdToken) throw new AppError('invalid_hold_token', 'A hold token is required to add to a booking.');

  const result = await reserveSeats({ ...body, holdToken, clientKey: clientKey(req) });
  if (!result.ok) {
    throw new AppError(result.code, undefined, { remaining: result.remaining });
  }

  scheduleHoldExpiry(result.bookingNumber, result.expiresAt);

  const { ok: _ok, holdToken: newToken, ...booking } = result;
  const token = newToken ?? holdToken!;
  const secondsLeft = (Date.parse(booking.expiresAt) - Date.now()) / 1000;
  return Response.json(
    { ...booking, ...(newToken ? { holdToken: newToken } : {}) },
    { status: newToken ? 201 : 200, headers: { 'set-cookie': holdCookie(booking.bookingNumber, token, secondsLeft + 3600) } },
  );
});
