/**
 * GET /api/availability/stream?experience=<slug>: Server-Sent Events. `event: slots` carries the
 * changed slots of the experience (`[{ slotId, experienceId, capacity, held, booked, open }]`)
 * within a second of the change; an empty list means "re-read everything" (sent after the
 * server's own database listener reconnected). Browsers re-read availability on every
 * (re)connect too, so a dropped connection loses nothing.
 */
import { z } from 'zod';
import { AppError } from '@/db/errors';
import { experienceId } from '@/db/reservations';
import { handler, readQuery } from '@/lib/http';
import { Slug } from '@/lib/schemas';
import { slotEventStream } from '@/lib/slot-stream';

export const dynamic = 'force-dynamic';

const StreamQuery = z.strictObject({ experience: Slug });

export const GET = handler('Error streaming availability', async (req) => {
  const { experience } = readQuery(req, StreamQuery);
  const id = await experienceId(experience);
  if (id === null) throw new AppError('experience_not_found');
  return slotEventStream(req, id);
});
