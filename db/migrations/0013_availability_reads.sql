-- Up Migration

/*
 * Availability reads whose work follows the holds on the start times they read (issue 4, E).
 *
 * api.check_availability, the live board (api.admin_upcoming_slots) and the staff page of an
 * experience (api.staff_experience) found each start time's live holds — seats whose hold has
 * lapsed but is not yet released, and the earliest expiry of the rest — with a join of
 * booking_items and pending_bookings inside a LATERAL subquery, once per start time. With many
 * live holds in the database (a busy sale anywhere), PostgreSQL planned that join as a hash join
 * that read every booking, once per start time read: the benchmark's one day of 356 held-into
 * start times took 38 s on PostgreSQL 15 with 500,000 live holds, a test with 20,000 holds
 * elsewhere read 480,576 booking rows for a day of 24 start times, and where JIT is available
 * each read also paid ~200 ms of compilation for the plan's large cost.
 *
 * Now one helper, data.slot_live_holds, answers for one start time, and does nothing when the
 * slot holds no seats (held = 0 means no live item, invariant 1). Otherwise it visits that
 * slot's items through booking_items_slot_idx and looks up each item's booking by primary key
 * (the OFFSET 0 keeps the planner from turning the lookup back into a join): the work is the
 * start time's own items, whatever else the database holds. data.lapsed_held, used where a
 * resource's other slots are checked, goes through it too.
 */

/* Live holds on one slot: lapsed seats still counted in slots.held, and the earliest live expiry. */
create function data.slot_live_holds(p_slot_id bigint, p_held int, p_now timestamptz,
                                     out lapsed int, out held_until timestamptz)
language plpgsql stable as $$
begin
  lapsed := 0;
  if p_held <= 0 then
    return;
  end if;
  select coalesce(sum(i.quantity) filter (where x.expires_at <= p_now), 0)::int,
         min(x.expires_at) filter (where x.expires_at > p_now)
    into lapsed, held_until
    from data.booking_items i
   cross join lateral (
     select b.expires_at from data.pending_bookings b
      where b.id = i.booking_id and b.availability_reserved
     offset 0) x
   where i.slot_id = p_slot_id;
end
$$;
comment on function data.slot_live_holds(bigint, int, timestamptz) is
  'Seats on a slot whose hold has lapsed but is not released yet, and the earliest expiry of its live holds; p_held is the slot''s held counter (0: nothing to look up). Reads only that slot''s items.';

create or replace function data.lapsed_held(p_slot_id bigint) returns int
language plpgsql stable as $$
begin
  return (select (data.slot_live_holds(s.id, s.held, api.clock_now())).lapsed from data.slots s where s.id = p_slot_id);
end
$$;

/* Availability (0005): live holds through data.slot_live_holds; otherwise unchanged. */
create or replace function api.check_availability(p_experience_slug text, p_from date default null, p_to date default null)
returns jsonb
language plpgsql stable as $$
declare
  v_exp data.experiences;
  v_now timestamptz := api.clock_now();
  v_from date;
  v_to date;
begin
  select * into v_exp from data.experiences where slug = p_experience_slug;
  if not found then
    raise exception 'experience % not found', p_experience_slug using errcode = 'HF014';
  end if;
  v_from := coalesce(p_from, (v_now at time zone v_exp.timezone)::date);
  v_to := coalesce(p_to, v_from + 30);
  if v_to < v_from or v_to - v_from > 92 then
    raise exception 'date range must run forwards and span at most 92 days' using errcode = 'HF015';
  end if;

  return jsonb_build_object(
    'experience', jsonb_build_object(
      'slug', v_exp.slug, 'name', v_exp.name, 'description', v_exp.description,
      'timezone', v_exp.timezone, 'durationMinutes', extract(epoch from v_exp.duration) / 60,
      'priceMinor', v_exp.price_minor, 'currency', v_exp.currency,
      'holdSeconds', extract(epoch from v_exp.hold_duration),
      'maxPeoplePerBooking', v_exp.max_people_per_booking, 'active', v_exp.active),
    'from', v_from, 'to', v_to,
    'slots', coalesce((
      select jsonb_agg(jsonb_build_object(
               'slotId', x.id, 'startsAt', x.starts_at, 'endsAt', x.ends_at,
               'localStartsAt', data.local_iso(x.starts_at, v_exp.timezone),
               'localEndsAt', data.local_iso(x.ends_at, v_exp.timezone),
               'capacity', x.capacity, 'booked', x.booked, 'held', x.live_held,
               'heldUntil', x.held_until,
               'localHeldUntil', data.local_iso(x.held_until, v_exp.timezone),
               'remaining', case when x.bookable and not x.resource_blocked
                                 then x.capacity - x.booked - x.live_held else 0 end,
               'status', case when not x.bookable then 'closed'
                              when x.resource_blocked then 'unavailable'
                              when x.capacity - x.booked - x.live_held <= 0 then 'sold_out'
                              else 'available' end)
             order by x.starts_at)
        from (select s.*, s.held - l.lapsed as live_held, l.held_until,
                     v_exp.active and s.is_open and v_now < s.starts_at - v_exp.booking_cutoff as bookable,
                     (v_exp.resource_id is not null and s.booked + s.held - l.lapsed = 0 and not exists (
                        select 1 from data.resource_units u
                         where u.resource_id = v_exp.resource_id
                           and not exists (
                             select 1 from data.resource_allocations a
                               join data.slots o on o.id = a.slot_id
                              where a.unit_id = u.id and a.slot_id <> s.id
                                and a.during && tstzrange(s.starts_at, s.ends_at)
                                and o.booked + o.held - (data.slot_live_holds(o.id, o.held, v_now)).lapsed > 0))) as resource_blocked
                from data.slots s
                cross join lateral data.slot_live_holds(s.id, s.held, v_now) l
               where s.experience_id = v_exp.id
                 and s.starts_at >= (v_from::timestamp at time zone v_exp.timezone)
                 and s.starts_at < ((v_to + 1)::timestamp at time zone v_exp.timezone)) x), '[]'::jsonb));
