'use client';
/**
 * The experience form, for a new experience and for editing one. Labelled fields; the server's
 * answer is read out, and a field the database refused is marked and named.
 */
import { useActionState } from 'react';
import type { Resource, StaffExperience } from '@/db/admin-schedules';
import { saveExperienceAction } from './actions';
import styles from './experiences.module.css';
import { minorToPrice, type FormResult } from './form-values';

// The database names fields after its parameters; the form after its inputs.
const FIELD_INPUT: Record<string, string> = {
  duration: 'durationMinutes',
  holdDuration: 'holdMinutes',
  bookingCutoff: 'cutoffMinutes',
};

interface Props {
  mode: 'create' | 'update';
  experience?: StaffExperience;
  timezones: string[];
  resources: Resource[];
}

export function ExperienceForm({ mode, experience: e, timezones, resources }: Props) {
  const [state, action, pending] = useActionState<FormResult, FormData>(saveExperienceAction, { ok: true, message: '' });
  const v = state.values;
  let invalid = state.ok ? undefined : FIELD_INPUT[state.field ?? ''] ?? state.field;
  if (invalid === 'slug' && mode === 'update') invalid = 'newSlug';
  const value = (name: string, fallback: string | number | undefined) => v?.[name] ?? (fallback === undefined ? '' : String(fallback));
  const field = (name: string) => ({
    id: `exp-${name}`,
    name,
    'aria-invalid': invalid === name ? true : undefined,
    'aria-describedby': invalid === name ? 'exp-message' : undefined,
  });

  return (
    <form action={action} className={`card ${styles.form}`} noValidate aria-labelledby="exp-form-heading">
      <h2 id="exp-form-heading">{mode === 'create' ? 'New experience' : 'Settings'}</h2>
      <input type="hidden" name="mode" value={mode} />
      <div className={styles.grid}>
        <div className="field">
          <label htmlFor="exp-name">Name</label>
          <input {...field('name')} type="text" required maxLength={200} defaultValue={value('name', e?.name)} />
        </div>
        {mode === 'create' ? (
          <div className="field">
            <label htmlFor="exp-slug">Web name</label>
            <input {...field('slug')} type="text" required pattern="[a-z0-9]+(-[a-z0-9]+)*" defaultValue={value('slug', '')} />
            <p className={styles.hint}>In the address: /experiences/&lt;web name&gt;. Lower-case letters, digits, hyphens.</p>
          </div>
        ) : (
          <div className="field">
            <input type="hidden" name="slug" value={e!.slug} />
            <label htmlFor="exp-newSlug">Web name</label>
            <input {...field('newSlug')} type="text" defaultValue={value('newSlug', e!.slug)} readOnly={e!.hasBookings} />
            <p className={styles.hint}>{e!.hasBookings ? 'Fixed: this experience has bookings.' : 'Can change until the first booking.'}</p>
          </div>
        )}
        <div className={`field ${styles.wide}`}>
          <label htmlFor="exp-description">Description</label>
          <textarea {...field('description')} maxLength={5000} defaultValue={value('description', e?.description)} />
        </div>
        <div className="field">
          <label htmlFor="exp-timezone">Time zone</label>
          <select key={`tz-${value('timezone', e?.timezone)}`} {...field('timezone')} defaultValue={value('timezone', e?.timezone ?? 'Europe/London')}>
            {timezones.map((tz) => (
              <option key={tz} value={tz}>
                {tz}
              </option>
            ))}
          </select>
          <p className={styles.hint}>
            Start times are entered and shown on this clock.{mode === 'update' && ' Changing it keeps start times to come at the same local times.'}
          </p>
        </div>
        <div className="field">
          <label htmlFor="exp-durationMinutes">Duration (minutes)</label>
          <input {...field('durationMinutes')} type="number" min={1} step={1} defaultValue={value('durationMinutes', e?.durationMinutes ?? 60)} />
        </div>
        <div className="field">
          <label htmlFor="exp-defaultCapacity">Capacity (people per start time)</label>
          <input {...field('defaultCapacity')} type="number" min={0} step={1} defaultValue={value('defaultCapacity', e?.defaultCapacity ?? 10)} />
          <p className={styles.hint}>For start times added from now on.</p>
        </div>
        <div className="field">
          <label htmlFor="exp-price">Price per person</label>
          <input {...field('price')} type="text" inputMode="decimal" defaultValue={value('price', e ? minorToPrice(e.priceMinor, e.currency) : '')} />
        </div>
        <div className="field">
          <label htmlFor="exp-currency">Currency</label>
          <input {...field('currency')} type="text" maxLength={3} defaultValue={value('currency', e?.currency ?? 'EUR')} readOnly={e?.hasBookings} />
        </div>
        <div className="field">
          <label htmlFor="exp-holdMinutes">Hold (minutes)</label>
          <input {...field('holdMinutes')} type="number" min={0} step="any" defaultValue={value('holdMinutes', e ? e.holdSeconds / 60 : 15)} />
          <p className={styles.hint}>How long seats stay held while the customer pays.</p>
        </div>
        <div className="field">
          <label htmlFor="exp-maxPeoplePerBooking">Most people per booking</label>
          <input {...field('maxPeoplePerBooking')} type="number" min={1} step={1} defaultValue={value('maxPeoplePerBooking', e?.maxPeoplePerBooking ?? 8)} />
        </div>
        <div className="field">
          <label htmlFor="exp-cutoffMinutes">Booking cut-off (minutes before the start)</label>
          <input {...field('cutoffMinutes')} type="number" min={0} step={1} defaultValue={value('cutoffMinutes', e?.cutoffMinutes ?? 0)} />
        </div>
        <div className="field">
          <label htmlFor="exp-resource">Needs an exclusive resource</label>
          <select key={`res-${value('resource', e?.resourceSlug ?? '')}`} {...field('resource')} defaultValue={value('resource', e?.resourceSlug ?? '')}>
            <option value="">None</option>
            {resources.map((r) => (
              <option key={r.slug} value={r.slug}>
                {r.name} ({r.units} {r.units === 1 ? 'unit' : 'units'})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="exp-paymentMode">Payment</label>
          <select key={`pay-${value('paymentMode', e?.paymentMode)}`} {...field('paymentMode')} defaultValue={value('paymentMode', e?.paymentMode ?? 'auto')}>
            <option value="auto">Online when Stripe is set up, else on arrival</option>
            <option value="stripe">Online (Stripe)</option>
            <option value="on_arrival">On arrival</option>
          </select>
        </div>
        <div className={`field ${styles.wide}`}>
          <label htmlFor="exp-whatToBring">What to bring (in the confirmation email)</label>
          <textarea {...field('whatToBring')} maxLength={2000} defaultValue={value('whatToBring', e?.whatToBring)} />
        </div>
      </div>
      <label className={styles.check}>
        <input type="checkbox" name="active" defaultChecked={v ? v.active === 'on' : (e?.active ?? true)} /> On sale (shown on the site)
      </label>
      <div className={styles.actions}>
        <button type="submit" className="button button--primary" disabled={pending}>
          {pending ? 'Saving…' : mode === 'create' ? 'Create experience' : 'Save changes'}
        </button>
        <p id="exp-message" role="status" aria-live="polite" className={`${styles.message} ${state.ok ? styles.messageOk : styles.messageError}`}>
          {state.message}
        </p>
      </div>
    </form>
  );
}
