/**
 * Identical reads that arrive together share one call (db/reservations.ts `checkAvailability`).
 *
 * A read for a key starts at once when no read for that key is running. One that arrives while a
 * read is running does not take that read's answer: it may have been read before the request
 * arrived. It waits for the next read of the key, which starts as soon as the running one ends
 * and answers everybody who arrived meanwhile. So every caller gets an answer read after it
 * asked, exactly as if it had called alone, and a rush of customers looking at one experience
 * costs the database one read at a time instead of one per customer. Nothing is cached: once
 * nobody asks, nothing is kept.
 */

const ignore = () => {};

interface Reading<V> {
  running: Promise<V>;
  /** The read that starts when `running` ends, shared by all who asked meanwhile. */
  next?: Promise<V>;
}

export class SharedReads<V> {
  private readonly reading = new Map<string, Reading<V>>();
  /** Reads made and answers given since the object was made (the tests read them). */
  readonly sent = { reads: 0, answers: 0 };

  /** The answer for `key`; `read` is how to read it (callers of one key read the same thing). */
  get(key: string, read: () => Promise<V>): Promise<V> {
    this.sent.answers++;
    const entry = this.reading.get(key);
    if (!entry) return this.start(key, read);
    entry.next ??= entry.running.then(ignore, ignore).then(() => this.start(key, read));
    return entry.next;
  }

  private start(key: string, read: () => Promise<V>): Promise<V> {
    this.sent.reads++;
    const entry: Reading<V> = { running: read() };
    this.reading.set(key, entry);
    // Forget the key once its read is over, unless a next one has taken its place.
    entry.running.then(ignore, ignore).then(() => {
      if (this.reading.get(key) === entry && !entry.next) this.reading.delete(key);
    });
    return entry.running;
  }
}
