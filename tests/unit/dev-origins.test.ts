/**
 * next.config.ts `allowedDevOrigins`: `npm run dev` opened at 127.0.0.1 or at the "Network"
 * address it prints gets its hot-reload socket. Without it, Next.js refuses the socket, and the
 * page reloads itself over and over and never becomes interactive. Checked with Next.js's own
 * guard, called as its dev router calls it.
 */
import os from 'node:os';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, test } from 'vitest';
import nextConfig from '@/next.config';

const require = createRequire(import.meta.url);
const { blockCrossSiteDEV } = require('next/dist/server/lib/router-utils/block-cross-site-dev') as {
  blockCrossSiteDEV: (req: IncomingMessage, res: ServerResponse, allowed: string[] | undefined, hostname: string | undefined) => boolean;
};

/** The hot-reload socket's upgrade request, as a browser sends it from a page at `origin`. */
function hmrRequest(origin: string): { refused: boolean; status: number | undefined } {
  const req = { url: '/_next/hmr?id=test', headers: { origin, 'sec-fetch-mode': 'websocket', 'sec-fetch-site': 'same-origin' } };
  const res = { statusCode: undefined as number | undefined, end: () => undefined };
  // `next dev` is started without a hostname (scripts/run.ts passes only --port).
  const refused = blockCrossSiteDEV(req as unknown as IncomingMessage, res as unknown as ServerResponse, nextConfig.allowedDevOrigins, undefined);
  return { refused, status: res.statusCode };
}

const ownAddresses = Object.values(os.networkInterfaces())
  .flat()
  .flatMap((a) => (a && !a.internal && a.family === 'IPv4' ? [a.address] : []));

describe('next dev: which pages get the hot-reload socket', () => {
  test.each(['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000'])('a page at %s gets it', (origin) => {
    expect(hmrRequest(origin)).toEqual({ refused: false, status: undefined });
  });

  test.skipIf(ownAddresses.length === 0)("a page at this machine's network address gets it", () => {
    for (const address of ownAddresses) expect(hmrRequest(`http://${address}:3000`).refused).toBe(false);
  });

  test('a page on any other site is still refused', () => {
    expect(hmrRequest('http://attacker.example')).toEqual({ refused: true, status: 403 });
    expect(hmrRequest('http://203.0.113.7:3000')).toEqual({ refused: true, status: 403 });
  });
});
