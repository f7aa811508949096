/** Small facts about a booking that several components need, computed one way everywhere. */
import type { Booking } from './booking-types';
import { serverNow } from '@/lib/server-clock';

/** The seats are still reserved for the visitor (the server may not have noticed a lapse yet). */
export function isLive(booking: Booking | null | undefined, now: number = serverNow()): boolean {
  return !!booking && booking.availabilityReserved && Date.parse(booking.expiresAt) > now;
}

/** A booking the visitor can still add to or change (not being paid for). */
export function isEditable(booking: Booking | null | undefined, now: number = serverNow()): boolean {
  return !!booking && isLive(booking, now) && booking.status === 'held';
}

/** A booking whose hold is, or was, pending: what the banner watches. */
export function isPending(booking: Booking | null | undefined): boolean {
  return !!booking && (booking.status === 'held' || booking.status === 'checkout');
}

export function seatCount(booking: Booking): number {
  return booking.items.reduce((n, item) => n + item.quantity, 0);
}

/** "3 seats in 2 bookings", "1 seat in 1 booking". */
export function describeHold(booking: Booking): string {
  const seats = seatCount(booking);
  const items = booking.items.length;
  return `${seats} ${seats === 1 ? 'seat' : 'seats'} in ${items} ${items === 1 ? 'booking' : 'bookings'}`;
}
