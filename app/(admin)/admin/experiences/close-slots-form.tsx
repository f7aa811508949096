'use client';
/**
 * Close (or reopen) many start times at once: local dates, weekdays and, optionally, local
 * times. Holds and bookings on them stay; the answer lists those closed with people on them,
 * with their manifests, so staff can call them.
 */
import Link from 'next/link';
import { useActionState } from 'react';
import { formatWallTime } from '@/lib/wall-clock';
import { setSlotsOpenAction, type SlotsOpenFormResult } from './actions';
import styles from './experiences.module.css';
import { WeekdayChoice } from './weekday-choice';

export function CloseSlotsForm({ slug, timezone, today }: { slug: string; timezone: string; today: string }) {
  const [state, action, pending] = useActionState<SlotsOpenFormResult, FormData>(setSlotsOpenAction, { ok: true, message: '' });
  const v = state.values;
  const invalid = state.ok ? undefined : state.field;
  const hinted = new Set(['fromDate', 'localTimes']);
  const aria = (name: string) => ({
    'aria-invalid': invalid === name ? true : undefined,
    'aria-describedby': invalid === name ? 'close-slots-message' : hinted.has(name) ? `close-${name}-hint` : undefined,
  });
  return (
    <form action={action} className={`card ${styles.form}`} noValidate aria-labelledby="close-slots-heading" data-testid="close-slots-form">
      <h2 id="close-slots-heading">Close or reopen start times</h2>
      <p className="muted">
        A closed start time takes no new bookings; the people already booked or holding keep their places. Times are on
        the experience&apos;s clock ({timezone}).
      </p>
      <input type="hidden" name="slug" value={slug} />
      <div className={styles.grid}>
        <div className="field">
          <label htmlFor="close-from">First day</label>
          <input id="close-from" name="fromDate" type="date" required defaultValue={v?.fromDate ?? today} key={`from-${v?.fromDate}`} {...aria('fromDate')} />
          <p id="close-fromDate-hint" className={styles.hint}>Start times that have begun are left as they are.</p>
        </div>
        <div className="field">
          <label htmlFor="close-to">Last day</label>
          <input id="close-to" name="toDate" type="date" required defaultValue={v?.toDate ?? today} key={`to-${v?.toDate}`} {...aria('toDate')} />
        </div>
        <div className="field">
          <label htmlFor="close-times">Start times</label>
          <input id="close-times" name="localTimes" type="text" placeholder="all" defaultValue={v?.localTimes ?? ''} key={`times-${v?.localTimes}`} {...aria('localTimes')} />
          <p id="close-localTimes-hint" className={styles.hint}>24-hour local times, separated by commas; empty for every start time of those days.</p>
        </div>
      </div>
      <WeekdayChoice submitted={v} invalid={invalid === 'weekdays'} />
      <div className={styles.actions}>
        <button type="submit" name="intent" value="close" className="button button--primary" disabled={pending}>
          {pending ? 'Working…' : 'Close start times'}
        </button>
        <button type="submit" name="intent" value="open" className="button" disabled={pending}>
          Reopen start times
        </button>
        <p id="close-slots-message" role="status" aria-live="polite" className={`${styles.message} ${state.ok ? styles.messageOk : styles.messageError}`}>
          {state.message}
        </p>
      </div>
      {state.ok && state.withPeople && state.withPeople.length > 0 && (
        <ul className={styles.schedules} data-testid="closed-with-people">
          {state.withPeople.map((s) => (
            <li key={s.slotId}>
              {formatWallTime(s.localStartsAt)}: {s.booked} booked
              {s.held > 0 && `, ${s.held} holding`} — <Link href={`/admin/manifest/${s.slotId}`}>manifest</Link>
            </li>
          ))}
        </ul>
      )}
    </form>
  );
}
