/** CallQueue (db/reserve-queue.ts): when inputs go alone, when they share a call, what each gets. */
import { describe, expect, test } from 'vitest';
import { CallQueue } from '@/db/reserve-queue';

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
    const queue = new CallQueue(send, 2, 3);
    const result = queue.push(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.map((c) => c.inputs)).toEqual([[1]]);
    calls[0]!.settle(answers([1]));
    expect(await result).toBe('answer 1');
  });

  test('what arrives in one turn shares calls (at most maxBatch each, maxInFlight at once); later arrivals wait for a free call', async () => {
    const { calls, send } = controlledSend();
    const queue = new CallQueue(send, 2, 3);
    const results = [1, 2, 3, 4, 5, 6, 7].map((i) => queue.push(i).then((v) => v, (e: Error) => e.message));
    expect(calls).toEqual([]); // nothing is sent until the turn is over
    await turn();
    expect(calls.map((c) => c.inputs)).toEqual([[1, 2, 3], [4, 5, 6]]);

    // 7 waits; so do 8 and 9, which arrive in later turns while both calls run.
    results.push(queue.push(8).then((v) => v, (e: Error) => e.message));
    await turn();
    results.push(queue.push(9).then((v) => v, (e: Error) => e.message));
    await turn();
    expect(calls).toHaveLength(2);

    calls[0]!.settle(answers([1, 2, 3]));
    await turn();
    expect(calls.map((c) => c.inputs)).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    calls[1]!.settle(answers([4, 5, 6]));
    calls[2]!.settle(answers([7, 8, 9]));
    expect(await Promise.all(results)).toEqual([
      'answer 1', 'error 2', 'answer 3', 'error 4', 'answer 5', 'error 6', 'answer 7', 'error 8', 'answer 9',
    ]);
    expect(queue.sent).toEqual({ calls: 3, inputs: 9 });
  });

  test('a call that fails as a whole fails every input in it, and the queue goes on', async () => {
    const { calls, send } = controlledSend();
    const queue = new CallQueue(send, 1, 10);
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
    const queue = new CallQueue(async (inputs: number[]) => answers(inputs).slice(1), 1, 10);
    await expect(queue.push(1)).rejects.toThrow('a batch of 1 got 0 answers');
  });
});
