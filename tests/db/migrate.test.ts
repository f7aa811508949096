/** Migrations: two processes starting at once against an empty database both succeed, once. */
import { readdirSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { migrate, migrationsDir } from '@/db/migrate';
import { queues as holdfastQueues } from '@/jobs/queues';
import { withDatabase } from '../helpers/database-url';

const admin = postgres(inject('serverUrl'), { max: 1, onnotice: () => {} });
const name = `${inject('runPrefix')}_migrate_${process.pid}`;

afterAll(async () => {
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
});

describe('db/migrate', () => {
  test('concurrent runs on an empty database: one applies, the other waits and finds nothing to do', async () => {
    await admin.unsafe(`create database "${name}"`);
    const url = withDatabase(inject('serverUrl'), name);
    const runs = await Promise.all([migrate(url), migrate(url), migrate(url)]);

    const files = readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, ''));
    expect(runs.flat().sort()).toEqual(files.sort()); // each migration applied by exactly one run
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql`select name from public.schema_migrations order by id`;
      expect(rows.map((r) => r.name)).toEqual(files);
      const queues = await sql`select name from pgboss.queue order by name`;
      expect(queues.map((q) => q.name)).toEqual(['expire-hold', 'refund-payment', 'send-email', 'sweep-holds']);
      expect(queues.map((q) => q.name)).toEqual(holdfastQueues.map((q) => q.name).sort());
      expect(await migrate(url)).toEqual([]);
    } finally {
      await sql.end();
    }
  });
});
