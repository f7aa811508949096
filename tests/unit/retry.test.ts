/**
 * withRetry runs the work again after a deadlock or serialization failure — also when the error
 * was already mapped to an AppError by a wrapper inside the transaction — and never otherwise.
 */
import { describe, expect, test } from 'vitest';
import { AppError } from '@/db/errors';
import { withRetry } from '@/db/retry';

function failing(errors: unknown[]) {
  let calls = 0;
  const run = async () => {
    const err = errors[calls++];
    if (err) throw err;
    return 'done';
  };
  return { run, calls: () => calls };
}

describe('withRetry', () => {
  test('retries a driver deadlock and a deadlock already mapped to AppError', async () => {
    for (const err of [Object.assign(new Error('deadlock'), { code: '40P01' }), new AppError('busy', undefined, { sqlstate: '40P01' })]) {
      const work = failing([err]);
      await expect(withRetry(work.run)).resolves.toBe('done');
      expect(work.calls()).toBe(2);
    }
  });

  test('does not retry a lock timeout, a project error or an unknown error, and gives up after the last attempt', async () => {
    for (const err of [new AppError('busy', undefined, { sqlstate: '55P03' }), new AppError('sold_out'), new Error('boom')]) {
      const work = failing([err]);
      await expect(withRetry(work.run)).rejects.toBe(err);
      expect(work.calls()).toBe(1);
    }
    const serialization = new AppError('busy', undefined, { sqlstate: '40001' });
    const work = failing([serialization, serialization, serialization]);
    await expect(withRetry(work.run, 3)).rejects.toBe(serialization);
    expect(work.calls()).toBe(3);
  });
});
