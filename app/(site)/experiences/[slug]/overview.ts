/**
 * An experience's next 30 days of availability, read once per request: the segment's layout (to
 * answer 404 for an unknown experience before any streaming starts, so the status is really 404)
 * and the page (to pick the date and show the start times) share it through React's cache.
 */
import 'server-only';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { AppError } from '@/db/errors';
import { checkAvailability, type Availability } from '@/db/reservations';
import { Slug } from '@/lib/schemas';

/* An unknown experience (or a malformed name, or an impossible range) is a 404, not an error page. */
export async function availability(input: { experience: string; from?: string; to?: string }): Promise<Availability> {
  if (!Slug.safeParse(input.experience).success) notFound();
  try {
    return await checkAvailability(input);
  } catch (err) {
    if (err instanceof AppError && (err.code === 'experience_not_found' || err.code === 'invalid_range')) notFound();
    throw err;
  }
}

export const overviewOf = cache((slug: string) => availability({ experience: slug }));
