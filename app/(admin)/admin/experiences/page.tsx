/** /admin/experiences: every experience with its next start time (owners only). */
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { staffExperiences } from '@/db/admin-schedules';
import { formatMoney } from '@/emails/format';
import { requireStaff } from '@/lib/current-staff';
import styles from './experiences.module.css';
import { formatWallTime } from '@/lib/wall-clock';

export const metadata: Metadata = { title: 'Experiences' };

export default async function ExperiencesPage() {
  await connection();
  await requireStaff('owner');
  const experiences = await staffExperiences();
  return (
    <div>
      <div className={styles.header}>
        <h1>Experiences</h1>
        <Link href="/admin/experiences/new" className="button button--primary">
          New experience
        </Link>
      </div>
      <section className="card" aria-label="Experiences">
        {experiences.length === 0 ? (
          <p className="empty-state">No experiences yet.</p>
        ) : (
          <ul className={styles.list}>
            {experiences.map((e) => (
              <li key={e.id}>
                <div>
                  <Link href={`/admin/experiences/${e.slug}`}>
                    <strong>{e.name}</strong>
                  </Link>
                  {!e.active && <span className="tag">not on sale</span>}
                  <div className="muted">
                    {e.timezone} · {e.durationMinutes} min · {formatMoney(e.priceMinor, e.currency)} per person · capacity {e.defaultCapacity}
                  </div>
                </div>
                <div className="muted">
                  {e.upcomingSlots} upcoming
                  {e.localNextStartsAt && <> · next {formatWallTime(e.localNextStartsAt)}</>}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
