'use server';
/**
 * Server actions of the staff area. Each is a public endpoint (anyone can post to it), so each
 * checks the staff session itself before doing anything.
 */
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { revalidatePath } from 'next/cache';
import { staffReleaseBooking } from '@/db/admin';
import { AppError } from '@/db/errors';
import { requireStaff } from '@/lib/current-staff';
import { logger } from '@/lib/logger';
import { BookingNumber } from '@/lib/schemas';
import { STAFF_COOKIE, signOut } from '@/lib/staff-auth';

export interface ActionResult {
  ok: boolean;
  message: string;
}

export async function signOutAction(): Promise<void> {
  await requireStaff();
  const store = await cookies();
  await signOut(store.get(STAFF_COOKIE)?.value);
  store.delete(STAFF_COOKIE);
  redirect('/admin/sign-in');
}

/** Releases a live hold (a customer on the phone, a hold left at the desk). */
export async function releaseHoldAction(bookingNumber: string): Promise<ActionResult> {
  const staff = await requireStaff();
  const parsed = BookingNumber.safeParse(bookingNumber);
  if (!parsed.success) return { ok: false, message: 'That is not a booking number.' };
  try {
    const booking = await staffReleaseBooking({ bookingNumber: parsed.data, staffId: staff.staffId });
    logger.info({ event: 'staff_release', bookingNumber: parsed.data, staffId: staff.staffId }, 'Hold released by staff');
    revalidatePath('/admin');
    return { ok: true, message: `Released ${booking.bookingNumber}.` };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, message: err.message };
    logger.error({ event: 'staff_release_failed', bookingNumber: parsed.data, err }, 'Error cleaning up booking');
    return { ok: false, message: 'Something went wrong; please try again.' };
  }
}
