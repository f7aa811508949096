/** /admin: the live board — upcoming start times with their numbers, and every live hold. */
import type { Metadata } from 'next';
import { connection } from 'next/server';
import { liveHolds, upcomingSlots } from '@/db/admin';
import { requireStaff } from '@/lib/current-staff';
import { ServerRenderTime } from '@/lib/use-now';
import { LiveBoard } from './live-board';

export const metadata: Metadata = { title: 'Live board' };

export default async function LiveBoardPage() {
  await connection();
  await requireStaff();
  const [slots, holds] = await Promise.all([upcomingSlots(), liveHolds()]);
  // The moment this page is rendered: the board's first render in the browser uses it too, so
  // hydration sees exactly the countdowns and marks the server printed.
  return (
    <ServerRenderTime at={Date.now()}>
      <LiveBoard initialSlots={slots} initialHolds={holds} />
    </ServerRenderTime>
  );
}
