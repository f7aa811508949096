'use client';
/**
 * AvailableStartTimes: the start times of one experience on one local date, live. Choosing one
 * holds the seats at once (no second step), adding them to the visitor's booking when they have
 * a live one. The list re-reads itself whenever the server announces a change, so what it shows
 * is never more than about a second old; when someone else wins the last seats, the visitor is
 * told in words, with what is left.
 */
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, fetchAvailability, reserve } from '../../_lib/api-client';
import type { Booking, ExperienceInfo, Slot } from '../../_lib/booking-types';
import { describeHoldError } from '../../_lib/hold-errors';
import { isEditable, isLive } from '../../_lib/hold-summary';
import { formatDuration, formatLocalDate, formatTime } from '../../_lib/local-time';
import { useBooking } from '../../_components/booking-provider';
import { useHydrated } from '@/lib/use-hydrated';
import { DateNav } from './date-nav';
import { PeopleSelect } from './people-select';
import { StartTimeButton } from './start-time-button';
import { useLiveAvailability } from './use-live-availability';

interface Props {
  experience: ExperienceInfo;
  /** Today on the experience's clock (the server's). */
  today: string;
  initialDate: string;
  initialSlots: Slot[];
  /** Local dates (next 30 days) that had a start time one could hold when the page was made. */
  bookableDates: string[];
}

type Message =
  | { kind: 'hint' }
  | { kind: 'held'; text: string; bookingNumber: string }
  | { kind: 'sold-out'; text: string }
  | { kind: 'error'; text: string };

const RECHECK_HORIZON_MS = 20 * 60_000;

