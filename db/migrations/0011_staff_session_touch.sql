-- Up Migration

/*
 * api.staff_session (0004) wrote last_seen_at on every admin request: each live-board re-read and
 * stream open was a write and a WAL flush. It now writes it at most once a minute per session.
 */
create or replace function api.staff_session(p_token text) returns jsonb
language plpgsql volatile as $$
declare
  v_hash bytea := data.hash_token(p_token);
  v_result jsonb;
  v_seen timestamptz;
begin
  select jsonb_build_object('staffId', a.id, 'email', a.email, 'name', a.name, 'role', a.role,
                            'expiresAt', s.expires_at),
         s.last_seen_at
    into v_result, v_seen
    from data.staff_sessions s
    join data.staff_accounts a on a.id = s.staff_id
   where s.token_hash = v_hash and s.ended_at is null and s.expires_at > now() and a.active;
  if v_seen < now() - interval '1 minute' then
    update data.staff_sessions set last_seen_at = now() where token_hash = v_hash;
  end if;
  return v_result;
end
$$;
comment on function api.staff_session(text) is 'Resolves a staff session cookie; every /admin page, action and admin API asks this first. Marks the session seen at most once a minute.';
