/**
 * /admin/bookings/new: a booking for a customer on the phone or at the desk, paid on arrival.
 * Step one (a GET form, so it is a link): the experience and the local date. Step two: that
 * day's start times with the seats left, the number of people and the contact details.
 */
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { adminExperiences, walkInSlots, type WalkInSlots } from '@/db/admin-bookings';
import { AppError } from '@/db/errors';
import { requireStaff } from '@/lib/current-staff';
import { LocalDate, Slug } from '@/lib/schemas';
import { formatWallDate } from '@/lib/wall-clock';
import styles from '../bookings.module.css';
import { WalkInForm } from './walk-in-form';

export const metadata: Metadata = { title: 'New booking' };

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

export default async function NewBookingPage({ searchParams }: Props) {
  await connection();
  await requireStaff();
  const params = await searchParams;
  const experiences = await adminExperiences();
  const slug = Slug.safeParse(first(params.experience)).data;
  const chosen = experiences.find((e) => e.slug === slug);
  const date = LocalDate.safeParse(first(params.date)).data ?? chosen?.today ?? '';

  let day: WalkInSlots | null = null;
  let problem: string | null = null;
  if (first(params.experience) && !chosen) problem = 'That experience does not exist; choose one from the list.';
  if (chosen && date) {
    try {
      day = await walkInSlots({ experienceSlug: chosen.slug, date });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      problem = err.message;
    }
  }

  return (
    <div>
      <p>
        <Link href="/admin/bookings">← All bookings</Link>
      </p>
      <h1>New phone or walk-in booking</h1>
      <p className="muted">Confirmed at once with payment due on arrival. The customer gets the usual confirmation email if you enter an address.</p>

      <form method="get" action="/admin/bookings/new" className={`card ${styles.filters}`} aria-label="Choose the day">
        <div className={styles.grow}>
          <label htmlFor="experience">Experience</label>
          <select id="experience" name="experience" defaultValue={chosen?.slug ?? ''} required>
            <option value="" disabled>
              Choose an experience
            </option>
            {experiences.map((e) => (
              <option key={e.slug} value={e.slug}>
                {e.name}
                {e.active ? '' : ' (inactive)'}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="date">Date (the experience&rsquo;s local date; today if left empty)</label>
          <input id="date" name="date" type="date" defaultValue={date} />
        </div>
        <div className={styles.filterActions}>
          <button type="submit" className="button">
            Show start times
          </button>
        </div>
      </form>

      {problem && (
        <div className={styles.alert} role="alert">
          <p>{problem}</p>
        </div>
      )}

      {day && (
        <section className="card" aria-labelledby="times-heading">
          <h2 id="times-heading">
            {day.experience.name} on {formatWallDate(day.date)} <span className="muted">({day.experience.timezone})</span>
          </h2>
          {day.slots.length === 0 ? (
            <p className="empty-state" data-testid="walk-in-empty">
              No start times that day. Try another date.
            </p>
          ) : (
            <WalkInForm key={`${day.experience.slug}-${day.date}`} slots={day.slots} priceMinor={day.experience.priceMinor} currency={day.experience.currency} />
          )}
        </section>
      )}
    </div>
  );
}
