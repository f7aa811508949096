import { connection } from 'next/server';
import { listExperiences } from '@/db/reservations';
import { formatMoney } from '@/emails/format';

function formatStart(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  }).format(new Date(iso));
}

export default async function HomePage() {
  await connection();
  const experiences = await listExperiences();
  return (
    <>
      <h1>Experiences</h1>
      {experiences.length === 0 ? (
        <p className="empty">No experiences are open for booking yet.</p>
      ) : (
        <ul className="experiences">
          {experiences.map((e) => (
            <li key={e.slug} className="experience">
              <h2>{e.name}</h2>
              <p>{e.description}</p>
              <p>
                {formatMoney(e.priceMinor, e.currency)} per person · {e.durationMinutes} min
              </p>
              <p>
                {e.nextStartsAt ? `Next: ${formatStart(e.nextStartsAt, e.timezone)}` : 'No upcoming start times'}
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
