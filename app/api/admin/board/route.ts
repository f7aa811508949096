/** GET /api/admin/board: the live board's data — upcoming slots and live holds. Staff only. */
import { liveHolds, upcomingSlots } from '@/db/admin';
import { handler } from '@/lib/http';
import { requireStaffRequest } from '@/lib/staff-auth';

export const dynamic = 'force-dynamic';

export const GET = handler('Error reading the live board', async (req) => {
  await requireStaffRequest(req);
  const [slots, holds] = await Promise.all([upcomingSlots(), liveHolds()]);
  return Response.json({ slots, holds }, { headers: { 'cache-control': 'no-store' } });
});
