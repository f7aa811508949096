-- Up Migration

/*
 * Staff: experiences and schedules, slot capacity and closing, and the manifest with check-in
 * (issue 7, parts 2 and 5).
 *
 * As in 0006, callers are checked by the app (lib/current-staff.ts) before any of these is
 * called, and the staff member's id is recorded with every change: in booking_events when the
 * change concerns a booking (check-in), otherwise in data.staff_audit.
 *
 * Errors: HF040–HF049 (db/errors.ts), plus the existing HF002 slot_not_found, HF004
 * booking_not_found and HF014 experience_not_found. Validation errors carry the offending field
 * in DETAIL ({"field": "timezone"}), capacity errors the smallest capacity allowed
 * ({"minimum": 7, "held": 2, "booked": 5}).
 */

/* ----------------------------------------------------------------------------------------------
 * What staff changed, for everything that is not a booking (booking_events covers those).
 * -------------------------------------------------------------------------------------------- */
create table data.staff_audit (
  id bigint generated always as identity primary key,
  staff_id bigint references data.staff_accounts,
  action text not null check (action in ('experience_created', 'experience_updated', 'schedule_added',
                                         'slot_capacity', 'slot_closed', 'slot_opened')),
  experience_id bigint references data.experiences,
  slot_id bigint references data.slots,
  detail jsonb not null default '{}',
  occurred_at timestamptz not null default now()
);
comment on table data.staff_audit is 'Append-only log of staff changes to experiences, schedules and slots (who, what, before and after).';
create index staff_audit_experience_idx on data.staff_audit (experience_id);
create index staff_audit_slot_idx on data.staff_audit (slot_id);
create trigger staff_audit_append_only before update or delete on data.staff_audit
  for each row execute function data.forbid_change();

/* ----------------------------------------------------------------------------------------------
 * Weekly schedules: the rule staff entered, kept for display. The slots it made are ordinary
 * slots; deleting or changing a rule later is not offered (close slots instead).
 * -------------------------------------------------------------------------------------------- */
create table data.schedules (
  id bigint generated always as identity primary key,
  experience_id bigint not null references data.experiences,
  from_date date not null,
  to_date date not null,
  local_times time[] not null,
  weekdays int[] not null,
  exceptions date[] not null default '{}',
  slots_created int not null,
  staff_id bigint references data.staff_accounts,
  created_at timestamptz not null default now(),
  constraint schedules_range check (to_date >= from_date)
);
comment on table data.schedules is 'Weekly recurring start times staff added (local times, ISO weekdays 1 = Monday, local dates skipped), for display; the slots themselves are in data.slots.';
create index schedules_experience_idx on data.schedules (experience_id);

/* ----------------------------------------------------------------------------------------------
 * Check-in: one row per (booking, slot) while the party is checked in.
 * -------------------------------------------------------------------------------------------- */
create table data.check_ins (
  booking_id bigint not null references data.pending_bookings,
  slot_id bigint not null references data.slots,
  checked_in_at timestamptz not null default now(),
  staff_id bigint references data.staff_accounts,
  primary key (booking_id, slot_id)
);
comment on table data.check_ins is 'Parties checked in at a start time; undoing a check-in deletes the row (both are logged in booking_events).';
create index check_ins_slot_idx on data.check_ins (slot_id);

/*
 * booking_events gets two types: checked_in and check_in_undone. The allowed list is read from
 * the constraint as it stands (another migration may have added types of its own) and extended,
 * rather than written out again.
 */
do $$
declare
  v_types text[];
begin
  select array_agg(distinct m[1] order by m[1]) into v_types
    from pg_constraint c
   cross join lateral regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') m
   where c.conrelid = 'data.booking_events'::regclass and c.conname = 'booking_events_type_check';
  v_types := array(select distinct unnest(v_types || array['checked_in', 'check_in_undone']) order by 1);
  alter table data.booking_events drop constraint booking_events_type_check;
  execute format('alter table data.booking_events add constraint booking_events_type_check check (type = any (%L::text[]))', v_types);
end
$$;

