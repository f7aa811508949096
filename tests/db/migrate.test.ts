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

      // A queue made with other settings (an older release) gets the code's again on the next run.
      await sql`update pgboss.queue set retry_limit = 99, expire_seconds = 7 where name = 'refund-payment'`;
      expect(await migrate(url)).toEqual([]);
      const [refunds] = await sql`select retry_limit, expire_seconds from pgboss.queue where name = 'refund-payment'`;
      const code = holdfastQueues.find((q) => q.name === 'refund-payment')!.options;
      expect(refunds).toEqual({ retry_limit: code.retryLimit, expire_seconds: code.expireInSeconds });
    } finally {
      await sql.end();
    }
  });
});
