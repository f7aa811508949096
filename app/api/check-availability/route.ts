/** GET /api/check-availability?experience=<slug>&from=YYYY-MM-DD&to=YYYY-MM-DD */
import { z } from 'zod';
import { checkAvailability } from '@/db/reservations';
import { handler, readQuery } from '@/lib/http';
import { LocalDate, Slug } from '@/lib/schemas';

export const dynamic = 'force-dynamic';

const AvailabilityQuery = z.strictObject({
  experience: Slug,
  from: LocalDate.optional(),
  to: LocalDate.optional(),
});

export const GET = handler('Error checking availability', async (req) => {
  const query = readQuery(req, AvailabilityQuery);
  const availability = await checkAvailability(query);
  return Response.json(availability, { headers: { 'cache-control': 'no-store' } });
});
