-- Up Migration

/*
 * An experience's time zone changed after it has start times: they keep their local times.
 *
 * Start times are instants (timestamptz), worked out from a schedule's local times on the
 * experience's clock when it was added. api.staff_save_experience (0008) let staff change the
 * zone afterwards and left the instants where they were, so every start time to come read an hour
 * or more off on the new clock (a 09:00 tour in London read 10:00 once the zone said Paris), on
 * the site, the board, manifests and emails alike, and a new schedule for the right times added a
 * second set beside them.
 *
 * Now a change of zone is a correction of the clock the start times were meant on:
 *   - every start time of the experience yet to start moves to the same local date and time on
 *     the new clock (a local time the new clock skips is placed after its gap, as a schedule does);
 *   - refused (HF042, field `timezone`) while any of those start times has seats held or booked:
 *     those customers were told a time on the old clock, and moving it is a matter for staff and
 *     them;
 *   - start times that have begun stay as they were (history);
 *   - the start times are locked first, in id order as every reservation takes them, so a hold
 *     that lands meanwhile is either seen (and the change refused) or waits for it.
 * Done by a trigger on the zone itself, so every path that changes it does the same.
 */

create function data.move_start_times_to_zone() returns trigger
language plpgsql as $$
declare
  v_now timestamptz := api.clock_now();
  v_taken int;
begin
  perform 1 from data.slots
   where experience_id = new.id and starts_at > v_now
   order by id
     for no key update;
  select count(*) into v_taken from data.slots
   where experience_id = new.id and starts_at > v_now and held + booked > 0;
  if v_taken > 0 then
    raise exception 'the time zone of % cannot change while % to come % seats taken: its customers were told a time on this clock', old.name,
      case when v_taken = 1 then '1 start time' else v_taken || ' start times' end, case when v_taken = 1 then 'has' else 'have' end
      using errcode = 'HF042', detail = json_build_object('field', 'timezone', 'startTimes', v_taken)::text;
  end if;
  -- In two steps: moved in one, a start time could land for a moment on another's old instant
  -- (hourly times, an hour apart on the two clocks) and (experience, starts_at) is unique.
  update data.slots s
     set starts_at = s.starts_at + interval '1000 years', ends_at = s.ends_at + interval '1000 years'
   where s.experience_id = new.id and s.starts_at > v_now;
  update data.slots s
     set starts_at = ((s.starts_at - interval '1000 years') at time zone old.timezone) at time zone new.timezone,
         ends_at = ((s.ends_at - interval '1000 years') at time zone old.timezone) at time zone new.timezone
   where s.experience_id = new.id and s.starts_at > v_now + interval '999 years';
  return new;
end
$$;
comment on function data.move_start_times_to_zone() is
  'An experience''s zone changed: its start times to come keep their local times on the new clock; refused (HF042) while any has seats taken.';

create trigger experiences_zone_moves_start_times
  before update of timezone on data.experiences
  for each row when (old.timezone is distinct from new.timezone)
  execute function data.move_start_times_to_zone();
