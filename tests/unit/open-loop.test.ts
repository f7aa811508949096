/** bench/open-loop: requests go out on the clock, whatever the server does, and are timed from when they fell due. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { openLoop } from '@/bench/open-loop';

let server: http.Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A local server whose handler the test chooses; resolves to its port. */
async function serve(handler: http.RequestListener): Promise<number> {
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const post = () => ({ method: 'POST', path: '/r', headers: { 'content-type': 'application/json' }, body: '{"slotId":1}' });

describe('openLoop', () => {
  test('every request that falls due is sent, spread over the schedule, and answered', async () => {
    const arrivals: number[] = [];
    const bodies: string[] = [];
    const port = await serve((req, res) => {
      arrivals.push(performance.now());
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => {
        bodies.push(body);
        res.end('{}');
      });
    });
    const before = performance.now();
    const r = await openLoop({ port, rate: 200, seconds: 0.5, request: post });
    expect(r).toMatchObject({ due: 100, answered: 100, non2xx: 0, errors: 0 });
    expect(r.latencies).toHaveLength(100);
    expect(bodies.every((b) => b === '{"slotId":1}')).toBe(true);
    // The 100th request fell due 495 ms after the loop started and was not sent before: the
    // requests are not sent all at once, however busy the machine is.
    expect(arrivals.at(-1)! - before).toBeGreaterThanOrEqual(494);
  });

  test('a server that stalls does not slow the load, and its stall counts in every waiting request', async () => {
    const STALL_MS = 300;
    let first: number | undefined;
    let receivedDuringStall = 0;
    const held: http.ServerResponse[] = [];
    const port = await serve((_req, res) => {
      first ??= performance.now();
      if (performance.now() - first < STALL_MS) {
        receivedDuringStall++;
        held.push(res);
        if (held.length === 1) setTimeout(() => held.forEach((h) => h.end('{}')), STALL_MS);
      } else {
        res.end('{}');
      }
    });
    const r = await openLoop({ port, rate: 200, seconds: 0.6, request: post });
    expect(r).toMatchObject({ due: 120, answered: 120, errors: 0 });
    // A closed loop on one connection would have sent one and waited; this one kept sending
    // (~60 fell due during the stall; fewer arrive only if this process itself is starved).
    expect(receivedDuringStall).toBeGreaterThanOrEqual(20);
    // The first request fell due when it was sent and was answered after the stall.
    expect(Math.max(...r.latencies)).toBeGreaterThanOrEqual(STALL_MS - 10);
  });

  test('a request sent late, because the client itself was busy, is timed from when it fell due', async () => {
    const port = await serve((_req, res) => res.end('{}'));
    let calls = 0;
    const r = await openLoop({
      port,
      rate: 100,
      seconds: 0.3,
      request: () => {
        // The client stalls for 150 ms while it prepares its first request.
        if (calls++ === 0) for (const until = performance.now() + 150; performance.now() < until; );
        return post();
      },
    });
    expect(r).toMatchObject({ due: 30, answered: 30, errors: 0 });
    // The server answers at once; only the client's own delay can make a request take 150 ms.
    expect(Math.max(...r.latencies)).toBeGreaterThanOrEqual(150);
  });

  test('beyond maxSockets, due requests wait for a connection, and the wait counts', async () => {
    let open = 0;
    let most = 0;
    const port = await serve((_req, res) => setTimeout(() => res.end('{}'), 20));
    server!.on('connection', (socket) => {
      most = Math.max(most, ++open);
      socket.on('close', () => open--);
    });
    // 200 due a second against at most 100 answers a second on two connections.
    const r = await openLoop({ port, rate: 200, seconds: 0.3, request: post, maxSockets: 2 });
    expect(r).toMatchObject({ due: 60, answered: 60, errors: 0 });
    expect(most).toBe(2);
    // The last fell due at ~295 ms and could not be answered before ~600 ms.
    expect(Math.max(...r.latencies)).toBeGreaterThanOrEqual(250);
  });

  test('answers other than 2xx and failed requests are counted apart', async () => {
    let n = 0;
    const port = await serve((req, res) => {
      n++;
      if (n % 4 === 0) req.socket.destroy();
      else {
        res.statusCode = n % 4 === 1 ? 409 : 201;
        res.end('{}');
      }
    });
    const r = await openLoop({ port, rate: 100, seconds: 0.4, request: post, maxSockets: 1 });
    expect(r.due).toBe(40);
    expect(r.errors).toBeGreaterThan(0);
    expect(r.non2xx).toBeGreaterThan(0);
    expect(r.answered + r.errors).toBe(40);
  });
});
