/** /admin/experiences/new: create an experience (owners only); its schedule comes next. */
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { staffResources, staffTimezones } from '@/db/admin-schedules';
import { requireStaff } from '@/lib/current-staff';
import { ExperienceForm } from '../experience-form';

export const metadata: Metadata = { title: 'New experience' };

export default async function NewExperiencePage() {
  await connection();
  await requireStaff('owner');
  const [timezones, resources] = await Promise.all([staffTimezones(), staffResources()]);
  return (
    <div>
      <p>
        <Link href="/admin/experiences">← Experiences</Link>
      </p>
      <h1>New experience</h1>
      <ExperienceForm mode="create" timezones={timezones} resources={resources} />
    </div>
  );
}
