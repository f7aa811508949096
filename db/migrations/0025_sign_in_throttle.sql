-- Up Migration

/*
 * Staff sign-in is throttled: a password can no longer be guessed at the speed of the server.
 *
 * Every sign-in attempt (lib/staff-auth.ts) first counts itself, atomically, against the email it
 * names and against the client it comes from (the live-holds cap's client key), in a window of
 * data.settings.sign_in_window (15 minutes): past sign_in_attempts_per_account (5) for one email,
 * or sign_in_attempts_per_client (30) from one client, the attempt is refused before any password
 * is checked, with the seconds until the window ends (HTTP-wise 429 too_many_attempts). Counted
 * before the check, so parallel attempts cannot all slip in. A successful sign-in clears its
 * email's count (a staff member who mistyped twice is not held against the next mistake) and is
 * taken off its client's (only failures count there). Unknown
 * emails count like known ones, so the refusal says nothing about which accounts exist.
 */

alter table data.settings
  add column sign_in_attempts_per_account int not null default 5 check (sign_in_attempts_per_account between 1 and 1000),
  add column sign_in_attempts_per_client int not null default 30 check (sign_in_attempts_per_client between 1 and 100000),
  add column sign_in_window interval not null default '15 minutes' check (sign_in_window > '0');
comment on column data.settings.sign_in_attempts_per_account is 'Staff sign-in attempts allowed per email within sign_in_window.';
comment on column data.settings.sign_in_attempts_per_client is 'Staff sign-in attempts allowed per client (address hash) within sign_in_window.';

create unlogged table data.sign_in_attempts (
  key text primary key,                 -- 'account:<email, lower case>' or 'client:<client key>'
  attempts int not null check (attempts > 0),
  window_started_at timestamptz not null
);
comment on table data.sign_in_attempts is
  'Staff sign-in attempts in the current window, per email and per client. Unlogged: after a crash the counts start again, which only forgives.';

/*
 * Counts one sign-in attempt for an email and a client (null: not known, not counted). Answers 0
 * when the password may be checked, else the seconds until this email's or client's window ends.
 */
create function api.staff_sign_in_attempt(p_email text, p_client text) returns int
language plpgsql volatile as $$
declare
  v_now timestamptz := api.clock_now();
  v_settings data.settings;
  v_wait int := 0;
  v_row record;
begin
  select * into v_settings from data.settings;
  delete from data.sign_in_attempts where window_started_at + v_settings.sign_in_window <= v_now;
  for v_row in
    insert into data.sign_in_attempts as a (key, attempts, window_started_at)
    select k.key, 1, v_now
      from (values ('account:' || lower(trim(p_email))), ('client:' || p_client)) k(key)
     where k.key is not null
     order by k.key
    on conflict (key) do update set attempts = a.attempts + 1
    returning a.key, a.attempts, a.window_started_at
  loop
    if v_row.attempts > (case when v_row.key like 'account:%' then v_settings.sign_in_attempts_per_account
                              else v_settings.sign_in_attempts_per_client end) then
      v_wait := greatest(v_wait, ceil(extract(epoch from v_row.window_started_at + v_settings.sign_in_window - v_now))::int, 1);
    end if;
  end loop;
  return v_wait;
end
$$;
comment on function api.staff_sign_in_attempt(text, text) is
  'Counts a staff sign-in attempt per email and per client; 0 = check the password, else seconds to wait.';

/*
 * A successful sign-in: its email starts counting afresh, and it does not count against its
 * client (an office of staff behind one address signs in all day).
 */
create function api.staff_sign_in_succeeded(p_email text, p_client text) returns void
language sql volatile as $$
  delete from data.sign_in_attempts
   where key = 'account:' || lower(trim(p_email)) or (key = 'client:' || p_client and attempts = 1);
  update data.sign_in_attempts set attempts = attempts - 1 where key = 'client:' || p_client;
$$;
