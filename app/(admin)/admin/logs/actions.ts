'use server';
/**
 * Server actions of the logs page. Each is a public endpoint, so each checks the staff session
 * itself before doing anything.
 */
import { revalidatePath } from 'next/cache';
import { expireLapsedHolds } from '@/db/reservations';
import { requireStaff } from '@/lib/current-staff';
import { logger } from '@/lib/logger';

export interface CleanupResult {
  ok: boolean;
  message: string;
  released: number | null;
}

/**
 * "Run cleanup now": the same sweep as the cron route and the pg-boss schedule (tier sweep),
 * releasing every hold that has lapsed. Returns how many it released.
 */
export async function runCleanupAction(_previous: CleanupResult | null): Promise<CleanupResult> {
  const staff = await requireStaff();
  try {
    const { released, complete } = await expireLapsedHolds({ tier: 'sweep' });
    logger.info({ event: 'sweep', released, complete, staffId: staff.staffId, trigger: 'staff' }, 'Swept lapsed holds');
    revalidatePath('/admin/logs');
    const what = released === 1 ? '1 lapsed hold' : `${released} lapsed holds`;
    return {
      ok: true,
      released,
      message: `Released ${what}.${complete ? '' : ' More remain; run it again.'}`,
    };
  } catch (err) {
    logger.error({ event: 'sweep_failed', staffId: staff.staffId, err }, 'Error cleaning up booking');
    return { ok: false, released: null, message: 'The cleanup failed; please try again.' };
  }
}
