/** Staff accounts the end-to-end server creates in its database (serve.ts) and tests sign in with. */
export const E2E_STAFF = [
  { email: 'owner@e2e.test', name: 'Olive Owner', role: 'owner', password: 'owner-password-e2e' },
  { email: 'crew@e2e.test', name: 'Casey Crew', role: 'staff', password: 'crew-password-e2e' },
] as const;
