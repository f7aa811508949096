/** /admin/sign-in: the staff sign-in page (signed-in staff go straight to the board). */
import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { currentStaff } from '@/lib/current-staff';
import { SignInForm } from './sign-in-form';

export const metadata: Metadata = { title: 'Staff sign-in' };

export default async function SignInPage() {
  await connection();
  if (await currentStaff()) redirect('/admin');
  return (
    <div className="sign-in-page">
      <h1>Staff sign-in</h1>
      <SignInForm />
    </div>
  );
}
