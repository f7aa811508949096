-- Up Migration

/*
 * Staff close (or reopen) many start times at once: a storm closes the lake for Saturday, the
 * guide is away for a fortnight, a schedule was added with 09:00 where 10:00 was meant.
 *
 * Until now each start time was closed on its own (api.staff_set_slot_open), one click per row
 * of the experience page; a schedule's mistake over three months was ninety clicks. Schedules
 * stay as 0008 made them, a rule kept for display: start times are closed, not deleted, so every
 * booking, hold, event, check-in and audit row that names one keeps it, and a closing is undone
 * by reopening.
 *
 * api.staff_set_slots_open(experience, from, to, local times, weekdays, open, staff) changes the
 * start times of one experience that have not started yet, on the experience's own clock: local
 * dates from `from` to `to`, on the ISO weekdays given (1 = Monday), at the local times given
 * (none given: at any time). The rules are those of closing one:
 *   - a closed start time takes no new reservations; holds and bookings on it stay as they are
 *     (the answer lists the start times closed that have people booked or holding, so staff can
 *     call them);
 *   - each start time's row is locked, in id order as every reservation takes them, and changed
 *     in one statement: a reservation of one of them goes wholly before the change or sees the
 *     start time closed;
 *   - one staff_audit row per start time changed ('slot_closed' / 'slot_opened', as for one,
 *     with the request in its detail); start times already so are left alone and not logged;
 *   - the live pages hear of each change through the slot-change trigger, as for one.
 * HF043 names the field that is wrong (as for a schedule), HF040 the missing open/closed.
 */

create function api.staff_set_slots_open(
  p_experience_slug text,
  p_from date,
  p_to date,
  p_local_times time[],
  p_weekdays int[],
  p_open boolean,
  p_staff_id bigint
) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_exp data.experiences;
  v_now timestamptz := api.clock_now();
  v_times time[] := array(select distinct t from unnest(coalesce(p_local_times, '{}')) t order by t);
  v_weekdays int[] := array(select distinct w from unnest(p_weekdays) w order by w);
  v_request jsonb;
  v_matched int;
  v_ids bigint[];
begin
  select * into v_exp from data.experiences where slug = p_experience_slug;
  if not found then
    raise exception 'experience % not found', p_experience_slug using errcode = 'HF014';
  end if;
  if p_open is null then
    raise exception 'say whether the start times open or close'
      using errcode = 'HF040', detail = json_build_object('field', 'open')::text;
  end if;
  if p_from is null then
    raise exception 'choose the first day'
      using errcode = 'HF043', detail = json_build_object('field', 'fromDate')::text;
  end if;
  if p_to is null or p_to < p_from then
    raise exception 'the last day must be on or after the first'
      using errcode = 'HF043', detail = json_build_object('field', 'toDate')::text;
  end if;
  if p_to - p_from > 731 then
    raise exception 'at most two years at a time'
      using errcode = 'HF043', detail = json_build_object('field', 'toDate')::text;
  end if;
  if array_position(p_local_times, null) is not null then
    raise exception 'a start time is missing'
      using errcode = 'HF043', detail = json_build_object('field', 'localTimes')::text;
  end if;
  if coalesce(cardinality(p_weekdays), 0) = 0
     or exists (select 1 from unnest(p_weekdays) w where w is null or w not between 1 and 7) then
    raise exception 'choose at least one weekday (1 = Monday … 7 = Sunday)'
      using errcode = 'HF043', detail = json_build_object('field', 'weekdays')::text;
  end if;

  v_request := jsonb_build_object(
    'fromDate', p_from, 'toDate', p_to, 'weekdays', to_jsonb(v_weekdays),
    'localTimes', coalesce((select jsonb_agg(to_char(t, 'HH24:MI') order by t) from unnest(v_times) t), '[]'::jsonb));

  -- The start times asked for, locked in id order; those to change are changed in one statement.
  with matched as (
    select s.id, s.is_open
      from data.slots s
     where s.experience_id = v_exp.id
       and s.starts_at > v_now
       and (s.starts_at at time zone v_exp.timezone)::date between p_from and p_to
       and extract(isodow from s.starts_at at time zone v_exp.timezone)::int = any (v_weekdays)
       and (cardinality(v_times) = 0 or (s.starts_at at time zone v_exp.timezone)::time = any (v_times))
     order by s.id
       for no key update
  ), changed as (
    update data.slots s set is_open = p_open
      from matched m
     where s.id = m.id and m.is_open <> p_open
    returning s.id
  )
  select (select count(*)::int from matched), coalesce((select array_agg(id order by id) from changed), '{}')
    into v_matched, v_ids;

  insert into data.staff_audit (staff_id, action, experience_id, slot_id, detail)
  select p_staff_id, case when p_open then 'slot_opened' else 'slot_closed' end, v_exp.id, id,
         jsonb_build_object('together', v_request)
    from unnest(v_ids) id;

  return jsonb_build_object(
    'matched', v_matched,
    'changed', cardinality(v_ids),
    -- Start times this call closed that have people on them: booked, or holding (lapsed holds
    -- count as free, as everywhere staff look).
    'withPeople', coalesce((
      select jsonb_agg(jsonb_build_object(
               'slotId', s.id, 'localStartsAt', data.local_iso(s.starts_at, v_exp.timezone),
               'booked', s.booked, 'held', s.held - l.lapsed)
             order by s.starts_at, s.id)
        from data.slots s
       cross join lateral (
         select coalesce(sum(i.quantity), 0)::int as lapsed
           from data.booking_items i
           join data.pending_bookings b on b.id = i.booking_id
          where i.slot_id = s.id and b.availability_reserved and b.expires_at <= v_now) l
       where s.id = any (v_ids) and not p_open and s.booked + s.held - l.lapsed > 0), '[]'::jsonb));
end
$$;
comment on function api.staff_set_slots_open(text, date, date, time[], int[], boolean, bigint) is
  'Staff close or reopen the start times of one experience yet to start, by local dates, weekdays and (optionally) local times; holds and bookings stay; answers how many matched and changed, and the closed ones with people on them.';
