/**
 * The database driver (postgres.js, as configured in db/client.ts) when connections die at awkward
 * moments, as they do while PostgreSQL restarts: a failure reaches the query that met it, never
 * the process, and the pool is back at once when the server is.
 */
import net from 'node:net';
import postgres from 'postgres';
import { afterEach, expect, test } from 'vitest';
import { reconnectDelaySeconds } from '@/db/client';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/**
 * A TCP proxy to the test database that resets connections (RST, as a server going down does):
 * a new one at once while `refuse()` says so, or one whose client sends a chunk `resetOn` picks.
 * Every other byte passes through.
 */
async function proxyToDatabase(policy: { refuse?: () => boolean; resetOn?: (chunk: Buffer) => boolean }): Promise<string> {
  const target = new URL(process.env.DATABASE_URL!);
  const server = net.createServer((client) => {
    client.on('error', () => {});
    if (policy.refuse?.()) return void client.resetAndDestroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      if (policy.resetOn?.(chunk)) {
        upstream.destroy();
        client.resetAndDestroy();
        return;
      }
      upstream.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = new URL(target);
  url.port = String((server.address() as net.AddressInfo).port);
  return url.toString();
}

test('a connection reset during the driver’s first statement fails the query that waited on it, not the process', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  cleanup.push(() => void process.off('unhandledRejection', onUnhandled));

  // Reset the first time a client sends postgres.js's array-types query, the first statement on
  // every new connection.
  let resets = 0;
  const url = await proxyToDatabase({
    resetOn: (chunk) => {
      if (resets > 0 || !chunk.includes('typcategory')) return false;
      resets++;
      return true;
    },
  });
  const db = postgres(url, { max: 1, backoff: reconnectDelaySeconds, onnotice: () => {} });
  cleanup.push(() => db.end({ timeout: 1 }));

  // Unpatched, postgres.js dropped the promise of that statement, and its rejection ended the
  // process (porsager/postgres#1192; patches/postgres+3.4.9.patch).
  const first = await db`select 1 as one`.then(
    () => 'answered',
    (err: { code?: string }) => err.code,
  );
  expect(resets).toBe(1);
  expect(first).toBe('ECONNRESET');
  const [row] = await db<{ one: number }[]>`select 1 as one`;
  expect(row!.one).toBe(1);
  // Rejections are reported after the microtasks of the turn that made them.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(unhandled).toEqual([]);
});

test('after seconds of failed reconnects, the pool is back within a second or two of the server', async () => {
  let down = true;
  const url = await proxyToDatabase({ refuse: () => down });
  const db = postgres(url, { max: 2, backoff: reconnectDelaySeconds, onnotice: () => {} });
  cleanup.push(() => db.end({ timeout: 1 }));

  // A database that resets every connection, asked until eight reconnects in a row have failed:
  // by postgres.js's own backoff the next attempt would then be 10–20 s away.
  let failures = 0;
  const deadline = Date.now() + 30_000;
  while (failures < 8 && Date.now() < deadline) {
    await db`select 1`.then(() => undefined, () => failures++);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(failures).toBe(8);

  down = false;
  const back = Date.now();
  const [row] = await db<{ one: number }[]>`select 1 as one`;
  expect(row!.one).toBe(1);
  expect(Date.now() - back).toBeLessThan(2500);
});
