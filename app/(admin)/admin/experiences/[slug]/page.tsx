/**
 * /admin/experiences/<slug>: edit an experience (owners only) — its settings, a weekly schedule
 * form, the schedules added so far, closing or reopening many start times at once, and its
 * upcoming start times with capacity, close/reopen and the manifest.
 */
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { staffExperience, staffResources, staffTimezones, type ExperienceDetail } from '@/db/admin-schedules';
import { AppError } from '@/db/errors';
import { requireStaff } from '@/lib/current-staff';
import { formatWallDate } from '@/lib/wall-clock';
import { CloseSlotsForm } from '../close-slots-form';
import { ExperienceForm } from '../experience-form';
import { ScheduleForm } from '../schedule-form';
import { SlotTable } from '../slot-table';

export const metadata: Metadata = { title: 'Experience' };

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

interface Props {
  params: Promise<{ slug: string }>;
}

export default async function EditExperiencePage({ params }: Props) {
  await connection();
  await requireStaff('owner');
  const { slug } = await params;
  let experience: ExperienceDetail;
  try {
    experience = await staffExperience(slug);
  } catch (err) {
    if (err instanceof AppError && err.code === 'experience_not_found') notFound();
    throw err;
  }
  const [timezones, resources] = await Promise.all([staffTimezones(), staffResources()]);
  return (
    <div>
      <p>
        <Link href="/admin/experiences">← Experiences</Link>
      </p>
      <h1>{experience.name}</h1>
      <ExperienceForm mode="update" experience={experience} timezones={timezones} resources={resources} />
      <ScheduleForm slug={experience.slug} timezone={experience.timezone} today={experience.localToday} />
      {experience.schedules.length > 0 && (
        <section className="card" aria-labelledby="schedules-heading">
          <h2 id="schedules-heading">Schedules added</h2>
          <ul>
            {experience.schedules.map((s) => (
              <li key={s.scheduleId}>
                {formatWallDate(s.fromDate, 'medium')} – {formatWallDate(s.toDate, 'medium')}:{' '}
                {s.weekdays.length === 7 ? 'every day' : s.weekdays.map((d) => DAY_NAMES[d - 1]).join(', ')} at {s.localTimes.join(', ')}
                {s.exceptions.length > 0 && <> except {s.exceptions.map((d) => formatWallDate(d, 'medium')).join(', ')}</>}{' '}
                <span className="muted">({s.slotsCreated} created)</span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <CloseSlotsForm slug={experience.slug} timezone={experience.timezone} today={experience.localToday} />
      <SlotTable slots={experience.slots} />
    </div>
  );
}