/* ----------------------------------------------------------------------------------------------
 * Reading: time zones, resources, experiences.
 * -------------------------------------------------------------------------------------------- */

/* The zones PostgreSQL knows (what data.is_timezone accepts), minus the posix/ and right/ copies. */
create function api.staff_timezones() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(name order by name), '[]'::jsonb)
    from pg_timezone_names
   where name !~ '^(posix|right)/' and name <> 'localtime'
$$;
comment on function api.staff_timezones() is 'Time zone names for the experience form; the same set data.is_timezone validates against.';

create function api.staff_resources() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('slug', slug, 'name', name, 'units', units) order by name), '[]'::jsonb)
    from data.resources
$$;
comment on function api.staff_resources() is 'Exclusive resources an experience may need (the experience form''s choice).';

/* One experience as staff see it: every setting, in form-friendly units (minutes). */
create function data.staff_experience_json(p_id bigint) returns jsonb
language plpgsql stable as $$
begin
  return (select jsonb_build_object(
    'id', e.id, 'slug', e.slug, 'name', e.name, 'description', e.description, 'timezone', e.timezone,
    'durationMinutes', (extract(epoch from e.duration) / 60)::int,
    'defaultCapacity', e.default_capacity, 'priceMinor', e.price_minor, 'currency', e.currency,
    'holdSeconds', extract(epoch from e.hold_duration)::int,
    'maxPeoplePerBooking', e.max_people_per_booking,
    'cutoffMinutes', (extract(epoch from e.booking_cutoff) / 60)::int,
    'active', e.active, 'paymentMode', e.payment_mode, 'whatToBring', e.what_to_bring,
    'resourceSlug', r.slug, 'resourceName', r.name,
    'hasBookings', exists (select 1 from data.booking_items i join data.slots s on s.id = i.slot_id
                            where s.experience_id = e.id))
    from data.experiences e left join data.resources r on r.id = e.resource_id
   where e.id = p_id);
end
$$;

/* Every experience (active or not), with its upcoming start times counted and the next one. */
create function api.staff_experiences() returns jsonb
language plpgsql stable as $$
declare
  v_now timestamptz := api.clock_now();
begin
  return coalesce((
    select jsonb_agg(data.staff_experience_json(e.id) || jsonb_build_object(
             'upcomingSlots', n.count, 'nextStartsAt', n.next,
             'localNextStartsAt', data.local_iso(n.next, e.timezone))
           order by e.name, e.id)
      from data.experiences e
     cross join lateral (select count(*)::int as count, min(s.starts_at) as next
                           from data.slots s where s.experience_id = e.id and s.starts_at > v_now) n), '[]'::jsonb);
end
$$;
comment on function api.staff_experiences() is 'Staff list of experiences with their number of upcoming start times.';

/*
 * One experience for its edit page: settings, the schedules added, and upcoming start times
 * (from two hours ago) with live numbers — lapsed holds count as free, as on the live board.
 */
create function api.staff_experience(p_slug text, p_slot_limit int default 200) returns jsonb
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
       cross join lateral (
         select coalesce(sum(i.quantity), 0)::int as lapsed
           from data.booking_items i
           join data.pending_bookings b on b.id = i.booking_id
          where i.slot_id = s.id and b.availability_reserved and b.expires_at <= v_now) l), '[]'::jsonb));
end
$$;
comment on function api.staff_experience(text, int) is 'An experience with its schedules and upcoming start times, for its staff edit page.';

/* ----------------------------------------------------------------------------------------------
 * Saving an experience.
 * -------------------------------------------------------------------------------------------- */

/* HF040 for one field, with the field in DETAIL so the form can point at it. */
create function data.invalid_field(p_field text, p_message text) returns void
language plpgsql volatile as $$
begin
  raise exception '%', p_message using errcode = 'HF040', detail = json_build_object('field', p_field)::text;
end
$$;

