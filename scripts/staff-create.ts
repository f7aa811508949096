/**
 * `npm run staff:create -- <email> [--name "Full Name"] [--role owner|staff]`: creates a staff
 * account, or resets the password (and ends the sessions) of an existing one. The password is
 * read from STAFF_PASSWORD or, when unset, asked for on the terminal — never from the command
 * line, where it would stay in the shell's history.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { z } from 'zod';
import { createStaffAccount, StaffRole } from '@/db/staff';
import { databaseUrl } from '@/lib/env';
import { hashPassword, MIN_PASSWORD_LENGTH } from '@/lib/staff-auth';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { name: { type: 'string' }, role: { type: 'string', default: 'owner' } },
});
const email = z.email().parse(positionals[0], { error: () => 'usage: npm run staff:create -- <email> [--name "Full Name"] [--role owner|staff]' });
const role = StaffRole.parse(values.role);

let password = process.env.STAFF_PASSWORD;
if (!password) {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  password = await rl.question(`Password for ${email} (at least ${MIN_PASSWORD_LENGTH} characters): `);
  rl.close();
}
if (password.length < MIN_PASSWORD_LENGTH) {
  console.error(`The password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
  process.exit(2);
}

const sql = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
try {
  const account = await createStaffAccount(
    { email, name: values.name ?? email.split('@')[0]!, role, passwordHash: await hashPassword(password), replace: true },
    sql,
  );
  console.log(`Staff account ${account.email} (${account.role}) is ready; sign in at /admin.`);
} finally {
  await sql.end();
}
