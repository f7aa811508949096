/**
 * Runs before every test file: clones the migrated template into a database of the file's own
 * and points DATABASE_URL (and so db/client.ts) at it. Dropped when the file ends.
 */
import postgres from 'postgres';
import { afterAll, inject } from 'vitest';
import { withDatabase } from './database-url';

const serverUrl = inject('serverUrl');
const database = `${inject('runPrefix')}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database "${database}" template "${inject('templateDatabase')}"`);

process.env.DATABASE_URL = withDatabase(serverUrl, database);
process.env.LOG_LEVEL ??= 'silent';

afterAll(async () => {
  const { closeSql } = await import('@/db/client');
  const { closeSender } = await import('@/jobs/boss');
  await closeSender();
  await closeSql();
  await admin.unsafe(`drop database if exists "${database}" with (force)`);
  await admin.end();
});