/*
 * Creates or updates an experience. p_slug names it; p_create says whether it must be new (true:
 * HF041 when the slug is taken), must exist (false: HF014 when it does not), or either (null).
 * p_new_slug renames it. Every field is validated here with a clear HF040 naming the field.
 *
 * Once any booking (in any state) has an item on one of its start times, the slug (in
 * confirmation emails' links), the currency (of those bookings' totals) and the resource (whose
 * allocations those seats hold) can no longer change: HF042. Price, duration and default
 * capacity changes apply to bookings and start times made afterwards: existing start times keep
 * their capacity and end, existing items their price.
 */
create function api.staff_save_experience(
  p_slug text,
  p_name text,
  p_description text,
  p_timezone text,
  p_duration interval,
  p_default_capacity int,
  p_price_minor int,
  p_currency text,
  p_hold_duration interval,
  p_max_people_per_booking int,
  p_booking_cutoff interval,
  p_payment_mode text,
  p_active boolean,
  p_what_to_bring text,
  p_resource_slug text,
  p_staff_id bigint,
  p_create boolean default null,
  p_new_slug text default null
) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_old data.experiences;
  v_new_slug text := coalesce(nullif(trim(p_new_slug), ''), p_slug);
  v_resource_id bigint;
  v_id bigint;
  v_in_use boolean;
