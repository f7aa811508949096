/** Typed wrappers of the staff account and session functions (db/migrations/0004_staff.sql, 0025). */
import { z } from 'zod';
import { call } from './call';
import type { Sql } from './client';

export const StaffRole = z.enum(['owner', 'staff']);
export type StaffRole = z.infer<typeof StaffRole>;

export const StaffMember = z.object({
  staffId: z.number(),
  email: z.string(),
  name: z.string(),
  role: StaffRole,
  expiresAt: z.string(),
});
export type StaffMember = z.infer<typeof StaffMember>;

export function createStaffAccount(
  input: { email: string; name: string; role: StaffRole; passwordHash: string; replace?: boolean },
  db?: Sql,
): Promise<{ id: number; email: string; name: string; role: StaffRole }> {
  return call(
    z.object({ id: z.number(), email: z.string(), name: z.string(), role: StaffRole }),
    (sql) => sql`
      select api.create_staff_account(p_email => ${input.email}::text, p_name => ${input.name}::text,
                                      p_role => ${input.role}::text, p_password_hash => ${input.passwordHash}::text,
                                      p_replace => ${input.replace ?? false}::boolean) as result`,
    db,
  );
}

export function staffCredentials(email: string, db?: Sql): Promise<{ id: number; passwordHash: string } | null> {
  return call(
    z.object({ id: z.number(), passwordHash: z.string() }).nullable(),
    (sql) => sql`select api.staff_credentials(${email}::text) as result`,
    db,
  );
}

export function startStaffSession(staffId: number, token: string, db?: Sql): Promise<Date> {
  return call(z.coerce.date(), (sql) => sql`select api.start_staff_session(${staffId}::bigint, ${token}::text) as result`, db);
}

export function staffSession(token: string, db?: Sql): Promise<StaffMember | null> {
  return call(StaffMember.nullable(), (sql) => sql`select api.staff_session(${token}::text) as result`, db);
}

export async function endStaffSession(token: string, db?: Sql): Promise<void> {
  await call(z.unknown(), (sql) => sql`select api.end_staff_session(${token}::text) as result`, db);
}

export function staffAccountCount(db?: Sql): Promise<number> {
  return call(z.number(), (sql) => sql`select api.staff_account_count() as result`, db);
}

/**
 * Counts a sign-in attempt for an email and a client (null: unknown, not counted) before its
 * password is checked (api.staff_sign_in_attempt): 0 to go ahead, else the seconds to wait.
 */
export function staffSignInAttempt(email: string, client: string | null, db?: Sql): Promise<number> {
  return call(z.number(), (sql) => sql`select api.staff_sign_in_attempt(${email}::text, ${client}::text) as result`, db);
}

/** A successful sign-in: its email's attempts start again, and it is taken off its client's. */
export async function staffSignInSucceeded(email: string, client: string | null, db?: Sql): Promise<void> {
  await call(z.unknown(), (sql) => sql`select api.staff_sign_in_succeeded(${email}::text, ${client}::text) as result`, db);
}
