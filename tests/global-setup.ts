/**
 * Once per test run: find a PostgreSQL server (DATABASE_URL, else a throwaway embedded one),
 * build a migrated template database, and hand both to the test files. Each test file clones
 * the template into a database of its own (tests/helpers/test-database.ts). At the end, drop
 * exactly the databases this run created.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedServer } from '../db/embedded';
import { migrate } from '../db/migrate';
import { withDatabase } from './helpers/database-url';

declare module 'vitest' {
  export interface ProvidedContext {
    serverUrl: string;
    templateDatabase: string;
    runPrefix: string;
  }
}

export default async function setup(project: TestProject) {
  const runPrefix = `hf_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  let embedded: EmbeddedServer | undefined;
  let dataDir: string | undefined;
  let serverUrl = process.env.DATABASE_URL;

  if (!serverUrl) {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'holdfast-test-pg-'));
    chmodSync(dataDir, 0o755); // the server may run as the `postgres` user (see db/embedded.ts)
    embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'data'), persistent: false, maxConnections: 400 });
    serverUrl = embedded.url('postgres');
    console.log(`[tests] embedded PostgreSQL on port ${embedded.port}`);
  } else {
    const u = new URL(serverUrl);
    console.log(`[tests] PostgreSQL from DATABASE_URL at ${u.hostname}:${u.port || 5432}`);
  }

  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const templateDatabase = `${runPrefix}_template`;
  await admin.unsafe(`create database "${templateDatabase}"`);
  const templateUrl = withDatabase(serverUrl, templateDatabase);
  await migrate(templateUrl);
  const [version] = await admin`select current_setting('server_version') as v, current_setting('max_connections')::int as max`;
  console.log(`[tests] PostgreSQL ${version?.v}, max_connections ${version?.max}, run prefix ${runPrefix}`);

  project.provide('serverUrl', serverUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('runPrefix', runPrefix);

  return async () => {
    const ours = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like ${runPrefix + '\\_%'}`;
    for (const { datname } of ours) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    await admin.end();
    await embedded?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
}
