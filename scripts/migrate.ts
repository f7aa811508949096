/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (deploy step for Vercel). */
import { migrate } from '@/db/migrate';
import { databaseUrl } from '@/lib/env';
import { ensureFirstOwner } from '@/lib/first-owner';

const applied = await migrate(databaseUrl(), (msg) => console.log(msg));
console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
console.log(await ensureFirstOwner(databaseUrl(), { demo: false }));
