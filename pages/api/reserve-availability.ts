/**
 * POST /api/reserve-availability: hold seats on a start time, creating or extending a booking.
 *
 * A Pages Router API route (as is GET /api/live): every customer's first click lands here, and
 * Next.js serves a pages/api route with about half the CPU of an App Router route handler, which
 * adapts each request and response to web streams (ARCHITECTURE, "Why two endpoints are pages/api
 * routes").
 * Same plumbing otherwise: lib/http validates the body and turns failures into `{ code, message }`.
 */
import { z } from 'zod';
import { reserveSeats } from '@/db/reservations';
import { scheduleHoldExpiry } from '@/jobs/expire-hold';
import { AppError } from '@/db/errors';
import { clientKey } from '@/lib/client-key';
import { holdCookie, tokenFromCookie } from '@/lib/hold-cookie';
import { nodeHandler, nodeHeaders, readNodeBody } from '@/lib/http';
import { BookingNumber, HoldToken, Id } from '@/lib/schemas';

// lib/http reads the body itself (size cap, sendBeacon's text/plain).
export const config = { api: { bodyParser: false } };

const ReserveRequest = z.strictObject({
  slotId: Id,
  quantity: z.coerce.number().int().min(1).max(1000).default(1),
  bookingNumber: BookingNumber.optional(),
  holdToken: HoldToken.optional(),
});

export default nodeHandler('Error reserving availability', 'POST', async (req) => {
  const body = await readNodeBody(req, ReserveRequest);
  const headers = nodeHeaders(req);
  const holdToken = body.bookingNumber ? (body.holdToken ?? tokenFromCookie(headers, body.bookingNumber)) : undefined;
  if (body.bookingNumber && !holdToken) throw new AppError('invalid_hold_token', 'A hold token is required to add to a booking.');

  const result = await reserveSeats({ ...body, holdToken, clientKey: clientKey(headers, req.socket.remoteAddress) });
  if (!result.ok) {
    throw new AppError(result.code, undefined, { remaining: result.remaining });
  }

  scheduleHoldExpiry(result.bookingNumber, result.expiresAt);

  const { ok: _ok, holdToken: newToken, ...booking } = result;
  const token = newToken ?? holdToken!;
  return {
    status: newToken ? 201 : 200,
    body: { ...booking, ...(newToken ? { holdToken: newToken } : {}) },
    headers: { 'set-cookie': holdCookie(booking.bookingNumber, token, booking.expiresAt, headers) },
  };
});
