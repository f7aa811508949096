/** SharedReads (db/shared-reads.ts): who shares which read, and that nobody gets an answer read before they asked. */
import { describe, expect, test } from 'vitest';
import { SharedReads } from '@/db/shared-reads';

/** A `read` whose reads stay open until the test settles them; each answers `<key> #<n>`. */
function controlledRead() {
  const reads: { key: string; answer: () => void; fail: (err: Error) => void }[] = [];
  const read = (key: string) =>
    new Promise<string>((resolve, reject) => {
      const n = reads.length + 1;
      reads.push({ key, answer: () => resolve(`${key} #${n}`), fail: reject });
    });
  return { reads, read };
}
/** Lets the promise reactions run (a next read starts once the running one has settled). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('SharedReads', () => {
  test('who arrives while a read runs gets the next read, which all of them share', async () => {
    const { reads, read } = controlledRead();
    const shared = new SharedReads<string>();
    const get = (key: string) => shared.get(key, () => read(key));
    const first = get('a');
    const later = [get('a'), get('a'), get('a')];
    expect(reads.map((r) => r.key)).toEqual(['a']);

    reads[0]!.answer();
    expect(await first).toBe('a #1');
    await turn();
    // Those who asked during read 1 did not get its answer: one more read, started after they asked.
    expect(reads).toHaveLength(2);
    const last = get('a'); // arrives during read 2: waits for read 3
    reads[1]!.answer();
    expect(await Promise.all(later)).toEqual(['a #2', 'a #2', 'a #2']);
    await turn();
    expect(reads).toHaveLength(3);
    reads[2]!.answer();
    expect(await last).toBe('a #3');
    expect(shared.sent).toEqual({ reads: 3, answers: 5 });
  });

  test('keys do not share, and an idle key starts at once', async () => {
    const { reads, read } = controlledRead();
    const shared = new SharedReads<string>();
    const get = (key: string) => shared.get(key, () => read(key));
    const a = get('a');
    const b = get('b');
    expect(reads.map((r) => r.key)).toEqual(['a', 'b']);
    reads[0]!.answer();
    reads[1]!.answer();
    expect([await a, await b]).toEqual(['a #1', 'b #2']);
    await turn();
    // Nothing is kept once a read is over: the next caller reads again, at once.
    const again = get('a');
    expect(reads).toHaveLength(3);
    reads[2]!.answer();
    expect(await again).toBe('a #3');
  });

  test('a failed read fails only those who shared it; the next read goes on', async () => {
    const { reads, read } = controlledRead();
    const shared = new SharedReads<string>();
    const get = (key: string) => shared.get(key, () => read(key));
    const first = get('a');
    const second = get('a');
    reads[0]!.fail(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await turn();
    reads[1]!.answer();
    expect(await second).toBe('a #2');
    await turn();
    const third = get('a');
    reads[2]!.fail(new Error('timeout'));
    await expect(third).rejects.toThrow('timeout');
    const fourth = get('a');
    await turn();
    reads[3]!.answer();
    expect(await fourth).toBe('a #4');
  });
});
