/**
 * A beacon gives the hold back whenever the page unloads — which also happens when the visitor
 * reloads it or types another Holdfast address in the same tab. They have not left, so the seats
 * should not be lost. The tab remembers (sessionStorage, this tab only) what the beacon released;
 * a Holdfast page that loads in the same tab within a few seconds takes the same booking up again
 * (POST /api/booking/resume), or, when that cannot be had, holds the same seats as a new booking
 * and says so. A visitor who really left never comes back to pick the note up, and it goes stale.
 */
import type { Booking } from './booking-types';
import type { ReholdItem } from './rehold';

const KEY = 'holdfast:released-on-unload';
const FRESH_MS = 10_000;

export interface ReleaseNote {
  bookingNumber: string;
  items: ReholdItem[];
}

export function rememberRelease(booking: Booking): void {
  try {
    const items: ReholdItem[] = booking.items.map(({ slotId, quantity, experienceName, localStartsAt, timezone }) => ({
      slotId,
      quantity,
      experienceName,
      localStartsAt,
      timezone,
    }));
    sessionStorage.setItem(KEY, JSON.stringify({ at: Date.now(), bookingNumber: booking.bookingNumber, items }));
  } catch {
    // storage unavailable (private mode quotas): the visitor can still hold again by hand
  }
}

/**
 * What this tab released on its way out a moment ago. Reading does not consume the note (React
 * may mount, unmount and mount again in development); claim it when acting on it.
 */
export function recentRelease(): ReleaseNote | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const note = JSON.parse(raw) as { at?: unknown; bookingNumber?: unknown; items?: unknown };
    if (
      typeof note.at !== 'number' ||
      Date.now() - note.at > FRESH_MS ||
      typeof note.bookingNumber !== 'string' ||
      !Array.isArray(note.items)
    ) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    // A note written by an older page (before local times came from the database) is dropped.
    const items = (note.items as Partial<ReholdItem>[]).filter((i): i is ReholdItem => typeof i?.localStartsAt === 'string');
    return items.length > 0 && items.length === note.items.length ? { bookingNumber: note.bookingNumber, items } : null;
  } catch {
    return null;
  }
}

/** Takes the note so only one page acts on it; false when another already did. */
export function claimRelease(): boolean {
  try {
    if (sessionStorage.getItem(KEY) === null) return false;
    sessionStorage.removeItem(KEY);
    return true;
  } catch {
    return false;
  }
}
