/**
 * Reservations that arrive together share a round trip (db/reservations.ts `reserveSeats`).
 *
 * A pool's queue sends on the event loop's next check phase (`setImmediate`), not in `push`:
 * everything that arrived in the same turn of the loop (the requests read in one poll, the
 * customers a call has just answered coming back for more) is sent in calls of
 * api.reserve_seats_many (db/migrations/0015), while fewer than `maxInFlight` calls are running.
 * What waits is spread evenly over the calls that are free, up to `maxBatch` in each, keeping the
 * reservations of one start time (`keyOf`) in one call: reservations for different start times
 * then run on both of the database's cores at once, and those for one start time pay one
 * hand-over of its lock, not one per call. What arrives while every call runs waits for the next
 * call to finish. One call costs one transaction, one commit flush and, on a hot slot, one
 * hand-over of the slot's lock, however many it carries. A lone reservation on an idle server is
 * sent alone, a few microseconds later; nobody waits for a timer.
 */

/** Most reservations in one call: api.reserve_seats_many takes at most 32. */
export const MAX_BATCH = 32;
/** Calls one pool runs at once; what arrives while they all run waits for the next free one. */
export const MAX_IN_FLIGHT = 2;

export interface CallQueueOptions<I> {
  /** Calls running at once; what arrives while they all run waits. Default MAX_IN_FLIGHT. */
  maxInFlight?: number;
  /** Most inputs in one call. Default MAX_BATCH. */
  maxBatch?: number;
  /** Inputs with the same key go in the same call where they fit. Default: each input its own key. */
  keyOf?: (input: I) => unknown;
}

interface Waiting<I, O> {
  input: I;
  resolve: (result: O) => void;
  reject: (err: unknown) => void;
}

export class CallQueue<I, O> {
  private readonly waiting: Waiting<I, O>[] = [];
  private inFlight = 0;
  private pumpScheduled = false;
  /** Calls and inputs sent since the queue was made (tests and the benchmark read them). */
  readonly sent = { calls: 0, inputs: 0 };

  private readonly maxInFlight: number;
  private readonly maxBatch: number;
  private readonly keyOf: (input: I) => unknown;

  /**
   * `send` answers a batch of inputs with one settled result per input, in order; it rejects
   * only when the batch failed as a whole, and then every input in it gets that error.
   */
  constructor(
    private readonly send: (inputs: I[]) => Promise<PromiseSettledResult<O>[]>,
    options: CallQueueOptions<I> = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT;
    this.maxBatch = options.maxBatch ?? MAX_BATCH;
    this.keyOf = options.keyOf ?? ((input) => input);
  }

  push(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.schedulePump();
    });
  }

  /** Pumps once the loop's current turn is done, so that what arrives in it goes together. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const free = this.maxInFlight - this.inFlight;
    if (free <= 0 || this.waiting.length === 0) return;
    const taken = this.waiting.splice(0, free * this.maxBatch);
    for (const batch of spread(taken, free, this.maxBatch, (w) => this.keyOf(w.input))) {
      this.inFlight++;
      this.sent.calls++;
      this.sent.inputs += batch.length;
      void this.run(batch).finally(() => {
        this.inFlight--;
        this.schedulePump();
      });
    }
  }

  private async run(batch: Waiting<I, O>[]): Promise<void> {
    let results: PromiseSettledResult<O>[];
    try {
      results = await this.send(batch.map((w) => w.input));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} got ${results.length} answers`);
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const result = results[i]!;
      if (result.status === 'fulfilled') w.resolve(result.value);
      else w.reject(result.reason);
    });
  }
}

/**
 * Spreads `items` (at most `calls` × `size` of them) over at most `calls` batches of at most
 * `size`, as evenly as it can, the items of one key in one batch where they fit (a key with more
 * than `size` items fills batches in turn); each batch keeps the items' order.
 */
export function spread<T>(items: T[], calls: number, size: number, keyOf: (item: T) => unknown): T[][] {
  const groups = new Map<unknown, number[]>();
  items.forEach((item, i) => {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  const batches: number[][] = Array.from({ length: Math.min(calls, items.length) }, () => []);
  const emptiest = (among: number[][]) => among.reduce((a, b) => (b.length < a.length ? b : a));
  // Biggest groups first, each into the emptiest batch it fits in whole.
  for (const group of [...groups.values()].sort((a, b) => b.length - a.length)) {
    let rest = group;
    while (rest.length > 0) {
      const fits = batches.filter((b) => b.length + rest.length <= size);
      const target = emptiest(fits.length > 0 ? fits : batches);
      const room = size - target.length;
      target.push(...rest.slice(0, room));
      rest = rest.slice(room);
    }
  }
  return batches.filter((b) => b.length > 0).map((b) => b.sort((x, y) => x - y).map((i) => items[i]!));
}
