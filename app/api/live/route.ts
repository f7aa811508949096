/** GET /api/live: liveness — the process answers, without touching the database (see /api/health). */
export const dynamic = 'force-dynamic';

export function GET(): Response {
  return Response.json({ ok: true });
}
