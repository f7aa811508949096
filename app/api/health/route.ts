/** GET /api/health: the server is up and the database answers. */
import { sql } from '@/db/client';
import { handler } from '@/lib/http';

export const dynamic = 'force-dynamic';

export const GET = handler('Health check failed', async () => {
  await sql()`select 1`;
  return Response.json({ ok: true });
});
