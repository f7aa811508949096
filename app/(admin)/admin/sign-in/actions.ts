'use server';
/**
 * The one staff action open to anyone: signing in. A wrong email and a wrong password get the
 * same answer, and take the same time (lib/staff-auth.ts verifies against a decoy hash). Too
 * many attempts for one email or from one client are refused for a while (migration 0025).
 */
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { AppError } from '@/db/errors';
import { knownClientKey } from '@/lib/client-key';
import { overHttps } from '@/lib/http';
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
  const request = await headers();
  let session;
  try {
    session = await signIn(parsed.data.email, parsed.data.password, knownClientKey(request));
  } catch (err) {
    if (!(err instanceof AppError) || (err.code !== 'too_many_attempts' && err.code !== 'busy')) throw err;
    logger.warn({ event: 'staff_sign_in_throttled', code: err.code }, 'Staff sign-in refused: too many attempts');
    const minutes = Math.max(1, Math.ceil(Number(err.details.retryAfterSeconds ?? 60) / 60));
    return {
      error:
        err.code === 'busy'
          ? 'Too many people are signing in right now. Please try again in a moment.'
          : `Too many sign-in attempts. Please wait ${minutes === 1 ? 'a minute' : `${minutes} minutes`} and try again.`,
      email,
    };
  }
  if (!session) {
    logger.warn({ event: 'staff_sign_in_failed' }, 'Staff sign-in refused');
    return { error: 'That email and password do not match a staff account.', email };
  }
  (await cookies()).set(STAFF_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    expires: session.expiresAt,
    secure: overHttps(request),
  });
  redirect('/admin');
}
