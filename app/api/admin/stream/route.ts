/** GET /api/admin/stream: Server-Sent Events of every slot change, for the staff live board. Staff only. */
import { handler } from '@/lib/http';
import { slotEventStream } from '@/lib/slot-stream';
import { requireStaffRequest } from '@/lib/staff-auth';

export const dynamic = 'force-dynamic';

export const GET = handler('Error streaming availability', async (req) => {
  await requireStaffRequest(req);
  return slotEventStream(req, 'all');
});
