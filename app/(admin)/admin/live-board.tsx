'use client';
/**
 * The live board. Like the customer pages, it never applies streamed numbers itself: any change
 * on /api/admin/stream (and every reconnect, or coming back online) re-reads /api/admin/board,
 * debounced. Hold countdowns, and which start times are under way or over, tick on the client on
 * the server's clock (lib/use-now: first the page's render time, then the clock as estimated in
 * the browser, also from each re-read's Date header), so a staff computer whose clock is off
 * still shows the holds the database will release, and hydration prints what the server did.
 */
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState, useTransition } from 'react';
import type { BoardSlot, LiveHold } from '@/db/admin';
import { noteServerDate } from '@/lib/server-clock';
import { useNow } from '@/lib/use-now';
import { formatCountdown, formatWallTime } from '@/lib/wall-clock';
import { releaseHoldAction } from './actions';

interface Props {
  initialSlots: BoardSlot[];
  initialHolds: LiveHold[];
}

export function LiveBoard({ initialSlots, initialHolds }: Props) {
  const [slots, setSlots] = useState(initialSlots);
  const [holds, setHolds] = useState(initialHolds);
  const now = useNow(true, 1000);
  const [message, setMessage] = useState('');
  const [stale, setStale] = useState(false);
  const [pending, startTransition] = useTransition();
  const debounce = useRef<number | undefined>(undefined);

  const reread = useCallback(async () => {
    try {
      const sentAt = Date.now();
      const res = await fetch('/api/admin/board', { cache: 'no-store' });
      noteServerDate(res.headers.get('date'), sentAt, Date.now());
      if (!res.ok) throw new Error(String(res.status));
      const board = (await res.json()) as { slots: BoardSlot[]; holds: LiveHold[] };
      setSlots(board.slots);
      setHolds(board.holds);
      setStale(false);
    } catch {
      setStale(true);
    }
  }, []);

  useEffect(() => {
    const schedule = () => {
      window.clearTimeout(debounce.current);
      debounce.current = window.setTimeout(() => void reread(), 100);
    };
    const source = new EventSource('/api/admin/stream');
    source.addEventListener('slots', schedule);
    source.addEventListener('open', schedule);
    source.addEventListener('error', () => setStale(source.readyState !== EventSource.OPEN));
    window.addEventListener('online', schedule);
    return () => {
      source.close();
      window.removeEventListener('online', schedule);
      window.clearTimeout(debounce.current);
    };
  }, [reread]);

  const release = (bookingNumber: string) =>
    startTransition(async () => {
      const result = await releaseHoldAction(bookingNumber);
      setMessage(result.message);
      await reread();
    });

  const liveHolds = holds.filter((h) => Date.parse(h.expiresAt) > now);

  return (
    <div className="live-board">
      <h1>Live board</h1>
      <p className="live-board__status" role="status" aria-live="polite">
        {stale ? 'Reconnecting… the numbers may be out of date.' : message}
      </p>

      <section className="card" aria-labelledby="slots-heading">
        <h2 id="slots-heading">Start times</h2>
        <p className="muted">Coming up, and those that began in the last two hours.</p>
        {slots.length === 0 ? (
          <p className="empty-state">No start times under way or coming up.</p>
        ) : (
          <table className="board-table">
            <thead>
              <tr>
                <th scope="col">Start (local)</th>
                <th scope="col">Experience</th>
                <th scope="col">Capacity</th>
                <th scope="col">Held</th>
                <th scope="col">Booked</th>
                <th scope="col">Remaining</th>
              </tr>
            </thead>
            <tbody>
              {slots.map((s) => (
                <tr key={s.slotId} data-testid={`board-slot-${s.slotId}`} data-held={s.held} data-booked={s.booked} data-remaining={s.remaining}>
                  <td>
                    <Link href={`/admin/manifest/${s.slotId}`}>{formatWallTime(s.localStartsAt, 'short')}</Link> <span className="muted">{s.timezone}</span>
                    {Date.parse(s.endsAt) <= now ? (
                      <span className="tag">ended</span>
                    ) : (
                      Date.parse(s.startsAt) <= now && <span className="tag">under way</span>
                    )}
                    {!s.open && <span className="tag">closed</span>}
                  </td>
                  <td>{s.experienceName}</td>
                  <td className="num">{s.capacity}</td>
                  <td className="num">{s.held}</td>
                  <td className="num">{s.booked}</td>
                  <td className="num">{s.remaining}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card" aria-labelledby="holds-heading">
        <h2 id="holds-heading">Live holds ({liveHolds.length})</h2>
        {liveHolds.length === 0 ? (
          <p className="empty-state">Nobody is holding seats right now.</p>
        ) : (
          <ul className="board-holds">
            {liveHolds.map((h) => (
              <li key={h.bookingNumber} data-testid="board-hold" data-booking={h.bookingNumber}>
                <div>
                  <strong className="mono">{h.bookingNumber}</strong> <span className="tag">{h.status}</span>
                  {h.customerName && <span className="muted"> · {h.customerName}</span>}
                  <ul className="board-hold__items">
                    {h.items.map((i) => (
                      <li key={i.itemId}>
                        {i.quantity} × {i.experienceName}, {formatWallTime(i.localStartsAt, 'short')}
                      </li>
                    ))}
                  </ul>
                </div>
                <div className="board-hold__actions">
                  <span role="timer" aria-label={`Time left on ${h.bookingNumber}`} className="num">
                    {formatCountdown(Date.parse(h.expiresAt) - now)}
                  </span>
                  <button type="button" className="button" disabled={pending} onClick={() => release(h.bookingNumber)}>
                    Release
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
