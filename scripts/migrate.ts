/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (deploy step for Vercel). */
import { migrate } from '@/db/migrate';
import { databaseUrl } from '@/lib/env';

const applied = await migrate(databaseUrl(), (msg) => console.log(msg));
console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
