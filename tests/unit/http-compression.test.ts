/**
 * HTTP_COMPRESSION: `next start` gzips its answers unless told a proxy does it. next.config.ts
 * hands the parsed setting to Next.js's `compress` (which keeps its compression middleware out of
 * every request when false), and a value that is neither on nor off stops the server.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { parseEnv } from '@/lib/env';

const saved = process.env.HTTP_COMPRESSION;
afterEach(() => {
  if (saved === undefined) delete process.env.HTTP_COMPRESSION;
  else process.env.HTTP_COMPRESSION = saved;
  vi.resetModules();
});

/** next.config.ts as `next start` loads it, with HTTP_COMPRESSION set to `value` (or unset). */
async function loadNextConfig(value: string | undefined) {
  if (value === undefined) delete process.env.HTTP_COMPRESSION;
  else process.env.HTTP_COMPRESSION = value;
  vi.resetModules();
  return (await import('@/next.config')).default;
}

describe('HTTP_COMPRESSION', () => {
  test('on unless set off', () => {
    expect(parseEnv({}).HTTP_COMPRESSION).toBe(true);
    for (const off of ['false', '0', 'no']) expect(parseEnv({ HTTP_COMPRESSION: off }).HTTP_COMPRESSION).toBe(false);
    for (const on of ['true', '1', 'yes']) expect(parseEnv({ HTTP_COMPRESSION: on }).HTTP_COMPRESSION).toBe(true);
  });

  test('anything else is refused, naming the variable', () => {
    expect(() => parseEnv({ HTTP_COMPRESSION: 'gzip' })).toThrow(/HTTP_COMPRESSION: Invalid option/);
  });

  test("next.config.ts gives it to Next.js's compress", async () => {
    expect((await loadNextConfig(undefined)).compress).toBe(true);
    expect((await loadNextConfig('false')).compress).toBe(false);
    expect((await loadNextConfig('yes')).compress).toBe(true);
    await expect(loadNextConfig('maybe')).rejects.toThrow(/HTTP_COMPRESSION/);
  });
});
