-- Up Migration

/*
 * Staff accounts and their sessions.
 *
 * Passwords are hashed by the app with argon2id (lib/staff-auth.ts) and only the PHC string is
 * stored; the database never sees a password. A session is a random token handed to the browser
 * in an HttpOnly cookie and stored here only as its SHA-256, like hold tokens. Roles: `owner`
 * (everything, including staff accounts) and `staff` (running the business).
 */

create table data.staff_accounts (
  id bigint generated always as identity primary key,
  email text not null check (email ~ '^[^@\s]+@[^@\s]+$' and length(email) <= 254),
  name text not null check (length(name) between 1 and 200),
  role text not null check (role in ('owner', 'staff')),
  password_hash text not null check (password_hash like '$argon2%'),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  last_sign_in_at timestamptz
);
create unique index staff_accounts_email_idx on data.staff_accounts (lower(email));
comment on table data.staff_accounts is 'People who run the business in /admin. password_hash is an argon2id PHC string made by the app.';

create table data.staff_sessions (
  id bigint generated always as identity primary key,
  token_hash bytea not null unique,
  staff_id bigint not null references data.staff_accounts on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  last_seen_at timestamptz not null default now(),
  ended_at timestamptz
);
create index staff_sessions_staff_idx on data.staff_sessions (staff_id);
comment on table data.staff_sessions is 'Signed-in staff browsers; the token itself is never stored (SHA-256 only).';

/*
 * Creates a staff account, or (p_replace) sets the password, name and role of an existing one
 * with that email — how `npm run staff:create` and ADMIN_EMAIL/ADMIN_PASSWORD make the first
 * owner idempotently. Raises HF020 when the email is taken and p_replace is false.
 */
create function api.create_staff_account(
  p_email text, p_name text, p_role text, p_password_hash text, p_replace boolean default false
) returns jsonb
language plpgsql volatile as $$
declare
  v_account data.staff_accounts;
begin
  insert into data.staff_accounts (email, name, role, password_hash)
  values (lower(trim(p_email)), p_name, p_role, p_password_hash)
  on conflict (lower(email)) do nothing
  returning * into v_account;
  if not found then
    if not p_replace then
      raise exception 'a staff account with email % exists', p_email using errcode = 'HF020';
    end if;
    update data.staff_accounts
       set name = p_name, role = p_role, password_hash = p_password_hash, active = true
     where lower(email) = lower(trim(p_email))
    returning * into v_account;
    -- A new password ends every session of the old one.
    update data.staff_sessions set ended_at = now() where staff_id = v_account.id and ended_at is null;
  end if;
  return jsonb_build_object('id', v_account.id, 'email', v_account.email, 'name', v_account.name, 'role', v_account.role);
end
$$;
comment on function api.create_staff_account(text, text, text, text, boolean) is 'Creates (or with p_replace, resets) a staff account; the password arrives already hashed.';

/* What sign-in needs to check a password: the hash of an active account, or null. */
create function api.staff_credentials(p_email text) returns jsonb
language sql stable as $$
  select jsonb_build_object('id', id, 'passwordHash', password_hash)
    from data.staff_accounts where lower(email) = lower(trim(p_email)) and active
$$;

/* Starts a session for an account whose password the app has verified. */
create function api.start_staff_session(p_staff_id bigint, p_token text, p_lifetime interval default '12 hours')
returns timestamptz
language plpgsql volatile as $$
declare
  v_expires timestamptz := now() + p_lifetime;
begin
  insert into data.staff_sessions (token_hash, staff_id, expires_at)
  values (data.hash_token(p_token), p_staff_id, v_expires);
  update data.staff_accounts set last_sign_in_at = now() where id = p_staff_id;
  return v_expires;
end
$$;

/* The signed-in staff member of a session token, or null (unknown, ended, expired, deactivated). */
create function api.staff_session(p_token text) returns jsonb
language plpgsql volatile as $$
declare
  v_result jsonb;
begin
  update data.staff_sessions s set last_seen_at = now()
    from data.staff_accounts a
   where s.token_hash = data.hash_token(p_token) and a.id = s.staff_id
     and s.ended_at is null and s.expires_at > now() and a.active
  returning jsonb_build_object('staffId', a.id, 'email', a.email, 'name', a.name, 'role', a.role,
                               'expiresAt', s.expires_at)
    into v_result;
  return v_result;
end
$$;
comment on function api.staff_session(text) is 'Resolves a staff session cookie; every /admin page, action and admin API asks this first.';

create function api.end_staff_session(p_token text) returns void
language sql volatile as $$
  update data.staff_sessions set ended_at = now() where token_hash = data.hash_token(p_token) and ended_at is null
$$;

create function api.staff_account_count() returns int
language sql stable as $$
  select count(*)::int from data.staff_accounts where active
$$;
