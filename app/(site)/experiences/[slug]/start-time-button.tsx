'use client';
/**
 * One start time as a button of fixed size: the time, what is left, and a detail line (seats
 * only held, or why it cannot be booked). Every line is always there, so numbers changing never
 * move anything. Start times that cannot be held stay focusable (aria-disabled, not disabled) so
 * keyboard and screen-reader users can still find out why. Times are the database's local
 * times (localStartsAt, localHeldUntil), printed as given, so server and browser show the same.
 */
import type { Slot } from '../../_lib/booking-types';
import { formatTime } from '../../_lib/local-time';
import { useHydrated } from '@/lib/use-hydrated';

interface Props {
  slot: Slot;
  people: number;
  /** Seats of this start time in the visitor's own live hold (0: none). */
  mine: number;
  holding: boolean;
  onHold: (slot: Slot) => void;
  /** A click on a start time that cannot be held: why, for the page to say (sold out, too few seats, closed, taken). */
  onRefused: (refusal: Refusal) => void;
}

export interface Refusal {
  /** Sold out or too few seats for the party; otherwise closed or taken by another booking. */
  soldOut: boolean;
  text: string;
}

/** What to tell a customer who clicks a start time that cannot be held (it may have just changed under the pointer). */
function refusal(slot: Slot, people: number, time: string, heldNote: string): Refusal {
  const held = heldNote ? ` ${heldNote.charAt(0).toUpperCase()}${heldNote.slice(1)}.` : '';
  switch (slot.status) {
    case 'available':
      return {
        soldOut: true,
        text: `Only ${slot.remaining} ${slot.remaining === 1 ? 'seat is' : 'seats are'} left at ${time} — not enough for ${people}.${held}`,
      };
    case 'sold_out':
      return { soldOut: true, text: `${time} is sold out.${held}` };
    case 'closed':
      return { soldOut: false, text: `${time} is no longer open for booking.` };
    case 'unavailable':
      return { soldOut: false, text: `${time} is taken by another booking at this time.` };
  }
}

/**
 * Seats only held, by others: they may come back. The visitor's own seats are theirs ("2 yours");
 * telling them their own seats "may free" would read as a threat to their booking.
 */
function heldNoteOf(slot: Slot, mine: number): string {
  const others = slot.held - mine;
  if (mine > 0) return others > 0 ? `${mine} yours · ${others} more held` : `${mine} held for you`;
  return others > 0 && slot.localHeldUntil ? `${others} held — may free at ${formatTime(slot.localHeldUntil)}` : '';
}

function describe(slot: Slot, people: number, mine: number): { status: string; detail: string; bookable: boolean } {
  const heldNote = heldNoteOf(slot, mine);
  switch (slot.status) {
    case 'available':
      if (slot.remaining < people) {
        return { status: `${slot.remaining} left`, detail: `Not enough seats for ${people}`, bookable: false };
      }
      return { status: `${slot.remaining} left`, detail: heldNote, bookable: true };
    case 'sold_out':
      return { status: 'Sold out', detail: heldNote, bookable: false };
    case 'closed':
      return { status: 'Closed', detail: 'No longer open for booking', bookable: false };
    case 'unavailable':
      return { status: 'Unavailable', detail: 'Taken by another booking at this time', bookable: false };
  }
}

export function StartTimeButton({ slot, people, mine, holding, onHold, onRefused }: Props) {
  // Until the page is hydrated a click would do nothing: say so (aria-disabled), without greying out.
  const ready = useHydrated();
  const time = formatTime(slot.localStartsAt);
  const { status, detail, bookable } = describe(slot, people, mine);
  // The accessible name leads with the time: "10:00, 8 left", "14:00, sold out, 2 held — may free at 14:07".
  const spoken = slot.status === 'available' ? status : status.toLowerCase();
  const said = detail ? detail.charAt(0).toLowerCase() + detail.slice(1) : '';
  const label = holding ? `${time}, holding` : [time, spoken, said].filter(Boolean).join(', ');
  return (
    <button
      type="button"
      className={`start-time start-time--${slot.status}${bookable ? '' : ' start-time--off'}${holding ? ' start-time--holding' : ''}${mine > 0 ? ' start-time--mine' : ''}`}
      data-testid={`slot-${slot.slotId}`}
      data-remaining={slot.remaining}
      data-status={slot.status}
      data-mine={mine || undefined}
      aria-label={label}
      aria-disabled={!bookable || !ready || undefined}
      aria-busy={holding || undefined}
      onClick={() => {
        if (!ready || holding) return;
        // A start time that cannot be held says why rather than doing nothing: it may have sold
        // out (a live update) between the customer's look and their click.
        if (bookable) onHold(slot);
        else onRefused(refusal(slot, people, time, heldNoteOf(slot, mine)));
      }}
    >
      {/* Spaces between the lines (a grid ignores them): the visible text then reads "10:00 8 left",
          which the accessible name contains, as WCAG's "label in name" asks for voice control. */}
      <span className="start-time__time">{time}</span>{' '}
      <span className="start-time__status">{holding ? 'Holding…' : status}</span>{' '}
      <span className="start-time__detail">{holding ? '' : detail}</span>
    </button>
  );
}
