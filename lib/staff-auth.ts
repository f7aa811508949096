/**
 * Staff sign-in. Passwords are hashed with argon2id (@node-rs/argon2, OWASP's parameters by
 * default); a session is a random token in the HttpOnly `hf_staff` cookie, stored in the
 * database only as a hash. Every /admin page, server action and admin API resolves the cookie
 * through `api.staff_session` on the server — a layout alone is not a check (Next.js re-uses
 * layouts across navigations).
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { AppError } from '@/db/errors';
import {
  endStaffSession,
  staffCredentials,
  staffSession,
  staffSignInAttempt,
  staffSignInSucceeded,
  startStaffSession,
  type StaffMember,
  type StaffRole,
} from '@/db/staff';

export const STAFF_COOKIE = 'hf_staff';
export const MIN_PASSWORD_LENGTH = 10;

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Verifying against this when the email is unknown keeps sign-in equally slow either way. Made on
// the first sign-in, not when the module loads (every admin request imports this file).
let decoy: Promise<string> | undefined;

/**
 * Checks email and password; on success starts a session and returns its cookie token. Each
 * attempt first counts against its email and its client (`client`, a client key; null when the
 * address is unknown): past the limits it throws AppError `too_many_attempts` (with
 * `retryAfterSeconds`) and checks no password (api.staff_sign_in_attempt, migration 0025).
 */
export async function signIn(email: string, password: string, client: string | null = null): Promise<{ token: string; expiresAt: Date } | null> {
  const wait = await staffSignInAttempt(email, client);
  if (wait > 0) throw new AppError('too_many_attempts', undefined, { retryAfterSeconds: wait });
  const account = await staffCredentials(email);
  const ok = await verifying(async () =>
    verify(account?.passwordHash ?? (await (decoy ??= hash(randomBytes(16).toString('hex')))), password).catch(() => false),
  );
  if (!account || !ok) return null;
  await staffSignInSucceeded(email, client);
  const token = randomBytes(32).toString('hex');
  return { token, expiresAt: await startStaffSession(account.id, token) };
}

/*
 * An argon2id check takes tens of milliseconds and ~19 MiB: at most two run at once in a process,
 * and at most 32 wait for their turn (beyond that, `busy`), so a burst of sign-ins from many
 * addresses queues instead of taking every core and the memory with it.
 */
const MAX_VERIFYING = 2;
const MAX_WAITING = 32;
let running = 0;
const waiting: (() => void)[] = [];

async function verifying<T>(check: () => Promise<T>): Promise<T> {
  if (running < MAX_VERIFYING) running++;
  else if (waiting.length >= MAX_WAITING) throw new AppError('busy');
  else await new Promise<void>((turn) => waiting.push(turn)); // the slot is handed over, still counted
  try {
    return await check();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

export async function signOut(token: string | undefined): Promise<void> {
  if (token) await endStaffSession(token);
}

/** The staff member of a session token, or null. */
export async function staffForToken(token: string | undefined): Promise<StaffMember | null> {
  if (!token || !/^[0-9a-f]{64}$/.test(token)) return null;
  return staffSession(token);
}

export function staffCookie(token: string, expiresAt: Date): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  return `${STAFF_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}`;
}

export function tokenFromCookieHeader(header: string | null): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === STAFF_COOKIE) return rest.join('=');
  }
  return undefined;
}

/** For admin API routes: the signed-in staff member with at least `role`, or a 401/403 AppError. */
export async function requireStaffRequest(req: Request, role: StaffRole = 'staff'): Promise<StaffMember> {
  const staff = await staffForToken(tokenFromCookieHeader(req.headers.get('cookie')));
  if (!staff) throw new AppError('not_signed_in');
  if (role === 'owner' && staff.role !== 'owner') throw new AppError('forbidden');
  return staff;
}
