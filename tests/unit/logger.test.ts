/** lib/logger: an error is logged with what says what happened, never with the objects it carries. */
import { describe, expect, test } from 'vitest';
import { serializeError } from '@/lib/logger';

describe('serializeError', () => {
  test("a driver's error keeps its message, stack, SQLSTATE and cause, and loses its connection", () => {
    const cause = new Error('socket closed');
    const err = Object.assign(new Error('terminating connection due to administrator command', { cause }), {
      code: '57P01',
      severity: 'FATAL',
      length: 116,
      client: { connectionParameters: { host: '127.0.0.1', password: 'secret' }, _events: {} },
    });
    const out = serializeError(err) as Record<string, unknown>;
    expect(out).toMatchObject({
      type: 'Error',
      code: '57P01',
      severity: 'FATAL',
      length: 116,
    });
    // pino folds the cause into the message and the stack.
    expect(out.message).toBe('terminating connection due to administrator command: socket closed');
    expect(out.stack).toContain('caused by: Error: socket closed');
    expect(out).not.toHaveProperty('client');
    expect(JSON.stringify(out)).not.toContain('secret');
    // The error itself is left as it was.
    expect(err.client.connectionParameters.password).toBe('secret');
  });

  test('what is not an Error is logged as it is', () => {
    const value = { reason: 'x', nested: { a: 1 } };
    expect(serializeError(value)).toBe(value);
    expect(serializeError('text')).toBe('text');
  });
});
