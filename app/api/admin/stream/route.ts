/**
 * GET /api/admin/stream: Server-Sent Events of every slot change, for the staff live board. Staff
 * only, checked when the stream opens and again at every heartbeat (15 s): a session signed out,
 * expired or of a deactivated account ends the stream, and the browser's reconnection gets a 401.
 */
import { handler } from '@/lib/http';
import { slotEventStream } from '@/lib/slot-stream';
import { requireStaffRequest, staffForToken, tokenFromCookieHeader } from '@/lib/staff-auth';

export const dynamic = 'force-dynamic';

export const GET = handler('Error streaming availability', async (req) => {
  await requireStaffRequest(req);
  const token = tokenFromCookieHeader(req.headers.get('cookie'));
  return slotEventStream(req, 'all', { stillAllowed: async () => (await staffForToken(token)) !== null });
});
