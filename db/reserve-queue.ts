/**
 * Reservations that arrive together share a round trip (db/reservations.ts `reserveSeats`).
 *
 * A pool's queue sends on the event loop's next check phase (`setImmediate`), not in `push`:
 * everything that arrived in the same turn of the loop (the requests read in one poll, the
 * customers a call has just answered coming back for more) goes in one call of
 * api.reserve_seats_many (db/migrations/0015), up to `maxBatch` in each, while fewer than
 * `maxInFlight` calls are running. What arrives while they all run waits for the next call to
 * finish. One call per turn costs one transaction, one commit flush and, on a hot slot, one
 * hand-over of the slot's lock, however many it carries. A lone reservation on an idle server is
 * sent alone, a few microseconds later; nobody waits for a timer.
 */

/** Most reservations in one call; api.reserve_seats_many takes at most 32. */
export const MAX_BATCH = 16;
/** Calls one pool runs at once; what arrives while they all run waits for the next free one. */
export const MAX_IN_FLIGHT = 2;

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

  /**
   * `send` answers a batch of inputs with one settled result per input, in order; it rejects
   * only when the batch failed as a whole, and then every input in it gets that error.
   */
  constructor(
    private readonly send: (inputs: I[]) => Promise<PromiseSettledResult<O>[]>,
    private readonly maxInFlight = MAX_IN_FLIGHT,
    private readonly maxBatch = MAX_BATCH,
  ) {}

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
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
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
