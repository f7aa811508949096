'use client';
/**
 * Upcoming start times of one experience: change a capacity (never below held + booked — the
 * database says so, with the minimum), close or reopen, and open the manifest.
 */
import Link from 'next/link';
import { useState, useTransition } from 'react';
import type { StaffSlot } from '@/db/admin-schedules';
import { setSlotCapacityAction, setSlotOpenAction } from './actions';
import styles from './experiences.module.css';
import { formatWallTime } from '@/lib/wall-clock';

function SlotRow({ slot, onResult }: { slot: StaffSlot; onResult: (ok: boolean, message: string) => void }) {
  const [capacity, setCapacity] = useState(String(slot.capacity));
  const [pending, startTransition] = useTransition();
  const start = formatWallTime(slot.localStartsAt);

  const saveCapacity = (event: React.FormEvent) => {
    event.preventDefault();
    startTransition(async () => {
      const result = await setSlotCapacityAction(slot.slotId, Number(capacity));
      onResult(result.ok, `${start}: ${result.message}`);
      if (!result.ok) setCapacity(String(slot.capacity));
    });
  };
  const toggle = () =>
    startTransition(async () => {
      const result = await setSlotOpenAction(slot.slotId, !slot.open);
      onResult(result.ok, `${start}: ${result.message}`);
    });

  return (
    <tr data-testid={`slot-row-${slot.slotId}`} data-local={slot.localStartsAt} className={slot.open ? undefined : styles.closed} aria-busy={pending || undefined}>
      <td>
        {start} {!slot.open && <span className="tag">closed</span>}
      </td>
      <td className="num">
        <form onSubmit={saveCapacity} className={styles.capacity}>
          <label htmlFor={`capacity-${slot.slotId}`} className="visually-hidden">
            Capacity of {start}
          </label>
          <input id={`capacity-${slot.slotId}`} type="number" min={0} step={1} value={capacity} onChange={(e) => setCapacity(e.target.value)} />
          <button type="submit" className="button" disabled={pending || capacity === String(slot.capacity)}>
            Set<span className="visually-hidden"> capacity of {start}</span>
          </button>
        </form>
      </td>
      <td className="num">{slot.held}</td>
      <td className="num">{slot.booked}</td>
      <td className="num">{slot.remaining}</td>
      <td>
        <button type="button" className="button" onClick={toggle} disabled={pending}>
          {slot.open ? 'Close' : 'Reopen'}
          <span className="visually-hidden"> {start}</span>
        </button>{' '}
        <Link href={`/admin/manifest/${slot.slotId}`}>
          Manifest<span className="visually-hidden"> of {start}</span>
        </Link>
      </td>
    </tr>
  );
}

export function SlotTable({ slots }: { slots: StaffSlot[] }) {
  const [status, setStatus] = useState<{ ok: boolean; message: string }>({ ok: true, message: '' });
  return (
    <section className="card" aria-labelledby="slots-heading">
      <h2 id="slots-heading">Upcoming start times ({slots.length})</h2>
      <p role="status" aria-live="polite" className={`${styles.message} ${status.ok ? styles.messageOk : styles.messageError}`}>
        {status.message}
      </p>
      {slots.length === 0 ? (
        <p className="empty-state">No upcoming start times: add a schedule above.</p>
      ) : (
        <table className="board-table">
          <thead>
            <tr>
              <th scope="col">Start (local)</th>
              <th scope="col">Capacity</th>
              <th scope="col">Held</th>
              <th scope="col">Booked</th>
              <th scope="col">Remaining</th>
              <th scope="col" style={{ textAlign: 'left' }}>
                Actions
              </th>
            </tr>
          </thead>
          <tbody>
            {slots.map((s) => (
              // Keyed by the numbers too, so a refused or saved change shows the database's value.
              <SlotRow key={`${s.slotId}-${s.capacity}-${s.open}`} slot={s} onResult={(ok, message) => setStatus({ ok, message })} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
