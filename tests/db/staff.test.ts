/**
 * Staff accounts and sessions: argon2id hashes, sign-in that tells nobody which half was wrong,
 * sessions stored as hashes that end on sign-out, password reset and deactivation, and the
 * request check every admin API uses.
 */
import { describe, expect, test } from 'vitest';
import { AppError } from '@/db/errors';
import { createStaffAccount } from '@/db/staff';
import { hashPassword, requireStaffRequest, signIn, signOut, staffForToken } from '@/lib/staff-auth';
import { connect } from '../helpers/fixtures';
import { request } from '../helpers/http';

const sql = connect(2);

async function account(email: string, password: string, role: 'owner' | 'staff' = 'staff') {
  return createStaffAccount({ email, name: 'Test Person', role, passwordHash: await hashPassword(password) });
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof AppError ? e.code : String(e)));

describe('staff accounts', () => {
  test('passwords are stored as argon2id hashes; an email is one account whatever its case', async () => {
    await account('Desk@Example.com', 'correct horse battery');
    const [row] = await sql`select email, password_hash from data.staff_accounts where email = 'desk@example.com'`;
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    expect(row!.password_hash).not.toContain('correct horse');
    expect(await codeOf(account('DESK@example.com', 'another password'))).toBe('staff_email_taken');
  });

  test('sign-in: right password → a session; wrong password, unknown email or deactivated → nothing', async () => {
    await account('guide@example.com', 'the right password', 'owner');
    expect(await signIn('guide@example.com', 'the wrong password')).toBeNull();
    expect(await signIn('nobody@example.com', 'the right password')).toBeNull();

    const session = await signIn('GUIDE@example.com', 'the right password');
    expect(session?.token).toMatch(/^[0-9a-f]{64}$/);
    const [stored] = await sql`select count(*)::int as n from data.staff_sessions where token_hash = sha256(convert_to(${session!.token}, 'UTF8'))`;
    expect(stored!.n).toBe(1);
    expect(await sql`select 1 from data.staff_sessions where encode(token_hash, 'escape') like ${'%' + session!.token + '%'}`).toHaveLength(0);
    expect(await staffForToken(session!.token)).toMatchObject({ email: 'guide@example.com', role: 'owner' });

    await sql`update data.staff_accounts set active = false where email = 'guide@example.com'`;
    expect(await staffForToken(session!.token)).toBeNull();
    expect(await signIn('guide@example.com', 'the right password')).toBeNull();
  });

  test('sign-in is throttled: past 5 attempts for an email in 15 minutes even the right password is refused unchecked; a success starts the count again', async () => {
    await account('throttle@example.com', 'the right password');
    // Mistakes then a success: the count starts again.
    for (let i = 0; i < 4; i++) expect(await signIn('throttle@example.com', 'wrong')).toBeNull();
    expect(await signIn('throttle@example.com', 'the right password')).not.toBeNull();
    for (let i = 0; i < 5; i++) expect(await signIn('Throttle@Example.com', 'wrong')).toBeNull();
    const refused = await signIn('throttle@example.com', 'the right password').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'too_many_attempts', status: 429 });
    expect((refused as AppError).details.retryAfterSeconds).toBeGreaterThan(14 * 60);
    // An unknown email is counted the same: the refusal tells nobody which accounts exist.
    for (let i = 0; i < 5; i++) expect(await signIn('nobody-here@example.com', 'wrong')).toBeNull();
    expect(await codeOf(signIn('nobody-here@example.com', 'wrong'))).toBe('too_many_attempts');
    // The window passes.
    await sql`select api.shift_clock('15 minutes')`;
    try {
      expect(await signIn('throttle@example.com', 'the right password')).not.toBeNull();
    } finally {
      await sql`update data.clock set skew = '0'`;
    }
  });

  test('sign-in is throttled per client across emails; parallel attempts cannot all slip in', async () => {
    await sql`update data.settings set sign_in_attempts_per_client = 8`;
    try {
      const tries = await Promise.all(
        Array.from({ length: 20 }, (_, i) => signIn(`spray-${i}@example.com`, 'guess', 'client-a').then(() => 'checked', (e: unknown) => (e as AppError).code)),
      );
      expect(tries.filter((t) => t === 'checked')).toHaveLength(8);
      expect(tries.filter((t) => t === 'too_many_attempts')).toHaveLength(12);
      expect(await signIn('spray-0@example.com', 'guess', 'client-b')).toBeNull(); // another client is not held back
      // Signing in does not count against the client: an office behind one address signs in all day.
      await account('office@example.com', 'the right password');
      for (let i = 0; i < 10; i++) expect(await signIn('office@example.com', 'the right password', 'client-c')).not.toBeNull();

      await account('parallel@example.com', 'the right password');
      const same = await Promise.all(
        Array.from({ length: 12 }, () => signIn('parallel@example.com', 'wrong', null).then(() => 'checked', (e: unknown) => (e as AppError).code)),
      );
      expect(same.filter((t) => t === 'checked')).toHaveLength(5);
    } finally {
      await sql`update data.settings set sign_in_attempts_per_client = 30`;
    }
  });

  test('sign-out ends the session; a password reset ends every session; expired sessions count for nothing', async () => {
    await account('shift@example.com', 'first password');
    const a = (await signIn('shift@example.com', 'first password'))!;
    const b = (await signIn('shift@example.com', 'first password'))!;
    await signOut(a.token);
    expect(await staffForToken(a.token)).toBeNull();
    expect(await staffForToken(b.token)).not.toBeNull();

    await createStaffAccount({ email: 'shift@example.com', name: 'Shift', role: 'staff', passwordHash: await hashPassword('second password'), replace: true });
    expect(await staffForToken(b.token)).toBeNull();
    expect(await signIn('shift@example.com', 'first password')).toBeNull();
    const c = (await signIn('shift@example.com', 'second password'))!;
    await sql`update data.staff_sessions set expires_at = now() - interval '1 second' where token_hash = sha256(convert_to(${c.token}, 'UTF8'))`;
    expect(await staffForToken(c.token)).toBeNull();
  });

  test('a session is marked seen at most once a minute: repeated admin requests do not write', async () => {
    await account('board@example.com', 'watching the board');
    const session = await signIn('board@example.com', 'watching the board');
    const row = () => sql`
      select xmin::text as version, last_seen_at from data.staff_sessions
       where token_hash = sha256(convert_to(${session!.token}, 'UTF8'))`;
    const [before] = await row();
    for (let i = 0; i < 5; i++) expect(await staffForToken(session!.token)).toMatchObject({ email: 'board@example.com' });
    expect((await row())[0]).toEqual(before); // not rewritten

    await sql`update data.staff_sessions set last_seen_at = now() - interval '2 minutes'
               where token_hash = sha256(convert_to(${session!.token}, 'UTF8'))`;
    await staffForToken(session!.token);
    const [after] = await row();
    expect(Date.now() - after!.last_seen_at.getTime()).toBeLessThan(60_000);
  });

  test('admin API check: anonymous, a customer hold cookie or a forged token → 401; staff is not owner → 403', async () => {
    await account('owner@example.com', 'owner password', 'owner');
    await account('crew@example.com', 'crew password', 'staff');
    const owner = (await signIn('owner@example.com', 'owner password'))!;
    const crew = (await signIn('crew@example.com', 'crew password'))!;
    const withCookie = (cookie?: string) => request('GET', '/api/admin/anything', { headers: cookie ? { cookie } : {} });

    expect(await codeOf(requireStaffRequest(withCookie()))).toBe('not_signed_in');
    expect(await codeOf(requireStaffRequest(withCookie(`hf_hold=BK-261125-ABCDEF.${'a'.repeat(64)}`)))).toBe('not_signed_in');
    expect(await codeOf(requireStaffRequest(withCookie(`hf_staff=${'b'.repeat(64)}`)))).toBe('not_signed_in');
    expect(await codeOf(requireStaffRequest(withCookie(`hf_staff=${crew.token}`)))).toBe('ok');
    expect(await codeOf(requireStaffRequest(withCookie(`hf_staff=${crew.token}`), 'owner'))).toBe('forbidden');
    expect(await codeOf(requireStaffRequest(withCookie(`other=1; hf_staff=${owner.token}`), 'owner'))).toBe('ok');
  });
});
