/**
 * `npm run worker` as a real child process (tsx scripts/worker.ts), for crash and restart tests.
 * Resolves once the worker logs that it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

// A failed test must not leave a worker behind: every child still running is killed at the end.
const spawned = new Set<ChildProcess>();
afterAll(() => {
  for (const child of spawned) child.kill('SIGKILL');
});

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export async function spawnWorker(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<WorkerProcess> {
  // One process, not the tsx CLI (which runs the script in a child of its own that a SIGKILL to
  // the CLI would leave running): node itself with tsx's loader.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', SWEEP_CRON: '0 0 1 1 *', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      spawned.delete(child);
      resolve(code);
    }),
  );

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker did not start within 60 s:\n${output}`));
    }, 60_000);
    const onData = () => {
      if (output.includes('"event":"worker_started"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(() => reject(new Error(`worker exited early:\n${output}`)));
  });

  return {
    child,
    output: () => output,
    async kill(signal) {
      child.kill(signal);
      return exited;
    },
  };
}