begin
  if p_slug is null or p_slug !~ '^[a-z0-9]+(-[a-z0-9]+)*$' or length(p_slug) > 100 then
    perform data.invalid_field('slug', 'the web name must be lower-case letters, digits and single hyphens (at most 100)');
  end if;
  if v_new_slug !~ '^[a-z0-9]+(-[a-z0-9]+)*$' or length(v_new_slug) > 100 then
    perform data.invalid_field('slug', 'the web name must be lower-case letters, digits and single hyphens (at most 100)');
  end if;
  if p_name is null or length(trim(p_name)) not between 1 and 200 then
    perform data.invalid_field('name', 'the name must be 1 to 200 characters');
  end if;
  if length(coalesce(p_description, '')) > 5000 then
    perform data.invalid_field('description', 'the description must be at most 5000 characters');
  end if;
  if p_timezone is null or not data.is_timezone(p_timezone) then
    perform data.invalid_field('timezone', format('%s is not a time zone PostgreSQL knows', coalesce(p_timezone, 'an empty value')));
  end if;
  if p_duration is null or p_duration <= '0' or p_duration > '14 days' then
    perform data.invalid_field('duration', 'the duration must be more than 0 and at most 14 days');
  end if;
  if p_default_capacity is null or p_default_capacity not between 0 and 100000 then
    perform data.invalid_field('defaultCapacity', 'the capacity must be between 0 and 100000');
  end if;
  if p_price_minor is null or p_price_minor < 0 then
    perform data.invalid_field('price', 'the price must be 0 or more');
  end if;
  if p_currency is null or p_currency !~ '^[A-Z]{3}$' then
    perform data.invalid_field('currency', 'the currency must be a three-letter ISO code such as EUR');
  end if;
  if p_hold_duration is null or p_hold_duration not between '1 second' and '24 hours' then
    perform data.invalid_field('holdDuration', 'the hold must last between 1 second and 24 hours');
  end if;
  if p_max_people_per_booking is null or p_max_people_per_booking not between 1 and 10000 then
    perform data.invalid_field('maxPeoplePerBooking', 'the people per booking must be between 1 and 10000');
  end if;
  if p_booking_cutoff is null or p_booking_cutoff < '0' or p_booking_cutoff > '365 days' then
    perform data.invalid_field('bookingCutoff', 'the booking cut-off must be between 0 and 365 days before the start');
  end if;
  if p_payment_mode is null or p_payment_mode not in ('auto', 'stripe', 'on_arrival') then
    perform data.invalid_field('paymentMode', 'the payment mode must be auto, stripe or on_arrival');
  end if;
  if length(coalesce(p_what_to_bring, '')) > 2000 then
    perform data.invalid_field('whatToBring', 'what to bring must be at most 2000 characters');
  end if;
  if nullif(p_resource_slug, '') is not null then
    select id into v_resource_id from data.resources where slug = p_resource_slug;
    if not found then
      perform data.invalid_field('resource', format('there is no resource %s', p_resource_slug));
    end if;
  end if;

  -- One save of a slug at a time (two staff creating the same slug get HF041, not a 23505).
  perform data.lock_key('experience', p_slug);
  select * into v_old from data.experiences where slug = p_slug for update;

  if not found then
    if p_create is false then
      raise exception 'experience % not found', p_slug using errcode = 'HF014';
    end if;
    if v_new_slug <> p_slug then
      raise exception 'experience % not found', p_slug using errcode = 'HF014';
    end if;
    insert into data.experiences (slug, name, description, timezone, duration, default_capacity, price_minor,
                                  currency, hold_duration, max_people_per_booking, booking_cutoff, active,
                                  resource_id, payment_mode, what_to_bring)
    values (p_slug, trim(p_name), coalesce(p_description, ''), p_timezone, p_duration, p_default_capacity,
            p_price_minor, p_currency, p_hold_duration, p_max_people_per_booking, p_booking_cutoff,
            coalesce(p_active, true), v_resource_id, p_payment_mode, coalesce(p_what_to_bring, ''))
    returning id into v_id;
    insert into data.staff_audit (staff_id, action, experience_id, detail)
    values (p_staff_id, 'experience_created', v_id, data.staff_experience_json(v_id));
    return data.staff_experience_json(v_id);
  end if;

  if p_create then
    raise exception 'an experience with the web name % exists', p_slug
      using errcode = 'HF041', detail = json_build_object('field', 'slug')::text;
  end if;

  v_in_use := exists (select 1 from data.booking_items i join data.slots s on s.id = i.slot_id
                       where s.experience_id = v_old.id);
  if v_in_use and v_new_slug <> v_old.slug then
    raise exception 'the web name of % cannot change: it has bookings', v_old.slug
      using errcode = 'HF042', detail = json_build_object('field', 'slug')::text;
  end if;
  if v_in_use and p_currency <> v_old.currency then
    raise exception 'the currency of % cannot change: it has bookings', v_old.slug
      using errcode = 'HF042', detail = json_build_object('field', 'currency')::text;
  end if;
  if v_resource_id is distinct from v_old.resource_id
     and exists (select 1 from data.slots where experience_id = v_old.id and held + booked > 0) then
    raise exception 'the resource of % cannot change while start times have seats taken', v_old.slug
      using errcode = 'HF042', detail = json_build_object('field', 'resource')::text;
  end if;
  if v_new_slug <> v_old.slug and exists (select 1 from data.experiences where slug = v_new_slug) then
    raise exception 'an experience with the web name % exists', v_new_slug
      using errcode = 'HF041', detail = json_build_object('field', 'slug')::text;
  end if;

  update data.experiences
     set slug = v_new_slug, name = trim(p_name), description = coalesce(p_description, ''), timezone = p_timezone,
         duration = p_duration, default_capacity = p_default_capacity, price_minor = p_price_minor,
         currency = p_currency, hold_duration = p_hold_duration, max_people_per_booking = p_max_people_per_booking,
         booking_cutoff = p_booking_cutoff, active = coalesce(p_active, v_old.active), resource_id = v_resource_id,
         payment_mode = p_payment_mode, what_to_bring = coalesce(p_what_to_bring, '')
   where id = v_old.id;
  insert into data.staff_audit (staff_id, action, experience_id, detail)
  values (p_staff_id, 'experience_updated', v_old.id,
          jsonb_build_object('before', to_jsonb(v_old) - 'created_at', 'after', data.staff_experience_json(v_old.id)));
  return data.staff_experience_json(v_old.id);
end
$$;
comment on function api.staff_save_experience(text, text, text, text, interval, int, int, text, interval, int, interval, text, boolean, text, text, bigint, boolean, text)
  is 'Staff create or update an experience by slug; validates every field (HF040); slug, currency and resource are fixed once it has bookings (HF042).';

/* ----------------------------------------------------------------------------------------------
 * Schedules.
 * -------------------------------------------------------------------------------------------- */

