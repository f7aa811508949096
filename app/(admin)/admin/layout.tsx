/**
 * The staff area's chrome. It shows who is signed in, but it is not the access check: every
 * page, server action and admin API checks the session itself (lib/current-staff.ts).
 */
import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { currentStaff } from '@/lib/current-staff';
import { signOutAction } from './actions';

export const metadata: Metadata = { title: 'Staff', robots: { index: false, follow: false } };

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const staff = await currentStaff();
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="site-header admin-header">
        <Link href="/admin" className="brand">
          Holdfast <span className="admin-badge">staff</span>
        </Link>
        {staff && (
          <nav aria-label="Staff" className="site-nav">
            <Link href="/admin">Live board</Link>
            <Link href="/admin/bookings">Bookings</Link>
            {staff.role === 'owner' && <Link href="/admin/experiences">Experiences</Link>}
            <Link href="/admin/metrics">Metrics</Link>
            <Link href="/admin/logs">Logs</Link>
            <span className="admin-who">
              {staff.name} · {staff.role}
            </span>
            <form action={signOutAction}>
              <button type="submit" className="button button--quiet">
                Sign out
              </button>
            </form>
          </nav>
        )}
      </header>
      <main id="main" className="admin-main">
        {children}
      </main>
    </>
  );
}
