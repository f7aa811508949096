/**
 * End-to-end tests in a real browser against the production build (tests/e2e). Chromium comes
 * from Debian (`apt-get install -y chromium`, /usr/bin/chromium) because these machines cannot
 * download Playwright's own; set CHROMIUM_PATH to use another, or leave it unset where
 * `npx playwright install chromium` works and /usr/bin/chromium is absent.
 */
import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

// A port of this run's own (workers inherit it through the environment), so two runs on one
// machine never meet on the same server.
process.env.E2E_PORT ??= String(20_000 + (process.pid % 20_000));
const port = Number(process.env.E2E_PORT);
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.e2e.ts',
  // One server, one database, scenarios that count seats: run them one after another.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 5_000 },
  reporter: [['list']],
  outputDir: 'test-results/e2e',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1280, height: 900 },
    trace: 'retain-on-failure',
    launchOptions: {
      ...(executablePath && { executablePath }),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: 'node --import tsx tests/e2e/serve.ts',
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 180_000,
    reuseExistingServer: false,
    // serve.ts stops next, drops its database and stops its PostgreSQL on SIGTERM.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
    stdout: 'pipe',
    stderr: 'pipe',
    env: { E2E_PORT: String(port) },
  },
});
