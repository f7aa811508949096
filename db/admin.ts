/** Typed wrappers of the staff board functions (db/migrations/0006_admin_board.sql). */
import { z } from 'zod';
import { call } from './call';
import type { Sql } from './client';
import { Booking } from './reservations';

export const BoardSlot = z.object({
  slotId: z.number(),
  experienceSlug: z.string(),
  experienceName: z.string(),
  timezone: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  localStartsAt: z.string(),
  open: z.boolean(),
  capacity: z.number(),
  booked: z.number(),
  held: z.number(),
  remaining: z.number(),
  heldUntil: z.string().nullable(),
});
export type BoardSlot = z.infer<typeof BoardSlot>;

export const LiveHold = Booking.extend({
  customerName: z.string().nullable(),
  customerEmail: z.string().nullable(),
  createdAt: z.string(),
});
export type LiveHold = z.infer<typeof LiveHold>;

export function upcomingSlots(limit = 50, db?: Sql): Promise<BoardSlot[]> {
  return call(z.array(BoardSlot), (sql) => sql`select api.admin_upcoming_slots(${limit}::int) as result`, db);
}

export function liveHolds(db?: Sql): Promise<LiveHold[]> {
  return call(z.array(LiveHold), (sql) => sql`select api.admin_live_holds() as result`, db);
}

export function staffReleaseBooking(input: { bookingNumber: string; staffId: number }, db?: Sql): Promise<Booking> {
  return call(
    Booking,
    (sql) => sql`select api.staff_release_booking(${input.bookingNumber}::text, ${input.staffId}::bigint) as result`,
    db,
  );
}
