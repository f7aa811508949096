/**
 * Makes sure someone can sign in to /admin. ADMIN_EMAIL/ADMIN_PASSWORD create that owner when no
 * account has the email (an existing one is left alone: restarts must not reset passwords or
 * end sessions; `npm run staff:create` does that). In `npm run dev` with no staff at all, a demo
 * owner with a known password is created for the demo data, and its login printed.
 */
import postgres from 'postgres';
import { verify } from '@node-rs/argon2';
import { AppError } from '@/db/errors';
import { createStaffAccount, staffAccountCount, staffCredentials } from '@/db/staff';
import { env } from './env';
import { hashPassword } from './staff-auth';

export const DEMO_OWNER = { email: 'owner@holdfast.test', password: 'holdfast-demo', name: 'Demo Owner' } as const;

/** Returns a line to print about staff sign-in. */
export async function ensureFirstOwner(databaseUrl: string, options: { demo: boolean }): Promise<string> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = env();
    if (email && password) {
      try {
        await createStaffAccount({ email, name: 'Owner', role: 'owner', passwordHash: await hashPassword(password) }, sql);
        return `Staff: created the owner ${email} (ADMIN_EMAIL); sign in at /admin`;
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'staff_email_taken')) throw err;
        return `Staff: sign in at /admin (owner ${email} exists; reset a password with npm run staff:create)`;
      }
    }
    if (options.demo && (await staffAccountCount(sql)) === 0) {
      await createStaffAccount({ ...DEMO_OWNER, role: 'owner', passwordHash: await hashPassword(DEMO_OWNER.password) }, sql);
    }
    const demo = options.demo ? await staffCredentials(DEMO_OWNER.email, sql) : null;
    if (demo && (await verify(demo.passwordHash, DEMO_OWNER.password).catch(() => false))) {
      return `Staff: sign in at /admin as ${DEMO_OWNER.email} / ${DEMO_OWNER.password} (demo owner)`;
    }
    return (await staffAccountCount(sql)) > 0
      ? 'Staff: sign in at /admin'
      : 'Staff: no account yet — set ADMIN_EMAIL and ADMIN_PASSWORD, or run npm run staff:create';
  } finally {
    await sql.end();
  }
}
