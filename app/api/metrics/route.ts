/**
 * GET /api/metrics: Holdfast's metrics in the Prometheus text format (lib/metrics-exporter.ts).
 * Disabled (404) unless METRICS_TOKEN is set; then it needs `Authorization: Bearer <METRICS_TOKEN>`
 * or a signed-in staff session, else 401.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '@/db/errors';
import { env } from '@/lib/env';
import { handler } from '@/lib/http';
import { metricsExposition } from '@/lib/metrics-exporter';
import { staffForToken, tokenFromCookieHeader } from '@/lib/staff-auth';

export const dynamic = 'force-dynamic';

export const GET = handler('Error reading metrics', async (req) => {
  const token = env().METRICS_TOKEN;
  if (!token) throw new AppError('metrics_disabled');
  if (!bearerMatches(req.headers.get('authorization'), token) && !(await staffForToken(tokenFromCookieHeader(req.headers.get('cookie'))))) {
    throw new AppError('unauthorized', 'This endpoint needs Authorization: Bearer <METRICS_TOKEN> or a staff session.');
  }
  const { contentType, body } = await metricsExposition();
  return new Response(body, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
});

/** Compares digests, so neither the token's content nor its length leaks through timing. */
function bearerMatches(header: string | null, token: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(header ?? ''), digest(`Bearer ${token}`));
}
