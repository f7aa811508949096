/** GET /api/check-availability?experience=<slug>&from=YYYY-MM-DD&to=YYYY-MM-DD */
import { z } from 'zod';
import { checkAvailability, type Availability } from '@/db/reservations';
import { handler, readQuery } from '@/lib/http';
import { LocalDate, Slug } from '@/lib/schemas';

export const dynamic = 'force-dynamic';

const AvailabilityQuery = z.strictObject({
  experience: Slug,
  from: LocalDate.optional(),
  to: LocalDate.optional(),
});

// Customers asking at once share one read (db/shared-reads.ts), and so one answer object: it is
// turned into JSON once, not once per customer.
const bodies = new WeakMap<Availability, string>();

export const GET = handler('Error checking availability', async (req) => {
  const query = readQuery(req, AvailabilityQuery);
  const availability = await checkAvailability(query);
  let body = bodies.get(availability);
  if (body === undefined) bodies.set(availability, (body = JSON.stringify(availability)));
  return new Response(body, { headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
});
