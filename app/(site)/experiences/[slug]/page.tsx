import type { Metadata } from 'next';
import { connection } from 'next/server';
import { formatMoney } from '@/emails/format';
import { LocalTime } from '../../_components/local-time';
import { formatDuration, isLocalDate, localDateOf } from '../../_lib/local-time';
import { AvailableStartTimes } from './available-start-times';
import { availability, overviewOf } from './overview';

interface Props {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  await connection();
  const { slug } = await params;
  return { title: (await overviewOf(slug)).experience.name };
}

/*
 * One experience and its start times for one local date. The server reads the next 30 days once,
 * to pick the default date (the first with a start time one can book) and to know which days
 * have any; the start times of the chosen date are then kept live in the browser.
 */
export default async function ExperiencePage({ params, searchParams }: Props) {
  await connection();
  const { slug } = await params;
  const query = await searchParams;

  const overview = await overviewOf(slug);
  const { experience } = overview;
  const today = overview.from;
  const tz = experience.timezone;
  // Local dates as the database says them (localStartsAt), never the runtime's own zone data.
  const bookableDates = [...new Set(overview.slots.filter((s) => s.status === 'available').map((s) => localDateOf(s.localStartsAt)))];

  const asked = typeof query.date === 'string' && isLocalDate(query.date) ? query.date : undefined;
  const date = asked ?? bookableDates[0] ?? today;
  const inOverview = date >= overview.from && date <= overview.to;
  const slots = inOverview
    ? overview.slots.filter((s) => localDateOf(s.localStartsAt) === date)
    : (await availability({ experience: slug, from: date, to: date })).slots;

  return (
    <article className="experience-page">
      <header className="experience-page__header">
        <h1>{experience.name}</h1>
        <p className="experience-page__description">{experience.description}</p>
        <dl className="facts facts--inline">
          <div>
            <dt>Price</dt>
            <dd>{formatMoney(experience.priceMinor, experience.currency)} per person</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatDuration(experience.durationMinutes)}</dd>
          </div>
          <div>
            <dt>Times shown in</dt>
            <dd>
              <LocalTime kind="zone" local={slots[0]?.localStartsAt ?? null} timeZone={tz} />
            </dd>
          </div>
          <div>
            <dt>Held for you</dt>
            <dd>{formatDuration(experience.holdSeconds / 60)} while you book</dd>
          </div>
        </dl>
      </header>
      {!experience.active ? (
        <p className="empty-state">This experience is not taking bookings at the moment.</p>
      ) : (
        <AvailableStartTimes
          key={date}
          experience={experience} today={today} initialDate={date} initialSlots={slots} bookableDates={bookableDates} />
      )}
    </article>
  );
}
