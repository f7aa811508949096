'use client';
/** Weekly recurring start times: local times on chosen weekdays between two dates, minus exceptions. */
import { useActionState } from 'react';
import { addScheduleAction } from './actions';
import styles from './experiences.module.css';
import { WeekdayChoice } from './weekday-choice';
import type { FormResult } from './form-values';

export function ScheduleForm({ slug, timezone, today }: { slug: string; timezone: string; today: string }) {
  const [state, action, pending] = useActionState<FormResult, FormData>(addScheduleAction, { ok: true, message: '' });
  const v = state.values;
  const invalid = state.ok ? undefined : state.field;
  const aria = (name: string) => ({
    'aria-invalid': invalid === name ? true : undefined,
    'aria-describedby': invalid === name ? 'schedule-message' : `${name}-hint`,
  });
  return (
    <form action={action} className={`card ${styles.form}`} noValidate aria-labelledby="schedule-heading">
      <h2 id="schedule-heading">Add a weekly schedule</h2>
      <p className="muted">Times are on the experience&apos;s clock ({timezone}): 09:00 stays 09:00 on both sides of a daylight-saving change.</p>
      <input type="hidden" name="slug" value={slug} />
      <div className={styles.grid}>
        <div className="field">
          <label htmlFor="schedule-from">First day</label>
          <input id="schedule-from" name="fromDate" type="date" required defaultValue={v?.fromDate ?? today} {...aria('fromDate')} />
        </div>
        <div className="field">
          <label htmlFor="schedule-to">Last day</label>
          <input id="schedule-to" name="toDate" type="date" required defaultValue={v?.toDate ?? ''} {...aria('toDate')} />
        </div>
        <div className="field">
          <label htmlFor="schedule-times">Start times</label>
          <input id="schedule-times" name="localTimes" type="text" required placeholder="09:00, 14:30" defaultValue={v?.localTimes ?? ''} {...aria('localTimes')} />
          <p id="localTimes-hint" className={styles.hint}>24-hour local times, separated by commas.</p>
        </div>
        <div className="field">
          <label htmlFor="schedule-exceptions">Except on</label>
          <input id="schedule-exceptions" name="exceptions" type="text" placeholder="2027-12-25, 2028-01-01" defaultValue={v?.exceptions ?? ''} {...aria('exceptions')} />
          <p id="exceptions-hint" className={styles.hint}>Local dates with no start times (YYYY-MM-DD), separated by commas.</p>
        </div>
      </div>
      <WeekdayChoice submitted={v} invalid={invalid === 'weekdays'} />
      <div className={styles.actions}>
        <button type="submit" className="button button--primary" disabled={pending}>
          {pending ? 'Adding…' : 'Add start times'}
        </button>
        <p id="schedule-message" role="status" aria-live="polite" className={`${styles.message} ${state.ok ? styles.messageOk : styles.messageError}`}>
          {state.message}
        </p>
      </div>
    </form>
  );
}
