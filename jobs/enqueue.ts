/**
 * Sends pg-boss jobs inside a postgres.js transaction, so a job exists exactly when the change
 * that needs it committed: a confirmation and its email job, a refund_due and its refund job.
 * pg-boss runs its INSERT through the transaction's connection (its `db` option).
 */
import type { Db as IDatabase } from 'pg-boss';
import type { Sql } from '@/db/client';
import { sender } from './boss';

export interface JobToSend {
  queue: string;
  data: object;
  singletonKey?: string;
}

/** pg-boss's database adapter over a postgres.js transaction. */
function through(tx: Sql): IDatabase {
  return {
    async executeSql(text, values) {
      const rows = await tx.unsafe(text, (values ?? []) as never[]);
      return { rows: [...rows] };
    },
  };
}

export async function enqueueInTransaction(tx: Sql, jobs: readonly JobToSend[]): Promise<void> {
  if (jobs.length === 0) return;
  const boss = await sender();
  const db = through(tx);
  for (const job of jobs) {
    await boss.send(job.queue, job.data, { db, ...(job.singletonKey && { singletonKey: job.singletonKey }) });
  }
}
