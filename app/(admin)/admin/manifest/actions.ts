'use server';
/**
 * The manifest's server action: checking a party in, or undoing it. Any signed-in staff member
 * may (the crew at the meeting point), and the session is checked first, as in every action.
 */
import { revalidatePath } from 'next/cache';
import { checkIn } from '@/db/admin-schedules';
import { AppError } from '@/db/errors';
import { requireStaff } from '@/lib/current-staff';
import { logger } from '@/lib/logger';
import { BookingNumber, Id } from '@/lib/schemas';

export interface CheckInActionResult {
  ok: boolean;
  message: string;
  checkedIn?: boolean;
}

export async function checkInAction(bookingNumber: string, slotId: number, checkedIn: boolean): Promise<CheckInActionResult> {
  const staff = await requireStaff();
  const number = BookingNumber.safeParse(bookingNumber);
  const slot = Id.safeParse(slotId);
  if (!number.success || !slot.success || typeof checkedIn !== 'boolean') return { ok: false, message: 'That is not a booking on this manifest.' };
  try {
    const result = await checkIn({ bookingNumber: number.data, slotId: slot.data, staffId: staff.staffId, checkedIn });
    revalidatePath(`/admin/manifest/${slot.data}`);
    return {
      ok: true,
      checkedIn: result.checkedIn,
      message: result.checkedIn ? `${number.data} checked in.` : `${number.data} no longer checked in.`,
    };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, message: err.message };
    logger.error({ event: 'check_in_failed', bookingNumber: number.data, err }, 'Check-in failed');
    return { ok: false, message: 'Something went wrong; please try again.' };
  }
}
