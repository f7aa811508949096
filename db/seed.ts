/** Loads the demo data (db/seed/demo.sql) once, into a database that has no experiences yet. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

const demoFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'seed', 'demo.sql');

export async function seedDemoData(databaseUrl: string): Promise<boolean> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    return await sql.begin(async (tx) => {
      await tx`select data.lock_key('seed', 'demo')`;
      const [row] = await tx`select exists (select 1 from data.experiences) as seeded`;
      if (row?.seeded) return false;
      await tx.unsafe(readFileSync(demoFile, 'utf8')).simple();
      return true;
    });
  } finally {
    await sql.end();
  }
}
