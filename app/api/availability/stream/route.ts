/**
 * GET /api/availability/stream?experience=<slug>: Server-Sent Events. `event: slots` carries the
 * changed slots of the experience (`[{ slotId, experienceId, capacity, held, booked, open }]`)
 * within a second of the change; an empty list means "re-read everything" (sent after the
 * server's own database listener reconnected). Browsers re-read availability on every
 * (re)connect too, so a dropped connection loses nothing. A comment every 15 s keeps proxies
 * from closing an idle stream.
 */
import { z } from 'zod';
import { AppError } from '@/db/errors';
import { experienceId } from '@/db/reservations';
import { handler, readQuery } from '@/lib/http';
import { logger } from '@/lib/logger';
import { Slug } from '@/lib/schemas';
import { subscribe } from '@/lib/slot-stream';

export const dynamic = 'force-dynamic';

const StreamQuery = z.strictObject({ experience: Slug });
const HEARTBEAT_MS = 15_000;

export const GET = handler('Error streaming availability', async (req) => {
  const { experience } = readQuery(req, StreamQuery);
  const id = await experienceId(experience);
  if (id === null) throw new AppError('experience_not_found');

  const encoder = new TextEncoder();
  let close = () => {};
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          close();
        }
      };
      const unsubscribe = await subscribe(id, (changes) => send(`event: slots\ndata: ${JSON.stringify(changes)}\n\n`));
      const heartbeat = setInterval(() => send(': ping\n\n'), HEARTBEAT_MS);
      close = () => {
        clearInterval(heartbeat);
        unsubscribe();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      req.signal.addEventListener('abort', () => close(), { once: true });
      send(`retry: 1000\n: streaming ${experience}\n\n`);
    },
    cancel() {
      close();
    },
  });
  logger.debug({ event: 'stream_opened', experience }, 'Availability stream opened');
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
});