/*
 * The one place start times are made from local wall-clock times. For every local date from
 * p_from to p_to on one of p_weekdays (ISO, 1 = Monday; null = every day) and not in
 * p_exceptions, and every local time, the instant is `(date + time) at time zone <zone>`: 09:00
 * stays 09:00 on the experience's clock on both sides of a daylight-saving change, with the
 * database's tzdata. On the day clocks go forward a time inside the gap (01:30 in London) does
 * not exist and PostgreSQL places it an hour later by the new clock (02:30); in the repeated hour
 * when clocks go back it takes the second occurrence (standard time). Start times that already
 * exist are left alone. Returns how many were created and the local starts that were shifted.
 */
create function data.generate_slots(
  p_experience_id bigint, p_from date, p_to date, p_local_times time[], p_weekdays int[], p_exceptions date[]
) returns jsonb
language plpgsql volatile as $$
declare
  v_exp data.experiences;
  v_created int;
  v_shifted jsonb;
begin
  select * into v_exp from data.experiences where id = p_experience_id;
  with wanted as (
    select d::date as day, lt, ((d::date + lt) at time zone v_exp.timezone) as starts_at
      from generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') d
     cross join (select distinct unnest(p_local_times) as lt) t
     where (p_weekdays is null or extract(isodow from d)::int = any (p_weekdays))
       and not (d::date = any (coalesce(p_exceptions, '{}')))
  ), inserted as (
    insert into data.slots (experience_id, starts_at, ends_at, capacity)
    select v_exp.id, w.starts_at, w.starts_at + v_exp.duration, v_exp.default_capacity
      from wanted w
    on conflict (experience_id, starts_at) do nothing
    returning starts_at
  )
  select (select count(*)::int from inserted),
         coalesce((select jsonb_agg(data.local_iso(w.starts_at, v_exp.timezone) order by w.starts_at)
                     from wanted w
                    where (w.starts_at at time zone v_exp.timezone) <> (w.day + w.lt)), '[]'::jsonb)
    into v_created, v_shifted;
  return jsonb_build_object('slotsCreated', v_created, 'shifted', v_shifted);
end
$$;
comment on function data.generate_slots(bigint, date, date, time[], int[], date[]) is 'Makes start times at local wall-clock times over a local date range (weekdays, exceptions), DST-correct; the one body behind api.generate_slots and api.staff_add_schedule.';

/* api.generate_slots (0001, the demo seed and tests use it) now delegates to the one body. */
create or replace function api.generate_slots(
  p_experience_slug text, p_from date, p_to date, p_local_times time[], p_weekdays int[] default null
) returns int
language plpgsql volatile as $$
declare
  v_id bigint;
begin
  select id into v_id from data.experiences where slug = p_experience_slug;
  if not found then
    raise exception 'experience % not found', p_experience_slug using errcode = 'HF014';
  end if;
  if p_to < p_from or p_to - p_from > 731 then
    raise exception 'date range must run forwards and span at most two years' using errcode = 'HF015';
  end if;
  return (data.generate_slots(v_id, p_from, p_to, p_local_times, p_weekdays, null) ->> 'slotsCreated')::int;
end
$$;

/*
 * Staff add a weekly schedule: local start times on some weekdays (ISO 1 = Monday … 7 = Sunday)
 * from one local date to another, skipping the local dates in p_exceptions. The rule is kept in
 * data.schedules for display. HF043 names the field that is wrong.
 */
create function api.staff_add_schedule(
  p_experience_slug text,
  p_from date,
  p_to date,
  p_local_times time[],
  p_weekdays int[],
  p_exceptions date[],
  p_staff_id bigint
) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_exp data.experiences;
  v_result jsonb;
  v_id bigint;
