import path from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;

export default defineConfig({
  resolve: {
    alias: {
      '@': root,
      // Next.js's `server-only` guard throws outside a React Server bundle; tests run on the server.
      'server-only': path.join(root, 'tests/helpers/empty-module.ts'),
    },
  },
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    globalSetup: ['tests/global-setup.ts'],
    setupFiles: ['tests/helpers/test-database.ts'],
    pool: 'forks',
    // One file at a time: the storm and fault tests load both cores, and timing-sensitive tests
    // (job lag, worker start-up) must not compete with them.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
