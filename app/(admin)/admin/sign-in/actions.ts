'use server';
/**
 * The one staff action open to anyone: signing in. A wrong email and a wrong password get the
 * same answer, and take the same time (lib/staff-auth.ts verifies against a decoy hash).
 */
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { env } from '@/lib/env';
import { logger } from '@/lib/logger';
import { STAFF_COOKIE, signIn } from '@/lib/staff-auth';

export interface SignInState {
  error?: string;
  email?: string;
}

const SignInForm = z.object({
  email: z.email().max(254),
  password: z.string().min(1).max(500),
});

export async function signInAction(_previous: SignInState, form: FormData): Promise<SignInState> {
  const parsed = SignInForm.safeParse({ email: form.get('email'), password: form.get('password') });
  const email = typeof form.get('email') === 'string' ? String(form.get('email')) : '';
  if (!parsed.success) return { error: 'Enter your email address and password.', email };
  const session = await signIn(parsed.data.email, parsed.data.password);
  if (!session) {
    logger.warn({ event: 'staff_sign_in_failed' }, 'Staff sign-in refused');
    return { error: 'That email and password do not match a staff account.', email };
  }
  (await cookies()).set(STAFF_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    expires: session.expiresAt,
    secure: env().NODE_ENV === 'production' && (env().SITE_URL?.startsWith('https:') ?? false),
  });
  redirect('/admin');
}
