/**
 * POST /api/cleanup-expired: the holder gives a hold back (navigator.sendBeacon on page close,
 * or a click). Needs the booking's hold token, in the body or the hold cookie. A click clears the
 * hold cookie; the beacon leaves it, because the page may only be reloading, and the next page
 * in the tab takes the same booking up again with it (POST /api/booking/resume).
 * GET /api/cleanup-expired: sweeps every lapsed hold (Vercel cron, crontab). When CRON_SECRET
 * is set it needs `Authorization: Bearer <CRON_SECRET>`.
 */
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { expireLapsedHolds, releaseBooking } from '@/db/reservations';
import { AppError } from '@/db/errors';
import { env } from '@/lib/env';
import { clearHoldCookie, tokenFromCookie } from '@/lib/hold-cookie';
import { handler, readBody } from '@/lib/http';
import { logger } from '@/lib/logger';
import { BookingNumber, HoldToken } from '@/lib/schemas';

export const dynamic = 'force-dynamic';

const ReleaseRequest = z.strictObject({
  bookingNumber: BookingNumber,
  holdToken: HoldToken.optional(),
  reason: z.enum(['beacon', 'customer']).default('beacon'),
});

export const POST = handler('Error cleaning up booking', async (req) => {
  const body = await readBody(req, ReleaseRequest);
  const booking = await releaseBooking({
    bookingNumber: body.bookingNumber,
    holdToken: body.holdToken ?? tokenFromCookie(req.headers, body.bookingNumber),
    tier: body.reason,
  });
  return Response.json(
    { bookingNumber: booking.bookingNumber, status: booking.status },
    body.reason === 'customer' ? { headers: { 'set-cookie': clearHoldCookie() } } : {},
  );
});

export const GET = handler('Error cleaning up booking', async (req) => {
  const secret = env().CRON_SECRET;
  if (secret && !bearerMatches(req.headers.get('authorization'), secret)) {
    throw new AppError('unauthorized', 'This endpoint needs Authorization: Bearer <CRON_SECRET>.');
  }
  const started = Date.now();
  const { released, complete } = await expireLapsedHolds({ tier: 'sweep' });
  logger.info({ event: 'sweep', released, complete, ms: Date.now() - started }, 'Swept lapsed holds');
  return Response.json({ released, complete }, { headers: { 'cache-control': 'no-store' } });
});

function bearerMatches(header: string | null, secret: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${secret}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