begin
  select * into v_exp from data.experiences where slug = p_experience_slug;
  if not found then
    raise exception 'experience % not found', p_experience_slug using errcode = 'HF014';
  end if;
  if p_from is null or p_to is null or p_to < p_from then
    raise exception 'the schedule must end on or after its first day'
      using errcode = 'HF043', detail = json_build_object('field', 'toDate')::text;
  end if;
  if p_to - p_from > 731 then
    raise exception 'a schedule spans at most two years'
      using errcode = 'HF043', detail = json_build_object('field', 'toDate')::text;
  end if;
  if coalesce(cardinality(p_local_times), 0) = 0 or array_position(p_local_times, null) is not null then
    raise exception 'give at least one start time'
      using errcode = 'HF043', detail = json_build_object('field', 'localTimes')::text;
  end if;
  if cardinality(p_local_times) > 96 then
    raise exception 'at most 96 start times a day'
      using errcode = 'HF043', detail = json_build_object('field', 'localTimes')::text;
  end if;
  if coalesce(cardinality(p_weekdays), 0) = 0
     or exists (select 1 from unnest(p_weekdays) w where w is null or w not between 1 and 7) then
    raise exception 'choose at least one weekday (1 = Monday … 7 = Sunday)'
      using errcode = 'HF043', detail = json_build_object('field', 'weekdays')::text;
  end if;
  if array_position(p_exceptions, null) is not null then
    raise exception 'an exception date is missing'
      using errcode = 'HF043', detail = json_build_object('field', 'exceptions')::text;
  end if;

  v_result := data.generate_slots(v_exp.id, p_from, p_to, p_local_times,
                                  array(select distinct w from unnest(p_weekdays) w order by w),
                                  coalesce(p_exceptions, '{}'));
  insert into data.schedules (experience_id, from_date, to_date, local_times, weekdays, exceptions,
                              slots_created, staff_id)
  values (v_exp.id, p_from, p_to, array(select distinct t from unnest(p_local_times) t order by t),
          array(select distinct w from unnest(p_weekdays) w order by w),
          array(select distinct d from unnest(coalesce(p_exceptions, '{}')) d order by d),
          (v_result ->> 'slotsCreated')::int, p_staff_id)
  returning id into v_id;
  insert into data.staff_audit (staff_id, action, experience_id, detail)
  values (p_staff_id, 'schedule_added', v_exp.id, v_result || jsonb_build_object('scheduleId', v_id));
  return v_result || jsonb_build_object('scheduleId', v_id);
end
$$;
comment on function api.staff_add_schedule(text, date, date, time[], int[], date[], bigint) is 'Staff add weekly recurring start times over a local date range, skipping exception dates; returns the slots created.';

/* ----------------------------------------------------------------------------------------------
 * One slot: capacity, open or closed.
 * -------------------------------------------------------------------------------------------- */

/* A slot for its staff pages: numbers (lapsed holds count as free) and local times. */
create function data.staff_slot_json(p_slot_id bigint) returns jsonb
language plpgsql stable as $$
declare
  v_now timestamptz := api.clock_now();
begin
  return (select jsonb_build_object(
    'slotId', s.id, 'experienceSlug', e.slug, 'experienceName', e.name, 'timezone', e.timezone,
    'startsAt', s.starts_at, 'endsAt', s.ends_at, 'open', s.is_open,
    'localStartsAt', data.local_iso(s.starts_at, e.timezone),
    'localEndsAt', data.local_iso(s.ends_at, e.timezone),
    'capacity', s.capacity, 'booked', s.booked, 'held', s.held - l.lapsed,
    'remaining', greatest(0, s.capacity - s.booked - (s.held - l.lapsed)))
    from data.slots s
    join data.experiences e on e.id = s.experience_id
   cross join lateral (
     select coalesce(sum(i.quantity), 0)::int as lapsed
       from data.booking_items i
       join data.pending_bookings b on b.id = i.booking_id
      where i.slot_id = s.id and b.availability_reserved and b.expires_at <= v_now) l
   where s.id = p_slot_id);
end
$$;

/*
 * Sets a slot's capacity. Never below what is taken: the slot's row is locked first, so every
 * reservation of it (a conditional UPDATE of the same row) waits for the change or goes before
 * it, and the CHECK on slots stands behind the comparison. When it looks too small, lapsed holds on the slot are
 * released first (they count as free); still too small is
 * HF044 with {"minimum": held + booked} in DETAIL, and nothing changes.
 */
