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
/** Lets the queue take its next step (it sends the next call once the last one has settled). */
const turn = () => new Promise((resolve) => setImmediate(resolve));
const answers = (inputs: number[]): PromiseSettledResult<string>[] =>
  inputs.map((i) => (i % 2 ? { status: 'fulfilled', value: `answer ${i}` } : { status: 'rejected', reason: new Error(`error ${i}`) }));

describe('CallQueue', () => {
  test('sends at once while calls are free, then shares the next free call among those who waited', async () => {
    const { calls, send } = controlledSend();
    const queue = new CallQueue(send, 2, 3);
    const results = [1, 2, 3, 4, 5, 6].map((i) => queue.push(i).then((v) => v, (e: Error) => e.message));
    expect(calls.map((c) => c.inputs)).toEqual([[1], [2]]);

    calls[0]!.settle(answers([1]));
    await turn();
    // Four waited; a call takes at most three.
    expect(calls.map((c) => c.inputs)).toEqual([[1], [2], [3, 4, 5]]);
    calls[1]!.settle(answers([2]));
    await turn();
    expect(calls.map((c) => c.inputs)).toEqual([[1], [2], [3, 4, 5], [6]]);
    calls[2]!.settle(answers([3, 4, 5]));
    calls[3]!.settle(answers([6]));
    expect(await Promise.all(results)).toEqual(['answer 1', 'error 2', 'answer 3', 'error 4', 'answer 5', 'error 6']);
    expect(queue.sent).toEqual({ calls: 4, inputs: 6 });
  });

  test('a call that fails as a whole fails every input in it, and the queue goes on', async () => {
    const { calls, send } = controlledSend();
    const queue = new CallQueue(send, 1, 10);
    const first = queue.push(1);
    const shared = [queue.push(2), queue.push(3)];
    calls[0]!.settle(answers([1]));
    expect(await first).toBe('answer 1');
    await turn();
    expect(calls[1]!.inputs).toEqual([2, 3]);
    calls[1]!.fail(new Error('connection lost'));
    for (const p of shared) await expect(p).rejects.toThrow('connection lost');

    await turn();
    const after = queue.push(7);
    calls[2]!.settle(answers([7]));
    expect(await after).toBe('answer 7');
  });

  test('a call answering the wrong number of results fails its inputs instead of mixing them up', async () => {
    const queue = new CallQueue(async (inputs: number[]) => answers(inputs).slice(1), 1, 10);
    await expect(queue.push(1)).rejects.toThrow('a batch of 1 got 0 answers');
  });
});
