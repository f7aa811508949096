/**
 * Live availability for browsers: ONE database listener per server process (LISTEN
 * slot_changes, fed by the coalescing publisher), fanned out to every open Server-Sent Events
 * stream, each filtered to its experience. When the listener reconnects after a dropped
 * database connection, every stream is told to re-read (an empty change list), since
 * notifications sent while it was away are lost.
 */
import { z } from 'zod';
import { sql } from '@/db/client';
import { startSlotPublisher } from '@/jobs/slot-publisher';
import { inlineWorker } from './env';
import { logger } from './logger';

export const SlotChange = z.object({
  slotId: z.number(),
  experienceId: z.number(),
  capacity: z.number(),
  held: z.number(),
  booked: z.number(),
  open: z.boolean(),
});
export type SlotChange = z.infer<typeof SlotChange>;

type Subscriber = (changes: SlotChange[]) => void;

/** Streams subscribe to one experience, or to every experience (the staff board). */
type Topic = number | 'all';

interface StreamState {
  subscribers: Map<Topic, Set<Subscriber>>;
  listening?: Promise<void>;
  publisher?: { stop(): Promise<void> };
}

const globalForStream = globalThis as unknown as { holdfastSlotStream?: StreamState };
const state: StreamState = (globalForStream.holdfastSlotStream ??= { subscribers: new Map<Topic, Set<Subscriber>>() });

function broadcast(changes: SlotChange[] | 'resync'): void {
  for (const [topic, subscribers] of state.subscribers) {
    const mine = changes === 'resync' ? [] : topic === 'all' ? changes : changes.filter((c) => c.experienceId === topic);
    if (changes !== 'resync' && mine.length === 0) continue;
    for (const subscriber of subscribers) subscriber(mine);
  }
}

function ensureListening(): Promise<void> {
  let connected = false;
  state.listening ??= sql()
    .listen(
      'slot_changes',
      (payload) => {
        const parsed = z.array(SlotChange).safeParse(JSON.parse(payload));
        if (parsed.success) broadcast(parsed.data);
        else logger.warn({ event: 'slot_change_unreadable' }, 'Unreadable slot_changes payload');
      },
      () => {
        if (connected) {
          logger.info({ event: 'slot_stream_relistening' }, 'Listening to slot changes again; streams re-read');
          broadcast('resync');
        }
        connected = true;
      },
    )
    .then(() => undefined)
    .catch((err: unknown) => {
      state.listening = undefined;
      throw err;
    });
  // Without a worker in this process, someone must still publish: any streaming process may.
  if (!inlineWorker()) state.publisher ??= startSlotPublisher();
  return state.listening;
}

/**
 * Calls `onChanges` with every change to the experience's slots ('all': to any slot) until the
 * returned function is called.
 */
export async function subscribe(topic: Topic, onChanges: Subscriber): Promise<() => void> {
  await ensureListening();
  let set = state.subscribers.get(topic);
  if (!set) state.subscribers.set(topic, (set = new Set()));
  set.add(onChanges);
  return () => {
    set.delete(onChanges);
    if (set.size === 0) state.subscribers.delete(topic);
  };
}

/** How many browsers are streaming (for logs and tests). */
export function streamCount(): number {
  let n = 0;
  for (const set of state.subscribers.values()) n += set.size;
  return n;
}

const HEARTBEAT_MS = 15_000;

/**
 * A Server-Sent Events response carrying `event: slots` for a topic until the client goes away
 * (or, with `stillAllowed`, until it answers false at a heartbeat). A comment every 15 s keeps
 * proxies from closing an idle stream; `retry: 1000` makes browsers reconnect after a second.
 */
export function slotEventStream(
  req: Request,
  topic: Topic,
  options: {
    /** Asked at every heartbeat: false ends the stream (a staff session signed out or ended). */
    stillAllowed?: () => Promise<boolean>;
    heartbeatMs?: number;
  } = {},
): Response {
  const encoder = new TextEncoder();
  // The client may go while the first stream of a process waits for the database listener:
  // then there is nothing to undo yet, and nothing must be set up after.
  let gone = false;
  let close = () => {
    gone = true;
  };
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          close();
        }
      };
      const unsubscribe = await subscribe(topic, (changes) => send(`event: slots\ndata: ${JSON.stringify(changes)}\n\n`));
      if (gone || req.signal.aborted) {
        unsubscribe();
        return;
      }
      const heartbeat = setInterval(() => {
        if (!options.stillAllowed) return send(': ping\n\n');
        void options.stillAllowed().then(
          (allowed) => (allowed ? send(': ping\n\n') : close()),
          () => send(': ping\n\n'), // the check itself failed (the database away): keep streaming, ask again next time
        );
      }, options.heartbeatMs ?? HEARTBEAT_MS);
      close = () => {
        gone = true;
        clearInterval(heartbeat);
        unsubscribe();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      req.signal.addEventListener('abort', () => close(), { once: true });
      send(`retry: 1000\n: streaming ${topic}\n\n`);
    },
    cancel() {
      close();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
}
