/**
 * GET /api/live: liveness. The process answers, without touching the database (readiness, with
 * the database, is GET /api/health).
 *
 * A pages/api route, as POST /api/reserve-availability is, and for the same reason: it is the
 * least a request to this server can cost, which is what a probe asked every few seconds should
 * cost, and it is the benchmark's floor for D, measured through the same router in the same run
 * (README, Performance).
 */
import { nodeHandler } from '@/lib/http';

export default nodeHandler('Error answering liveness', 'GET', async () => ({ status: 200, body: { ok: true } }));
