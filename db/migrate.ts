/**
 * Applies db/migrations/*.sql with node-pg-migrate: plain SQL files in number order, each in its
 * own transaction, recorded in public.schema_migrations. A session advisory lock makes a second
 * process wait for the first, so two servers starting at once cannot both migrate.
 * Then installs (or upgrades) the pg-boss schema and creates the job queues.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import { installQueues } from '@/jobs/queues';

export const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function migrate(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    migrationsSchema: 'public',
    checkOrder: true,
    singleTransaction: false,
    advisoryLockMode: 'wait',
    log,
    verbose: false,
  });
  await installQueues(databaseUrl);
  return applied.map((m) => m.name);
}
