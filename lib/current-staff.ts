/**
 * The signed-in staff member for server components and server actions. Every /admin page and
 * every admin server action calls `requireStaff()` itself: a layout is not a check, since Next.js
 * keeps layouts across navigations and server actions can be posted directly.
 */
import 'server-only';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import type { StaffMember, StaffRole } from '@/db/staff';
import { STAFF_COOKIE, staffForToken } from './staff-auth';

export async function currentStaff(): Promise<StaffMember | null> {
  return staffForToken((await cookies()).get(STAFF_COOKIE)?.value);
}

/** The staff member, or a redirect to the sign-in page (an owner-only page for staff: to /admin). */
export async function requireStaff(role: StaffRole = 'staff'): Promise<StaffMember> {
  const staff = await currentStaff();
  if (!staff) redirect('/admin/sign-in');
  if (role === 'owner' && staff.role !== 'owner') redirect('/admin');
  return staff;
}
