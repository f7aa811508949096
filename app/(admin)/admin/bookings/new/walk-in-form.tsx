'use client';
/**
 * The second step of a walk-in booking: a start time (with seats left now), people and contact.
 * Labelled fields, the server's field errors read out, a pending state; on success the server
 * action opens the new booking's page.
 */
import { useActionState, useState } from 'react';
import type { WalkInSlots } from '@/db/admin-bookings';
import { createWalkInAction, type WalkInState } from '../actions';
import styles from '../bookings.module.css';
import { formatTimeRange, money } from '../format';

interface Props {
  slots: WalkInSlots['slots'];
  priceMinor: number;
  currency: string;
}

export function WalkInForm({ slots, priceMinor, currency }: Props) {
  const [state, action, pending] = useActionState<WalkInState, FormData>(createWalkInAction, {});
  const [people, setPeople] = useState(1);
  const fields = state.fields ?? {};
  const error = (name: string) =>
    fields[name] ? (
      <p className={styles.error} id={`${name}-error`}>
        {fields[name]}
      </p>
    ) : null;
  const described = (name: string) => (fields[name] ? { 'aria-invalid': true, 'aria-describedby': `${name}-error` } : {});

  return (
    <form action={action} className={styles.form} noValidate>
      <fieldset {...described('slotId')}>
        <legend>Start time</legend>
        <ul className={styles.times}>
          {slots.map((s) => (
            <li key={s.slotId}>
              <label data-testid={`walk-in-slot-${s.slotId}`} data-remaining={s.remaining}>
                <input type="radio" name="slotId" value={s.slotId} disabled={!s.bookable || s.remaining === 0} required />
                <span>
                  <strong>{formatTimeRange(s.localStartsAt, s.localEndsAt)}</strong>
                  <br />
                  <span className={styles.hint}>
                    {!s.bookable ? 'closed or started' : s.remaining === 0 ? 'full' : `${s.remaining} of ${s.capacity} left`}
                  </span>
                </span>
              </label>
            </li>
          ))}
        </ul>
        {error('slotId')}
      </fieldset>

      <div className={styles.inline}>
        <div>
          <label htmlFor="quantity">People</label>
          <input
            id="quantity"
            name="quantity"
            type="number"
            min={1}
            max={100000}
            value={people}
            onChange={(e) => setPeople(Math.max(1, Number(e.target.value) || 1))}
            required
            {...described('quantity')}
          />
          <span className={styles.hint}>Total {money(people * priceMinor, currency)}, paid on arrival</span>
          {error('quantity')}
        </div>
        <div>
          <label htmlFor="channel">How they booked</label>
          <select id="channel" name="channel" defaultValue="walk_in">
            <option value="walk_in">At the desk</option>
            <option value="phone">By phone</option>
          </select>
        </div>
      </div>

      <div>
        <label htmlFor="name">Name</label>
        <input id="name" name="name" autoComplete="off" required maxLength={200} {...described('name')} />
        {error('name')}
      </div>
      <div className={styles.inline}>
        <div>
          <label htmlFor="email">
            Email <span className={styles.hint}>(optional, for the confirmation)</span>
          </label>
          <input id="email" name="email" type="email" autoComplete="off" maxLength={254} {...described('email')} />
          {error('email')}
        </div>
        <div>
          <label htmlFor="phone">
            Phone <span className={styles.hint}>(optional)</span>
          </label>
          <input id="phone" name="phone" type="tel" autoComplete="off" maxLength={40} {...described('phone')} />
          {error('phone')}
        </div>
      </div>

      <p className={styles.error} role="alert" aria-live="polite" data-testid="walk-in-message">
        {state.message ?? ''}
      </p>
      <div>
        <button type="submit" className="button button--primary button--large" disabled={pending}>
          {pending ? 'Booking…' : 'Book and confirm'}
        </button>
      </div>
    </form>
  );
}
