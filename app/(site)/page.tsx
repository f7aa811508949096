import Link from 'next/link';
import { connection } from 'next/server';
import { listExperiences } from '@/db/reservations';
import { formatMoney } from '@/emails/format';
import { LocalTime } from './_components/local-time';
import { formatDuration } from './_lib/local-time';

/*
 * Home: every bookable experience with what a customer decides on — price per person, how long,
 * and the next start time on the experience's own clock (labelled with its zone).
 */
export default async function HomePage() {
  await connection();
  const experiences = await listExperiences();
  return (
    <>
      <h1>Experiences</h1>
      {experiences.length === 0 ? (
        <div className="empty-state">
          <p>No experiences are open for booking yet.</p>
          <p>Please come back soon.</p>
        </div>
      ) : (
        <ul className="experiences">
          {experiences.map((e) => (
            <li key={e.slug} className="experience card">
              <h2>
                <Link href={`/experiences/${e.slug}`} className="experience__link">
                  {e.name}
                </Link>
              </h2>
              <p className="experience__description">{e.description}</p>
              <dl className="facts">
                <div>
                  <dt>Price</dt>
                  <dd>{formatMoney(e.priceMinor, e.currency)} per person</dd>
                </div>
                <div>
                  <dt>Duration</dt>
                  <dd>{formatDuration(e.durationMinutes)}</dd>
                </div>
                <div>
                  <dt>Next start</dt>
                  <dd>{e.localNextStartsAt ? <LocalTime kind="start" local={e.localNextStartsAt} timeZone={e.timezone} /> : 'No upcoming start times'}</dd>
                </div>
              </dl>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