create function api.staff_set_slot_capacity(p_slot_id bigint, p_capacity int, p_staff_id bigint)
returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_slot data.slots;
begin
  if p_capacity is null or p_capacity not between 0 and 100000 then
    raise exception 'the capacity must be between 0 and 100000'
      using errcode = 'HF040', detail = json_build_object('field', 'capacity')::text;
  end if;
  -- The slot's row lock: reservations of this slot wait for this change, and it for them.
  select * into v_slot from data.slots where id = p_slot_id for update;
  if not found then
    raise exception 'slot % not found', p_slot_id using errcode = 'HF002';
  end if;
  if v_slot.held + v_slot.booked > p_capacity and data.release_lapsed_on_slots(array[p_slot_id]) > 0 then
    select * into v_slot from data.slots where id = p_slot_id;
  end if;
  if v_slot.held + v_slot.booked > p_capacity then
    raise exception 'the capacity cannot be below the % seats held or booked', v_slot.held + v_slot.booked
      using errcode = 'HF044',
            detail = json_build_object('minimum', v_slot.held + v_slot.booked, 'held', v_slot.held, 'booked', v_slot.booked)::text;
  end if;
  update data.slots set capacity = p_capacity where id = p_slot_id;
  if v_slot.capacity <> p_capacity then
    insert into data.staff_audit (staff_id, action, experience_id, slot_id, detail)
    values (p_staff_id, 'slot_capacity', v_slot.experience_id, p_slot_id,
            jsonb_build_object('from', v_slot.capacity, 'to', p_capacity));
  end if;
  return data.staff_slot_json(p_slot_id);
end
$$;
comment on function api.staff_set_slot_capacity(bigint, int, bigint) is 'Staff change a slot''s capacity; never below held + booked (HF044 with the minimum).';

/*
 * Closes or reopens a slot. A closed slot takes no new reservations (api.reserve_seats checks
 * is_open); holds and bookings already on it stay as they are. Idempotent.
 */
create function api.staff_set_slot_open(p_slot_id bigint, p_open boolean, p_staff_id bigint)
returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_slot data.slots;
begin
  if p_open is null then
    raise exception 'say whether the slot is open'
      using errcode = 'HF040', detail = json_build_object('field', 'open')::text;
  end if;
  select * into v_slot from data.slots where id = p_slot_id for update;
  if not found then
    raise exception 'slot % not found', p_slot_id using errcode = 'HF002';
  end if;
  if v_slot.is_open <> p_open then
    update data.slots set is_open = p_open where id = p_slot_id;
    insert into data.staff_audit (staff_id, action, experience_id, slot_id)
    values (p_staff_id, case when p_open then 'slot_opened' else 'slot_closed' end, v_slot.experience_id, p_slot_id);
  end if;
  return data.staff_slot_json(p_slot_id);
end
$$;
comment on function api.staff_set_slot_open(bigint, boolean, bigint) is 'Staff close a slot to new reservations, or reopen it.';

/* ----------------------------------------------------------------------------------------------
 * Manifest and check-in.
 * -------------------------------------------------------------------------------------------- */

/*
 * Who is coming to one start time: every confirmed booking with an item on the slot (name,
 * email, phone, people, paid online or the amount due on arrival, checked in or not), soonest
 * booked first, and the live holds that may still turn into bookings.
 */
create function api.staff_manifest(p_slot_id bigint) returns jsonb
language plpgsql stable as $$
declare
  v_now timestamptz := api.clock_now();
  v_slot jsonb := data.staff_slot_json(p_slot_id);
