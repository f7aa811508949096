/** CallQueue (db/reserve-queue.ts): when inputs go alone, when they share a call, what each gets. */
import { describe, expect, test } from 'vitest';
import { CallQueue, spread } from '@/db/reserve-queue';

/** A `send` whose calls stay open until the test settles them. */
function controlledSend() {
  const calls: { inputs: number[]; settle: (results: PromiseSettledResult<string>[]) => void; fail: (err: Error) => void }[] = [];
  const send = (inputs: number[]) =>
    new Promise<PromiseSettledResult<string>[]>((resolve, reject) => calls.push({ inputs, settle: resolve, fail: reject }));
  return { calls, send };
}
/**
 * Lets the queue take its next step: it sends in a check phase (`setImmediate`) after what
 * arrived, and after a call has settled; two check phases leave room for both.
 */
const turn = async () => {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
};
const answers = (inputs: number[]): PromiseSettledResult<string>[] =>
  inputs.map((i) => (i % 2 ? { status: 'fulfilled', value: `answer ${i}` } : { status: 'rejected', reason: new Error(`error ${i}`) }));

describe('CallQueue', () => {
  test('a lone input on an idle queue goes alone, in the same turn of the event loop', async () => {
    const { calls, send } = controlledSend();
    const queue = new CallQueue(send, { maxInFlight: 2, maxBatch: 3 });
    const result = queue.push(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => c.inputs)).toEqual([[1]]);
    calls[0]!.settle(answers([1]));
    expect(await result).toBe('answer 1');
  });

  test('what arrives in one turn shares calls (at most maxBatch each, maxInFlight at once); later arrivals wait for a free call', async () => {
    const { calls, send } = controlledSend();
    const queue = new CallQueue(send, { maxInFlight: 2, maxBatch: 3 });
    const results = [1, 2, 3, 4, 5, 6, 7].map((i) => queue.push(i).then((v) => v, (e: Error) => e.message));
    expect(calls).toEqual([]); // nothing is sent until the turn is over
    await turn();
    expect(calls.map((c) => c.inputs)).toEqual([[1, 3, 5], [2, 4, 6]]);

    // 7 waits; so do 8 and 9, which arrive in later turns while both calls run.
    results.push(queue.push(8).then((v) => v, (e: Error) => e.message));
    await turn();
    results.push(queue.push(9).then((v) => v, (e: Error) => e.message));
    await turn();
    expect(calls).toHaveLength(2);

    calls[0]!.settle(answers([1, 3, 5]));
    await turn();
    expect(calls.map((c) => c.inputs)).toEqual([[1, 3, 5], [2, 4, 6], [7, 8, 9]]);
    calls[1]!.settle(answers([2, 4, 6]));
    calls[2]!.settle(answers([7, 8, 9]));
    expect(await Promise.all(results)).toEqual([
      'answer 1', 'error 2', 'answer 3', 'error 4', 'answer 5', 'error 6', 'answer 7', 'error 8', 'answer 9',
    ]);
    expect(queue.sent).toEqual({ calls: 3, inputs: 9 });
  });

  test('what waits is spread over the free calls, inputs of one key in one call', async () => {
    const { calls, send } = controlledSend();
    // Keys are the tens: 11, 13 and 15 are one start time, 21 and 31 two others.
    const queue = new CallQueue(send, { maxInFlight: 2, maxBatch: 4, keyOf: (i: number) => Math.floor(i / 10) });
    const results = [11, 21, 13, 31, 15].map((i) => queue.push(i));
    await turn();
    expect(calls.map((c) => c.inputs)).toEqual([[11, 13, 15], [21, 31]]);
    calls[0]!.settle(answers([11, 13, 15]));
    calls[1]!.settle(answers([21, 31]));
    expect(await Promise.all(results)).toEqual(['answer 11', 'answer 21', 'answer 13', 'answer 31', 'answer 15']);

    // Alone on an idle queue, two start times go in two calls at once, not one after the other.
    const pair = [queue.push(41), queue.push(51)];
    await turn();
    expect(calls.slice(2).map((c) => c.inputs)).toEqual([[41], [51]]);
    calls[2]!.settle(answers([41]));
    calls[3]!.settle(answers([51]));
    expect(await Promise.all(pair)).toEqual(['answer 41', 'answer 51']);
  });

  test('spread: even batches of at most size, keys kept together where they fit, order kept', () => {
    const byTens = (i: number) => Math.floor(i / 10);
    // One hot key, more than a batch holds: it fills batches in turn.
    expect(spread([1, 2, 3, 4, 5, 6, 7, 8], 2, 4, () => 'hot')).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect(spread([1, 2, 3], 2, 32, () => 'hot')).toEqual([[1, 2, 3]]);
    // Distinct keys: as even as it gets.
    expect(spread([1, 2, 3, 4, 5, 6, 7, 8], 2, 32, (i) => i).map((b) => b.length)).toEqual([4, 4]);
    expect(spread([1], 2, 32, (i) => i)).toEqual([[1]]);
    expect(spread([], 2, 32, (i) => i)).toEqual([]);
    // A key that fits nowhere whole is split rather than overfilling a batch.
    const packed = spread([11, 12, 21, 22, 31, 32], 2, 3, byTens);
    expect(packed.map((b) => b.length)).toEqual([3, 3]);
    expect(packed.flat().sort()).toEqual([11, 12, 21, 22, 31, 32]);
    // Randomised: never more than size, nothing lost or repeated, keys split only when they must.
    for (let run = 0; run < 200; run++) {
      const calls = 1 + Math.floor(Math.random() * 3);
      const size = 1 + Math.floor(Math.random() * 6);
      const n = Math.floor(Math.random() * (calls * size + 1));
      const items = Array.from({ length: n }, (_, i) => i * 10 + Math.floor(Math.random() * 4));
      const batches = spread(items, calls, size, (i) => i % 10);
      expect(batches.length).toBeLessThanOrEqual(calls);
      for (const b of batches) {
        expect(b.length).toBeGreaterThan(0);
        expect(b.length).toBeLessThanOrEqual(size);
        expect(b).toEqual([...b].sort((x, y) => x - y));
      }
      expect(batches.flat().sort((x, y) => x - y)).toEqual(items);
    }
  });

  test('a call that fails as a whole fails every input in it, and the queue goes on', async () => {
    const { calls, send } = controlledSend();
    const queue = new CallQueue(send, { maxInFlight: 1, maxBatch: 10 });
    const first = queue.push(1);
    await turn();
    const shared = [queue.push(2), queue.push(3)];
    calls[0]!.settle(answers([1]));
    expect(await first).toBe('answer 1');
    await turn();
    expect(calls[1]!.inputs).toEqual([2, 3]);
    calls[1]!.fail(new Error('connection lost'));
    for (const p of shared) await expect(p).rejects.toThrow('connection lost');

    const after = queue.push(7);
    await turn();
    calls[2]!.settle(answers([7]));
    expect(await after).toBe('answer 7');
  });

  test('a call answering the wrong number of results fails its inputs instead of mixing them up', async () => {
    const queue = new CallQueue(async (inputs: number[]) => answers(inputs).slice(1), { maxInFlight: 1, maxBatch: 10 });
    await expect(queue.push(1)).rejects.toThrow('a batch of 1 got 0 answers');
  });
});
