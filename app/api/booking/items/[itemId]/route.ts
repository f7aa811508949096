/**
 * PATCH /api/booking/items/<itemId> { quantity }: change the people on one item of the visitor's
 * held booking (more people extend the hold; not enough seats is 409 sold_out with `remaining`).
 * DELETE /api/booking/items/<itemId>: remove the item (the last one releases the booking).
 * The booking and its token come from the hold cookie.
 */
import { z } from 'zod';
import { AppError } from '@/db/errors';
import { releaseItem, setItemQuantity } from '@/db/reservations';
import { scheduleHoldExpiry } from '@/jobs/expire-hold';
import { requireHoldFromCookie } from '@/lib/hold-cookie';
import { handler, readBody } from '@/lib/http';
import { Id } from '@/lib/schemas';

export const dynamic = 'force-dynamic';

const ChangeRequest = z.strictObject({ quantity: z.coerce.number().int().min(1).max(1000) });

interface Context {
  params: Promise<{ itemId: string }>;
}

async function itemIdOf(context: Context): Promise<number> {
  const parsed = Id.safeParse((await context.params).itemId);
  if (!parsed.success) throw new AppError('item_not_found');
  return parsed.data;
}

export const PATCH = handler('Error reserving availability', async (req: Request, context: Context) => {
  const itemId = await itemIdOf(context);
  const { quantity } = await readBody(req, ChangeRequest);
  const result = await setItemQuantity({ ...requireHoldFromCookie(req.headers), itemId, quantity });
  if (!result.ok) throw new AppError('sold_out', undefined, { remaining: result.remaining });
  const { ok: _ok, ...booking } = result;
  scheduleHoldExpiry(booking.bookingNumber, booking.expiresAt);
  return Response.json(booking);
});

export const DELETE = handler('Error cleaning up booking', async (req: Request, context: Context) => {
  const itemId = await itemIdOf(context);
  return Response.json(await releaseItem({ ...requireHoldFromCookie(req.headers), itemId }));
});
