/**
 * Holds a list of start times again, in order: the first one starts a new booking, the rest join
 * it. Used after a hold lapsed or was given back. Each start time that cannot be had is reported
 * with the reason, in the customer's words.
 */
import { reserve } from './api-client';
import type { Booking } from './booking-types';
import { describeHoldError } from './hold-errors';
import { formatStart } from './local-time';

export interface ReholdItem {
  slotId: number;
  quantity: number;
  experienceName: string;
  /** The database's local start time, as the booking gave it (what the customer is shown). */
  localStartsAt: string;
  timezone: string;
}

export interface ReholdResult {
  booking: Booking | null;
  failures: string[];
}

export function describeItem(item: ReholdItem): string {
  return `${item.experienceName}, ${formatStart(item.localStartsAt, item.timezone)}, ${item.quantity} ${item.quantity === 1 ? 'person' : 'people'}`;
}

export async function reholdItems(items: ReholdItem[]): Promise<ReholdResult> {
  let booking: Booking | null = null;
  const failures: string[] = [];
  for (const item of items) {
    try {
      const answer = await reserve({ slotId: item.slotId, quantity: item.quantity, bookingNumber: booking?.bookingNumber });
      booking = answer.booking;
    } catch (err) {
      failures.push(`${describeItem(item)}: ${describeHoldError(err)}`);
    }
  }
  return { booking, failures };
}