end
$$;

/* The live board (0006): live holds through data.slot_live_holds; otherwise unchanged. */
create or replace function api.admin_upcoming_slots(p_limit int default 50) returns jsonb
language plpgsql stable as $$
declare
  v_now timestamptz := api.clock_now();
begin
  return coalesce((
    select jsonb_agg(jsonb_build_object(
             'slotId', s.id, 'experienceSlug', e.slug, 'experienceName', e.name, 'timezone', e.timezone,
             'startsAt', s.starts_at, 'endsAt', s.ends_at, 'open', s.is_open,
             'localStartsAt', data.local_iso(s.starts_at, e.timezone),
             'capacity', s.capacity, 'booked', s.booked, 'held', s.held - l.lapsed,
             'remaining', greatest(0, s.capacity - s.booked - (s.held - l.lapsed)),
             'heldUntil', l.held_until)
           order by s.starts_at, s.id)
      from (select * from data.slots
             where starts_at > v_now - interval '2 hours'
             order by starts_at, id
             limit least(greatest(coalesce(p_limit, 50), 1), 500)) s
      join data.experiences e on e.id = s.experience_id
     cross join lateral data.slot_live_holds(s.id, s.held, v_now) l), '[]'::jsonb);
end
$$;

/* The staff page of an experience (0008): lapsed seats through data.slot_live_holds; otherwise unchanged. */
create or replace function api.staff_experience(p_slug text, p_slot_limit int default 200) returns jsonb
language plpgsql stable as $$
declare
  v_exp data.experiences;
  v_now timestamptz := api.clock_now();
begin
  select * into v_exp from data.experiences where slug = p_slug;
  if not found then
    raise exception 'experience % not found', p_slug using errcode = 'HF014';
  end if;
  return data.staff_experience_json(v_exp.id) || jsonb_build_object(
    'localToday', to_char(v_now at time zone v_exp.timezone, 'YYYY-MM-DD'),
    'schedules', coalesce((
      select jsonb_agg(jsonb_build_object(
               'scheduleId', c.id, 'fromDate', c.from_date, 'toDate', c.to_date,
               'localTimes', (select jsonb_agg(to_char(t, 'HH24:MI') order by t) from unnest(c.local_times) t),
               'weekdays', to_jsonb(c.weekdays), 'exceptions', to_jsonb(c.exceptions),
               'slotsCreated', c.slots_created, 'createdAt', c.created_at)
             order by c.id desc)
        from data.schedules c where c.experience_id = v_exp.id), '[]'::jsonb),
    'slots', coalesce((
      select jsonb_agg(jsonb_build_object(
               'slotId', s.id, 'startsAt', s.starts_at, 'endsAt', s.ends_at, 'open', s.is_open,
               'localStartsAt', data.local_iso(s.starts_at, v_exp.timezone),
               'localEndsAt', data.local_iso(s.ends_at, v_exp.timezone),
               'capacity', s.capacity, 'booked', s.booked, 'held', s.held - l.lapsed,
               'remaining', greatest(0, s.capacity - s.booked - (s.held - l.lapsed)))
             order by s.starts_at, s.id)
        from (select * from data.slots
               where experience_id = v_exp.id and starts_at > v_now - interval '2 hours'
               order by starts_at, id
               limit least(greatest(coalesce(p_slot_limit, 200), 1), 1000)) s
       cross join lateral data.slot_live_holds(s.id, s.held, v_now) l), '[]'::jsonb));
end
$$;