export function AvailableStartTimes({ experience, today, initialDate, initialSlots, bookableDates }: Props) {
  const { booking, setBooking, refresh, settled } = useBooking();
  const [date, setDate] = useState(initialDate);
  const [slots, setSlots] = useState<Slot[] | null>(initialSlots);
  const [people, setPeople] = useState(1);
  const [holding, setHolding] = useState<number | null>(null);
  const [message, setMessage] = useState<Message>({ kind: 'hint' });
  const [stale, setStale] = useState(false);
  const tz = experience.timezone;
  const hydrated = useHydrated();

  const dateRef = useRef(date);
  dateRef.current = date;
  const sequence = useRef(0);
  const busy = useRef(false);

  /* Re-reads the shown date; an answer for a date no longer shown is dropped. */
  const reload = useCallback(async () => {
    const seq = ++sequence.current;
    const forDate = dateRef.current;
    try {
      const answer = await fetchAvailability(experience.slug, forDate);
      if (seq !== sequence.current) return;
      setSlots(answer.slots);
      setStale(false);
    } catch {
      if (seq === sequence.current) setStale(true);
    }
  }, [experience.slug]);

  useLiveAvailability(experience.slug, () => void reload());

  // Seats "held — may free at 14:07" free themselves then: look again just after.
  useEffect(() => {
    const next = (slots ?? [])
      .map((s) => (s.heldUntil ? Date.parse(s.heldUntil) - Date.now() : Infinity))
      .filter((ms) => ms > 0 && ms < RECHECK_HORIZON_MS)
      .sort((a, b) => a - b)[0];
    if (next === undefined) return;
    const timer = window.setTimeout(() => void reload(), next + 750);
    return () => window.clearTimeout(timer);
  }, [slots, reload]);

  function changeDate(next: string) {
    if (next === dateRef.current) return;
    dateRef.current = next;
    setDate(next);
    setSlots(null);
    setMessage({ kind: 'hint' });
    // Keep the address shareable and reloadable without asking the server to render again.
    window.history.replaceState(window.history.state, '', `?date=${next}`);
    void reload();
  }

  async function hold(slot: Slot) {
    if (busy.current) return;
    busy.current = true;
    setHolding(slot.slotId);
    setMessage({ kind: 'hint' });
    try {
      const current = await settled();
      const addTo = current && isLive(current) ? current.bookingNumber : undefined;
      let answer;
      let note = '';
      try {
        answer = await reserve({ slotId: slot.slotId, quantity: people, bookingNumber: addTo });
      } catch (err) {
        // Our idea of the visitor's booking was out of date (it lapsed, or another tab replaced
        // it): learn the truth, then hold once more, starting a new booking if need be.
        if (!(err instanceof ApiError) || !['hold_expired', 'invalid_hold_token', 'booking_not_found'].includes(err.code)) throw err;
        const current = await refresh();
        const retryInto = current && isEditable(current) ? current.bookingNumber : undefined;
        if (!retryInto && err.code === 'hold_expired') note = ' Your earlier hold had expired, so this is a new booking.';
        answer = await reserve({ slotId: slot.slotId, quantity: people, bookingNumber: retryInto });
      }
      setBooking(answer.booking);
      const { remaining } = answer.slot;
      setSlots((list) =>
        list?.map((s) =>
          s.slotId === slot.slotId
            ? { ...s, remaining, held: s.held + people, status: remaining > 0 ? s.status : 'sold_out' }
            : s,
        ) ?? list,
      );
      setMessage({ kind: 'held', text: heldText(answer.booking, slot, people) + note, bookingNumber: answer.booking.bookingNumber });
    } catch (err) {
      const text = describeHoldError(err);
      const soldOut = err instanceof ApiError && (err.code === 'sold_out' || err.code === 'resource_unavailable');
      setMessage({ kind: soldOut ? 'sold-out' : 'error', text });
      if (err instanceof ApiError && err.code === 'sold_out') {
        const left = err.number('remaining');
        if (left !== undefined) {
          setSlots((list) => list?.map((s) => (s.slotId === slot.slotId ? { ...s, remaining: left, status: left > 0 ? s.status : 'sold_out' } : s)) ?? list);
        }
      }
    } finally {
      busy.current = false;
      setHolding(null);
      void reload();
    }
  }

  const nextBookable = bookableDates.find((d) => d > date);
  // The visitor's own live hold: its start times show as theirs.
  const ownLive = booking !== null && isLive(booking);
  // "Held …" stays true only while that hold lasts; afterwards the hint comes back.
  const shown: Message =
    message.kind === 'held' && !(booking && booking.bookingNumber === message.bookingNumber && isLive(booking)) ? { kind: 'hint' } : message;

  return (
    <section className="booker" aria-labelledby="booker-heading" data-ready={hydrated}>
      <h2 id="booker-heading" className="visually-hidden">
        Choose a start time
      </h2>
      <div className="booker__controls">
        <DateNav date={date} today={today} onChange={changeDate} />
        <PeopleSelect
          people={people}
          max={experience.maxPeoplePerBooking}
          priceMinor={experience.priceMinor}
          currency={experience.currency}
          onChange={setPeople}
        />
      </div>

      <h3 className="booker__date">
        {formatLocalDate(date)} <span className="booker__zone">· times in {tz}</span>
      </h3>

      <div className={`booker__message booker__message--${shown.kind}`} aria-live="polite">
        {shown.kind === 'hint' && (
          <p>
            Choose a start time to hold {people === 1 ? 'a seat' : `${people} seats`} for{' '}
            {formatDuration(experience.holdSeconds / 60)} while you book.
          </p>
        )}
        {shown.kind === 'held' && (
          <p>
            {shown.text} <Link href="/basket">Go to basket</Link>
          </p>
        )}
        {shown.kind === 'sold-out' && (
          <p data-testid="sold-out-message" role="alert">
            {shown.text}
          </p>
        )}
        {shown.kind === 'error' && <p role="alert">{shown.text}</p>}
      </div>

      {slots === null ? (
        <div className="start-times" aria-busy="true">
          <p className="visually-hidden">Loading start times…</p>
          {[0, 1, 2].map((i) => (
            <div key={i} className="start-time start-time--placeholder" aria-hidden="true" />
          ))}
        </div>
      ) : slots.length === 0 ? (
        <div className="empty-state">
          <p>No start times on {formatLocalDate(date, 'short')}.</p>
          {nextBookable ? (
            <button type="button" className="button" onClick={() => changeDate(nextBookable)}>
              Next available: {formatLocalDate(nextBookable, 'short')}
            </button>
          ) : (
            date <= today && <p>None in the next 30 days either. Please check back later.</p>
          )}
        </div>
      ) : (
        <ul className="start-times" aria-label={`Start times on ${formatLocalDate(date)}`}>
          {slots.map((slot) => (
            <li key={slot.slotId}>
              <StartTimeButton
                slot={slot}
                people={people}
                mine={(ownLive && booking.items.find((item) => item.slotId === slot.slotId)?.quantity) || 0}
                holding={holding === slot.slotId}
                onHold={hold}
                onRefused={(refused) => setMessage({ kind: refused.soldOut ? 'sold-out' : 'error', text: refused.text })}
              />
            </li>
          ))}
        </ul>
      )}
      {stale && (
        <p className="booker__stale" role="status">
          Could not refresh the start times; the numbers may be out of date. <button type="button" className="link-button" onClick={() => void reload()}>Try again</button>
        </p>
      )}
    </section>
  );
}

function heldText(booking: Booking, slot: Slot, people: number): string {
  const seats = people === 1 ? '1 seat' : `${people} seats`;
  return `Held ${seats} at ${formatTime(slot.localStartsAt)} (booking ${booking.bookingNumber}).`;
}