begin
  if v_slot is null then
    raise exception 'slot % not found', p_slot_id using errcode = 'HF002';
  end if;
  return jsonb_build_object(
    'slot', v_slot,
    'liveHolds', (select jsonb_build_object('bookings', count(*)::int, 'people', coalesce(sum(i.quantity), 0)::int)
                    from data.booking_items i join data.pending_bookings b on b.id = i.booking_id
                   where i.slot_id = p_slot_id and b.availability_reserved and b.expires_at > v_now),
    'bookings', coalesce((
      select jsonb_agg(jsonb_build_object(
               'bookingNumber', b.booking_number, 'name', coalesce(b.customer_name, ''),
               'email', coalesce(b.customer_email, ''), 'phone', b.customer_phone,
               'people', i.quantity, 'paymentProvider', coalesce(b.payment_provider, 'on_arrival'),
               'paid', b.payment_provider = 'stripe',
               'amountMinor', i.quantity::bigint * i.unit_price_minor, 'currency', b.currency,
               'checkedIn', c.booking_id is not null, 'checkedInAt', c.checked_in_at)
             order by coalesce(b.confirmed_at, b.created_at), b.id)
        from data.booking_items i
        join data.pending_bookings b on b.id = i.booking_id
        left join data.check_ins c on c.booking_id = b.id and c.slot_id = i.slot_id
       where i.slot_id = p_slot_id and b.status = 'confirmed'), '[]'::jsonb),
    'totals', (select jsonb_build_object(
                 'people', coalesce(sum(i.quantity), 0)::int,
                 'checkedInPeople', coalesce(sum(i.quantity) filter (where c.booking_id is not null), 0)::int,
                 'dueMinor', coalesce(sum(i.quantity::bigint * i.unit_price_minor)
                                        filter (where coalesce(b.payment_provider, 'on_arrival') = 'on_arrival'), 0))
                 from data.booking_items i
                 join data.pending_bookings b on b.id = i.booking_id
                 left join data.check_ins c on c.booking_id = b.id and c.slot_id = i.slot_id
                where i.slot_id = p_slot_id and b.status = 'confirmed'));
end
$$;
comment on function api.staff_manifest(bigint) is 'The manifest of a start time: confirmed parties with contact, people, paid or due, check-in; plus live holds.';

/*
 * Checks a party in (p_checked_in true) or undoes it (false). Only a confirmed booking with an
 * item on the slot is on the manifest (HF045 otherwise). Idempotent: checking in twice logs
 * once. The booking's row is share-locked, so a concurrent cancellation waits or goes first.
 */
create function api.staff_check_in(p_booking_number text, p_slot_id bigint, p_staff_id bigint, p_checked_in boolean)
returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
  v_changed boolean;
  v_row data.check_ins;
begin
  select * into v_booking from data.pending_bookings where booking_number = p_booking_number for share;
  if not found then
    raise exception 'booking % not found', p_booking_number using errcode = 'HF004';
  end if;
  if v_booking.status <> 'confirmed'
     or not exists (select 1 from data.booking_items where booking_id = v_booking.id and slot_id = p_slot_id) then
    raise exception 'booking % is not on the manifest of this start time', p_booking_number
      using errcode = 'HF045', detail = json_build_object('status', v_booking.status)::text;
  end if;

  if coalesce(p_checked_in, true) then
    insert into data.check_ins (booking_id, slot_id, staff_id) values (v_booking.id, p_slot_id, p_staff_id)
    on conflict do nothing;
  else
    delete from data.check_ins where booking_id = v_booking.id and slot_id = p_slot_id;
  end if;
  v_changed := found;
  if v_changed then
    insert into data.booking_events (booking_id, slot_id, type, tier, detail)
    values (v_booking.id, p_slot_id, case when coalesce(p_checked_in, true) then 'checked_in' else 'check_in_undone' end,
            'staff', jsonb_build_object('staffId', p_staff_id));
  end if;
  select * into v_row from data.check_ins where booking_id = v_booking.id and slot_id = p_slot_id;
  return jsonb_build_object('bookingNumber', v_booking.booking_number, 'slotId', p_slot_id,
                            'checkedIn', v_row.booking_id is not null, 'checkedInAt', v_row.checked_in_at,
                            'changed', v_changed);
end
$$;
comment on function api.staff_check_in(text, bigint, bigint, boolean) is 'Staff check a party in at a start time, or undo it (logged in booking_events).';
