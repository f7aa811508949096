/**
 * db/embedded.ts `ownProcessGroup` (used by `npm run dev` and `npm start`, scripts/run.ts): a
 * Ctrl-C in the terminal goes to the whole foreground process group. With its own process group
 * the embedded PostgreSQL does not get it, so the app can stop its worker before the server;
 * without, the server shuts down at once. The group here is a child process made leader of a
 * group of its own, as a shell makes a command it runs.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, test } from 'vitest';
import { embeddedPostgresProblem, findFreePort } from '@/db/embedded';
import { until } from '../helpers/poll';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'holdfast-group-'));
chmodSync(dir, 0o755);
const problem = embeddedPostgresProblem(path.join(dir, 'data'));
const postmasters: number[] = [];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterAll(async () => {
  for (const pid of postmasters.filter(alive)) process.kill(pid, 'SIGINT');
  await until('the test servers to stop', async () => !postmasters.some(alive), 30_000);
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a server from a child process leading its own group; sends the group SIGINT once it is ready. */
async function ctrlC(group: 'own' | 'shared'): Promise<{ postmaster: number; port: number }> {
  const dataDir = path.join(dir, group);
  const port = await findFreePort(group === 'own' ? 56432 : 56532);
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/embedded-child.ts', dataDir, String(port), group], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await until('the child to start its server', async () => out.includes('ready') || child.exitCode !== null, 60_000);
  expect(out).toContain('ready');
  const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  postmasters.push(postmaster);
  process.kill(-child.pid!, 'SIGINT');
  await exited;
  return { postmaster, port };
}

describe.skipIf(problem)('the embedded PostgreSQL and a Ctrl-C', () => {
  test('in a process group of its own, it keeps serving after the group got SIGINT', async () => {
    const { postmaster, port } = await ctrlC('own');
    const sql = postgres(`postgres://postgres:holdfast@127.0.0.1:${port}/postgres`, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql`select 1 as one`;
      expect(row!.one).toBe(1);
    } finally {
      await sql.end();
    }
    expect(alive(postmaster)).toBe(true);
  });

  test('in the starting process group, the same SIGINT shuts it down', async () => {
    const { postmaster } = await ctrlC('shared');
    await until('the server to shut down', async () => !alive(postmaster), 30_000);
  });
});
