-- Up Migration

/*
 * Holdfast reservation core.
 *
 * Two schemas are the boundary: `data` holds the tables and internal helpers, `api` holds the
 * functions the application calls. Every rule about capacity, expiry and who may touch a hold
 * lives here; TypeScript only moves values in and out.
 *
 * Locking protocol (read before changing any function below):
 *   - A slot's seats change only through a conditional UPDATE of its row
 *     (`held + booked + n <= capacity`), so racing customers need no lock in the app and the
 *     CHECK constraint is a second line of defence.
 *   - Customer and staff mutations of one booking are serialised by a per-booking
 *     pg_advisory_xact_lock (data.lock_key) and then take the booking's row lock before reading
 *     its state. Sweeps take only row locks, with SKIP LOCKED, so they never wait on a customer.
 *   - Releasing several slots at once locks them in id order, so two releases cannot deadlock.
 *   - Expiry is decided by api.clock_now() alone (invariant 5).
 */

create extension if not exists btree_gist;

create schema data;
comment on schema data is 'Holdfast tables and internal helpers. The app reads views/functions; it changes state only through schema api.';
create schema api;
comment on schema api is 'Functions the Holdfast application calls. Every state change goes through one of these.';

/* ----------------------------------------------------------------------------------------------
 * The one clock. Tests shift it; production leaves the skew at zero.
 * -------------------------------------------------------------------------------------------- */
create table data.clock (
  singleton boolean primary key default true check (singleton),
  skew interval not null default '0'
);
comment on table data.clock is 'Offset added to now() by api.clock_now(); lets tests move time for every connection at once.';
insert into data.clock default values;

create function api.clock_now() returns timestamptz
language plpgsql stable parallel safe as $$
begin
  return now() + (select skew from data.clock);
end
$$;
comment on function api.clock_now() is 'The only clock that decides expiry: the transaction time plus the test skew.';

create function api.shift_clock(p_by interval) returns timestamptz
language sql volatile as $$
  update data.clock set skew = skew + p_by returning now() + skew
$$;
comment on function api.shift_clock(interval) is 'Moves the database clock (tests only; production never calls it).';

/* ----------------------------------------------------------------------------------------------
 * Limits against hoarding, editable by staff.
 * -------------------------------------------------------------------------------------------- */
create table data.settings (
  singleton boolean primary key default true check (singleton),
  max_items_per_booking int not null default 10 check (max_items_per_booking between 1 and 100),
  max_live_holds_per_client int not null default 5 check (max_live_holds_per_client between 1 and 1000)
);
comment on table data.settings is 'Site-wide limits: items per booking, live holds per client (IP hash).';
insert into data.settings default values;

/* ----------------------------------------------------------------------------------------------
 * Advisory locks go through one helper that namespaces and hashes the key.
 * -------------------------------------------------------------------------------------------- */
create function data.lock_key(p_namespace text, p_key text) returns void
language plpgsql volatile as $$
begin
  perform pg_advisory_xact_lock(hashtext(p_namespace), hashtext(p_key));
end
$$;
comment on function data.lock_key(text, text) is 'Transaction-scoped advisory lock on (namespace, key); the only way Holdfast takes one.';

create function data.is_timezone(p_name text) returns boolean
language sql stable as $$
  select exists (select 1 from pg_timezone_names where name = p_name)
$$;

/* ----------------------------------------------------------------------------------------------
 * Resources: exclusive things (a boat, a guide, a room) with N interchangeable units.
 * -------------------------------------------------------------------------------------------- */
create table data.resources (
  id bigint generated always as identity primary key,
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  name text not null check (length(name) between 1 and 200),
  units int not null check (units between 1 and 1000)
);
comment on table data.resources is 'Shared exclusive resources; each unit can serve one slot at a time across all experiences.';

create table data.resource_units (
  id bigint generated always as identity primary key,
  resource_id bigint not null references data.resources on delete cascade,
  unit_no int not null check (unit_no >= 1),
  unique (resource_id, unit_no)
);
comment on table data.resource_units is 'One row per unit of a resource; allocations point here.';

/* Keeps resource_units in step with resources.units (adds missing units; never removes used ones). */
create function data.sync_resource_units() returns trigger
language plpgsql volatile as $$
begin
  insert into data.resource_units (resource_id, unit_no)
  select new.id, n from generate_series(1, new.units) n
  on conflict (resource_id, unit_no) do nothing;
  delete from data.resource_units u
   where u.resource_id = new.id and u.unit_no > new.units
     and not exists (select 1 from data.resource_allocations a where a.unit_id = u.id);
  return null;
end
$$;

/* ----------------------------------------------------------------------------------------------
 * Experiences and their slots (the availability table).
 * -------------------------------------------------------------------------------------------- */
create table data.experiences (
  id bigint generated always as identity primary key,
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  name text not null check (length(name) between 1 and 200),
  description text not null default '',
  timezone text not null check (data.is_timezone(timezone)),
  duration interval not null check (duration > '0' and duration <= '14 days'),
  default_capacity int not null check (default_capacity between 0 and 100000),
  price_minor int not null check (price_minor >= 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  hold_duration interval not null default '15 minutes'
    check (hold_duration between '1 second' and '24 hours'),
  max_people_per_booking int not null default 10 check (max_people_per_booking between 1 and 10000),
  booking_cutoff interval not null default '0' check (booking_cutoff >= '0'),
  active boolean not null default true,
  resource_id bigint references data.resources,
  payment_mode text not null default 'auto' check (payment_mode in ('auto', 'stripe', 'on_arrival')),
  created_at timestamptz not null default now()
);
comment on table data.experiences is 'What customers book. hold_duration is per experience (default 15 minutes).';

create table data.slots (
  id bigint generated always as identity primary key,
  experience_id bigint not null references data.experiences,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  capacity int not null check (capacity >= 0),
  held int not null default 0,
  booked int not null default 0,
  is_open boolean not null default true,
  constraint slots_ends_after_start check (ends_at > starts_at),
  constraint slots_no_oversell check (held >= 0 and booked >= 0 and held + booked <= capacity),
  unique (experience_id, starts_at)
) with (fillfactor = 80);
comment on table data.slots is 'One bookable start time. held/booked are counters kept equal to the sums over live items; the CHECK makes overselling impossible in any committed state.';
comment on constraint slots_no_oversell on data.slots is 'Invariant 1: held + booked never exceeds capacity.';

create table data.resource_allocations (
  id bigint generated always as identity primary key,
  unit_id bigint not null references data.resource_units,
  slot_id bigint not null unique references data.slots,
  during tstzrange not null,
  constraint resource_allocations_no_overlap exclude using gist (unit_id with =, during with &&)
);
comment on table data.resource_allocations is 'A unit committed to a slot for its whole time range while the slot has any held or booked seat. The exclusion constraint forbids two overlapping allocations of one unit.';

create trigger resources_sync_units after insert or update of units on data.resources
  for each row execute function data.sync_resource_units();

/* ----------------------------------------------------------------------------------------------
 * Bookings (the seed's pending_bookings), their items and their event log.
 * -------------------------------------------------------------------------------------------- */
create table data.pending_bookings (
  id bigint generated always as identity primary key,
  booking_number text not null unique,
  hold_token_hash bytea not null,
  client_key text,
  status text not null default 'held' check (status in
    ('held', 'checkout', 'confirmed', 'expired', 'released', 'cancelled', 'refunded', 'refund_due')),
  expires_at timestamptz not null,
  availability_reserved boolean not null default true,
  customer_name text,
  customer_email text,
  customer_phone text,
  payment_provider text check (payment_provider in ('stripe', 'on_arrival')),
  payment_session_id text,
  payment_intent_id text,
  total_minor bigint not null default 0 check (total_minor >= 0),
  currency text check (currency ~ '^[A-Z]{3}$'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint pending_bookings_reserved_means_live
    check (availability_reserved = (status in ('held', 'checkout')))
);
comment on table data.pending_bookings is 'A booking number with its hold. availability_reserved is true exactly while its items count in slots.held; the hold token is stored only as a SHA-256 hash.';
create index pending_bookings_lapse_idx on data.pending_bookings (expires_at) where availability_reserved;
create index pending_bookings_client_idx on data.pending_bookings (client_key) where availability_reserved;

create table data.booking_items (
  id bigint generated always as identity primary key,
  booking_id bigint not null references data.pending_bookings,
  slot_id bigint not null references data.slots,
  quantity int not null check (quantity > 0),
  unit_price_minor int not null check (unit_price_minor >= 0),
  created_at timestamptz not null default now(),
  unique (booking_id, slot_id)
);
comment on table data.booking_items is 'One row per (booking, slot). Counts in slots.held while its booking is reserved, in slots.booked once confirmed.';
create index booking_items_slot_idx on data.booking_items (slot_id);

create table data.booking_events (
  id bigint generated always as identity primary key,
  booking_id bigint references data.pending_bookings,
  -- No foreign key on purpose: its check would take a KEY SHARE lock on the slot row, and every
  -- refused customer of a sold-out slot would pile multixacts onto that one hot row.
  slot_id bigint,
  type text not null check (type in ('reserved', 'item_removed', 'conflict', 'released', 'expired',
    'checkout_started', 'confirmed', 'late_payment_reacquired', 'refund_due', 'refunded', 'cancelled')),
  tier text check (tier in ('job', 'sweep', 'lazy', 'beacon', 'customer', 'staff')),
  quantity int,
  detail jsonb not null default '{}',
  occurred_at timestamptz not null default now()
);
comment on table data.booking_events is 'Append-only history of every booking; all metrics are computed from here. tier says which cleanup path released a hold.';
create index booking_events_booking_idx on data.booking_events (booking_id);
create index booking_events_time_idx on data.booking_events (occurred_at);

create function data.forbid_change() returns trigger
language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_name using errcode = '55000';
end
$$;
create trigger booking_events_append_only before update or delete on data.booking_events
  for each row execute function data.forbid_change();

/* The seed's name for the table, for reports and tools that expect it. */
create view public.pending_bookings as
  select id, booking_number, status, expires_at, availability_reserved, customer_name,
         customer_email, payment_provider, total_minor, currency, created_at, updated_at
    from data.pending_bookings;

/* ----------------------------------------------------------------------------------------------
 * Every change to a slot's numbers is announced on channel `slot_changes`, coalesced.
 *
 * A pg_notify in every reservation would serialise all commits on the notify queue's lock and
 * cost most of the throughput, so a changed slot is only queued here (an unlogged table, no WAL,
 * no unique key to contend on) and api.publish_slot_changes(), run a few times a second by the
 * worker (and by any process streaming to browsers), sends one NOTIFY per batch of up to 50
 * slots with their current numbers. Browsers see every change within a second.
 * -------------------------------------------------------------------------------------------- */
create unlogged table data.slot_changes (
  slot_id bigint not null
);
comment on table data.slot_changes is 'Slots changed since the last api.publish_slot_changes(); unlogged on purpose (a lost entry after a crash costs one refresh).';

create function data.queue_slot_change() returns trigger
language plpgsql volatile as $$
begin
  insert into data.slot_changes (slot_id) values (new.id);
  return null;
end
$$;
comment on function data.queue_slot_change() is 'Queues a changed slot for the coalescing publisher.';
create trigger slots_changed after update of capacity, held, booked, is_open on data.slots
  for each row when ((old.capacity, old.held, old.booked, old.is_open)
                     is distinct from (new.capacity, new.held, new.booked, new.is_open))
  execute function data.queue_slot_change();

create function api.publish_slot_changes() returns int
language plpgsql volatile as $$
declare
  v_batch jsonb;
  v_count int := 0;
begin
  for v_batch in
    with taken as (delete from data.slot_changes returning slot_id),
         changed as (select distinct slot_id from taken),
         numbered as (
           select s.*, (row_number() over (order by s.id) - 1) / 50 as chunk
             from data.slots s join changed c on c.slot_id = s.id)
    select jsonb_agg(jsonb_build_object('slotId', id, 'experienceId', experience_id, 'capacity', capacity,
                                        'held', held, 'booked', booked, 'open', is_open) order by id)
      from numbered group by chunk
  loop
    perform pg_notify('slot_changes', v_batch::text);
    v_count := v_count + jsonb_array_length(v_batch);
  end loop;
  return v_count;
end
$$;
comment on function api.publish_slot_changes() is 'Sends the current numbers of every slot changed since the last call on channel slot_changes (a JSON array per 50 slots); returns how many slots.';

/* ----------------------------------------------------------------------------------------------
 * Internal helpers. They are plpgsql even where SQL would do: a SQL function that cannot be
 * inlined is planned again on every call, while plpgsql keeps its plans for the session.
 * -------------------------------------------------------------------------------------------- */

create function data.hash_token(p_token text) returns bytea
language sql immutable strict parallel safe as $$
  select sha256(convert_to(p_token, 'UTF8'))
$$;

/* Public booking numbers: BK-<yymmdd>-<6 chars of an unambiguous alphabet>. */
create function data.new_booking_number() returns text
language plpgsql volatile as $$
declare
  v_number text := 'BK-' || to_char(api.clock_now() at time zone 'UTC', 'YYMMDD') || '-';
begin
  for i in 1..6 loop
    v_number := v_number || substr('23456789ABCDEFGHJKLMNPQRSTUVWXYZ', 1 + floor(random() * 32)::int, 1);
  end loop;
  return v_number;
end
$$;

/*
 * Takes a booking for a customer mutation: serialises on its advisory lock, row-locks it and
 * checks the hold token. Raises HF004 when unknown, HF005 when the token is missing or wrong.
 */
create function data.lock_booking(p_booking_number text, p_hold_token text)
returns data.pending_bookings
language plpgsql volatile as $$
declare
  v_booking data.pending_bookings;
begin
  perform data.lock_key('booking', p_booking_number);
  select * into v_booking from data.pending_bookings where booking_number = p_booking_number for update;
  if not found then
    raise exception 'booking % not found', p_booking_number using errcode = 'HF004';
  end if;
  if p_hold_token is null or v_booking.hold_token_hash <> data.hash_token(p_hold_token) then
    raise exception 'hold token does not match booking %', p_booking_number using errcode = 'HF005';
  end if;
  return v_booking;
end
$$;
comment on function data.lock_booking(text, text) is 'Advisory lock + row lock + token check: the entry of every customer change to a booking (invariant 4).';

/*
 * Gives back the seats of reserved bookings and marks them p_status, logging one event each
 * with p_tier. Callers must hold the bookings' row locks. Slots are locked in id order first so
 * concurrent releases cannot deadlock; a slot left with no seats gives its resource unit back.
 */
create function data.release_bookings(p_booking_ids bigint[], p_status text, p_tier text)
returns int
language plpgsql volatile as $$
declare
  v_slot_ids bigint[];
  v_released int;
begin
  if coalesce(cardinality(p_booking_ids), 0) = 0 then
    return 0;
  end if;

  select coalesce(array_agg(distinct i.slot_id), '{}') into v_slot_ids
    from data.booking_items i
    join data.pending_bookings b on b.id = i.booking_id
   where i.booking_id = any (p_booking_ids) and b.availability_reserved;

  perform 1 from data.slots where id = any (v_slot_ids) order by id for update;

  update data.slots s set held = s.held - f.quantity
    from (select i.slot_id, sum(i.quantity)::int as quantity
            from data.booking_items i
            join data.pending_bookings b on b.id = i.booking_id
           where i.booking_id = any (p_booking_ids) and b.availability_reserved
           group by i.slot_id) f
   where s.id = f.slot_id;

  delete from data.resource_allocations a
   using data.slots s
   where a.slot_id = s.id and s.id = any (v_slot_ids) and s.held + s.booked = 0;

  with released as (
    update data.pending_bookings
       set status = p_status, availability_reserved = false, updated_at = now()
     where id = any (p_booking_ids) and availability_reserved
    returning id, expires_at
  )
  insert into data.booking_events (booking_id, type, tier, detail)
  select id, case when p_status = 'expired' then 'expired' else 'released' end, p_tier,
         jsonb_build_object('expiresAt', expires_at, 'lagMs',
           greatest(0, round(extract(epoch from (api.clock_now() - expires_at)) * 1000)))
    from released;
  get diagnostics v_released = row_count;
  return v_released;
end
$$;
comment on function data.release_bookings(bigint[], text, text) is 'Frees the seats (and resource units) of reserved bookings; callers hold their row locks.';

/* Lazy expiry: releases lapsed holds that touch the given slots, skipping any being changed. */
create function data.release_lapsed_on_slots(p_slot_ids bigint[]) returns int
language plpgsql volatile as $$
declare
  v_ids bigint[];
begin
  select array_agg(b.id) into v_ids
    from (select b.id from data.pending_bookings b
           where b.availability_reserved and b.expires_at <= api.clock_now()
             and exists (select 1 from data.booking_items i
                          where i.booking_id = b.id and i.slot_id = any (p_slot_ids))
           for update skip locked) b;
  return data.release_bookings(v_ids, 'expired', 'lazy');
end
$$;

/* Seats of a slot held by bookings whose hold has lapsed (they count as free: invariant 2). */
create function data.lapsed_held(p_slot_id bigint) returns int
language plpgsql stable as $$
begin
  return (select coalesce(sum(i.quantity), 0)::int
            from data.booking_items i
            join data.pending_bookings b on b.id = i.booking_id
           where i.slot_id = p_slot_id and b.availability_reserved and b.expires_at <= api.clock_now());
end
$$;

/* Takes a free unit of p_resource_id for the slot. Returns false when every unit is taken. */
create function data.allocate_unit(p_resource_id bigint, p_slot_id bigint, p_during tstzrange)
returns boolean
language plpgsql volatile as $$
declare
  v_unit record;
begin
  for v_unit in select id from data.resource_units where resource_id = p_resource_id order by unit_no loop
    insert into data.resource_allocations (unit_id, slot_id, during)
    values (v_unit.id, p_slot_id, p_during)
    on conflict do nothing;
    if found then
      return true;
    end if;
  end loop;
  return false;
end
$$;

/* Public view of a booking: what a holder of the token may see. */
create function data.booking_json(p_booking_id bigint) returns jsonb
language plpgsql stable as $$
begin
  return (select jsonb_build_object(
    'bookingNumber', b.booking_number,
    'status', b.status,
    'expiresAt', b.expires_at,
    'availabilityReserved', b.availability_reserved,
    'totalMinor', b.total_minor,
    'currency', b.currency,
    'items', coalesce((
      select jsonb_agg(jsonb_build_object(
               'itemId', i.id, 'slotId', s.id, 'experienceSlug', e.slug, 'experienceName', e.name,
               'startsAt', s.starts_at, 'endsAt', s.ends_at, 'timezone', e.timezone,
               'quantity', i.quantity, 'unitPriceMinor', i.unit_price_minor)
             order by s.starts_at, i.id)
        from data.booking_items i
        join data.slots s on s.id = i.slot_id
        join data.experiences e on e.id = s.experience_id
       where i.booking_id = b.id), '[]'::jsonb))
  from data.pending_bookings b
  where b.id = p_booking_id);
end
$$;

/* ----------------------------------------------------------------------------------------------
 * api.reserve_seats: hold seats on a slot, creating a booking or adding to one.
 * -------------------------------------------------------------------------------------------- */
/*
 * Without p_booking_number a new booking is created and its hold token returned (the only time
 * it is ever visible). With one, the token must match and the booking must still be held; the
 * whole booking's hold is extended by the experience's hold duration.
 *
 * Seats are taken by one conditional UPDATE, so concurrent callers need no other lock. When the
 * slot looks full, lapsed holds on it are released on the spot and the UPDATE is retried once.
 * A conflict (sold out, resource taken) is not an exception: it is logged as a `conflict` event
 * and returned as {"ok": false, "code": ..., "remaining": n}, so the log survives.
 */
create function api.reserve_seats(
  p_slot_id bigint,
  p_quantity int,
  p_booking_number text default null,
  p_hold_token text default null,
  p_client_key text default null
) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_now timestamptz := api.clock_now();
  v_slot data.slots;
  v_exp data.experiences;
  v_settings data.settings;
  v_booking data.pending_bookings;
  v_token text;
  v_used int;
  v_people int;
  v_conflict text;
  v_remaining int;
begin
  if p_quantity is null or p_quantity < 1 then
    raise exception 'quantity must be at least 1' using errcode = 'HF012';
  end if;

  select * into v_slot from data.slots where id = p_slot_id;
  if not found then
    raise exception 'slot % not found', p_slot_id using errcode = 'HF002';
  end if;
  select * into v_exp from data.experiences where id = v_slot.experience_id;
  if not v_exp.active or not v_slot.is_open or v_now >= v_slot.starts_at - v_exp.booking_cutoff then
    raise exception 'slot % is not open for booking', p_slot_id using errcode = 'HF003';
  end if;
  if p_quantity > v_exp.max_people_per_booking then
    raise exception 'at most % people per booking', v_exp.max_people_per_booking
      using errcode = 'HF007', detail = json_build_object('max', v_exp.max_people_per_booking)::text;
  end if;
  select * into v_settings from data.settings;

  if p_booking_number is not null then
    v_booking := data.lock_booking(p_booking_number, p_hold_token);
    if not v_booking.availability_reserved or v_booking.expires_at <= v_now then
      if v_booking.status in ('held', 'checkout', 'expired', 'released') then
        raise exception 'the hold on % has expired', p_booking_number using errcode = 'HF006';
      end if;
      raise exception 'booking % is %', p_booking_number, v_booking.status using errcode = 'HF011';
    end if;
    if v_booking.status <> 'held' then
      raise exception 'booking % is in checkout', p_booking_number using errcode = 'HF011';
    end if;
    if v_booking.currency <> v_exp.currency then
      raise exception 'a booking is paid in one currency (%)', v_booking.currency using errcode = 'HF013';
    end if;
    select coalesce(sum(i.quantity) filter (where s.experience_id = v_exp.id), 0)
      into v_people
      from data.booking_items i join data.slots s on s.id = i.slot_id
     where i.booking_id = v_booking.id;
    if v_people + p_quantity > v_exp.max_people_per_booking then
      raise exception 'at most % people per booking', v_exp.max_people_per_booking
        using errcode = 'HF007', detail = json_build_object('max', v_exp.max_people_per_booking)::text;
    end if;
    if not exists (select 1 from data.booking_items where booking_id = v_booking.id and slot_id = p_slot_id)
       and (select count(*) from data.booking_items where booking_id = v_booking.id) >= v_settings.max_items_per_booking then
      raise exception 'at most % items per booking', v_settings.max_items_per_booking
        using errcode = 'HF008', detail = json_build_object('max', v_settings.max_items_per_booking)::text;
    end if;
  elsif p_client_key is not null then
    perform data.lock_key('client', p_client_key);
    if (select count(*) from data.pending_bookings
         where client_key = p_client_key and availability_reserved and expires_at > v_now)
       >= v_settings.max_live_holds_per_client then
      raise exception 'too many live holds from this client' using errcode = 'HF009',
        detail = json_build_object('max', v_settings.max_live_holds_per_client)::text;
    end if;
  end if;

  -- Take the seats: the only write that can conflict, and the first write of the transaction.
  for attempt in 1..2 loop
    update data.slots set held = held + p_quantity
     where id = p_slot_id and is_open and held + booked + p_quantity <= capacity
    returning held + booked into v_used;
    exit when found or attempt = 2 or data.release_lapsed_on_slots(array[p_slot_id]) = 0;
  end loop;
  if v_used is null then
    v_conflict := 'sold_out';
  elsif v_exp.resource_id is not null and v_used = p_quantity then
    -- First seat on this slot: commit a unit of the resource for the slot's whole time range.
    if not data.allocate_unit(v_exp.resource_id, p_slot_id, tstzrange(v_slot.starts_at, v_slot.ends_at)) then
      -- Every unit is committed elsewhere; lapsed holds may be what commits them.
      if data.release_lapsed_on_slots(array(
           select a.slot_id from data.resource_allocations a
             join data.resource_units u on u.id = a.unit_id
            where u.resource_id = v_exp.resource_id
              and a.during && tstzrange(v_slot.starts_at, v_slot.ends_at))) = 0
         or not data.allocate_unit(v_exp.resource_id, p_slot_id, tstzrange(v_slot.starts_at, v_slot.ends_at)) then
        update data.slots set held = held - p_quantity where id = p_slot_id;
        v_conflict := 'resource_unavailable';
      end if;
    end if;
  end if;

  if v_conflict is not null then
    select case when v_conflict = 'resource_unavailable' then 0
                else greatest(0, capacity - held - booked) end
      into v_remaining from data.slots where id = p_slot_id;
    insert into data.booking_events (booking_id, slot_id, type, quantity, detail)
    values (v_booking.id, p_slot_id, 'conflict', p_quantity,
            jsonb_build_object('code', v_conflict, 'remaining', v_remaining));
    return jsonb_build_object('ok', false, 'code', v_conflict, 'remaining', v_remaining);
  end if;

  if v_booking.id is null then
    v_token := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
    loop
      insert into data.pending_bookings (booking_number, hold_token_hash, client_key, expires_at,
                                         total_minor, currency)
      values (data.new_booking_number(), data.hash_token(v_token), p_client_key,
              v_now + v_exp.hold_duration, p_quantity::bigint * v_exp.price_minor, v_exp.currency)
      on conflict (booking_number) do nothing
      returning * into v_booking;
      exit when found;
    end loop;
  else
    update data.pending_bookings
       set expires_at = greatest(expires_at, v_now + v_exp.hold_duration),
           total_minor = total_minor + p_quantity::bigint * v_exp.price_minor,
           updated_at = now()
     where id = v_booking.id
    returning * into v_booking;
  end if;

  insert into data.booking_items (booking_id, slot_id, quantity, unit_price_minor)
  values (v_booking.id, p_slot_id, p_quantity, v_exp.price_minor)
  on conflict (booking_id, slot_id) do update set quantity = data.booking_items.quantity + excluded.quantity;

  insert into data.booking_events (booking_id, slot_id, type, quantity, detail)
  values (v_booking.id, p_slot_id, 'reserved', p_quantity,
          jsonb_build_object('expiresAt', v_booking.expires_at, 'added', v_token is null));

  return data.booking_json(v_booking.id) || jsonb_build_object(
    'ok', true,
    'holdToken', v_token,
    'slot', jsonb_build_object('slotId', p_slot_id, 'remaining', v_slot.capacity - v_used));
end
$$;
comment on function api.reserve_seats(bigint, int, text, text, text) is 'Holds seats on a slot for a new or existing booking and extends the whole hold (Flow 1–2).';

/* ----------------------------------------------------------------------------------------------
 * Releasing: a whole booking, or one item of it.
 * -------------------------------------------------------------------------------------------- */
/*
 * Releases a held booking for its token holder (tier beacon or customer) . Idempotent: a booking
 * already released or expired is returned as it is. A confirmed booking is not released here
 * (HF011): cancelling paid bookings is a staff action.
 */
create function api.release_booking(p_booking_number text, p_hold_token text, p_tier text)
returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
begin
  v_booking := data.lock_booking(p_booking_number, p_hold_token);
  if v_booking.availability_reserved and v_booking.expires_at <= api.clock_now() then
    perform data.release_bookings(array[v_booking.id], 'expired', 'lazy');
  elsif v_booking.availability_reserved then
    perform data.release_bookings(array[v_booking.id], 'released', p_tier);
  elsif v_booking.status not in ('expired', 'released') then
    raise exception 'booking % is %', p_booking_number, v_booking.status using errcode = 'HF011';
  end if;
  return data.booking_json(v_booking.id);
end
$$;
comment on function api.release_booking(text, text, text) is 'The token holder gives a hold back (sendBeacon on page close, or a click).';

/* Removes one item from a held booking; the last item's removal releases the booking. */
create function api.release_item(p_booking_number text, p_hold_token text, p_item_id bigint)
returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
  v_item data.booking_items;
begin
  v_booking := data.lock_booking(p_booking_number, p_hold_token);
  if not v_booking.availability_reserved or v_booking.expires_at <= api.clock_now() then
    raise exception 'the hold on % has expired', p_booking_number using errcode = 'HF006';
  end if;
  if v_booking.status <> 'held' then
    raise exception 'booking % is in checkout', p_booking_number using errcode = 'HF011';
  end if;
  select * into v_item from data.booking_items where id = p_item_id and booking_id = v_booking.id;
  if not found then
    raise exception 'item % is not part of booking %', p_item_id, p_booking_number using errcode = 'HF016';
  end if;
  if (select count(*) from data.booking_items where booking_id = v_booking.id) = 1 then
    perform data.release_bookings(array[v_booking.id], 'released', 'customer');
    return data.booking_json(v_booking.id);
  end if;

  update data.slots set held = held - v_item.quantity where id = v_item.slot_id;
  delete from data.resource_allocations a using data.slots s
   where a.slot_id = s.id and s.id = v_item.slot_id and s.held + s.booked = 0;
  delete from data.booking_items where id = v_item.id;
  update data.pending_bookings
     set total_minor = total_minor - v_item.quantity::bigint * v_item.unit_price_minor, updated_at = now()
   where id = v_booking.id;
  insert into data.booking_events (booking_id, slot_id, type, tier, quantity)
  values (v_booking.id, v_item.slot_id, 'item_removed', 'customer', v_item.quantity);
  return data.booking_json(v_booking.id);
end
$$;
comment on function api.release_item(text, text, bigint) is 'Removes one item from a held booking and frees its seats.';

/* ----------------------------------------------------------------------------------------------
 * Expiry.
 * -------------------------------------------------------------------------------------------- */
/*
 * Releases up to p_batch_size lapsed holds (oldest first) and returns how many. Safe to run from
 * many places at once: rows being changed by anyone else are skipped, not waited for. Callers
 * loop until it returns less than the batch size.
 */
create function api.expire_lapsed_holds(p_batch_size int default 1000, p_tier text default 'sweep')
returns int
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_ids bigint[];
begin
  if p_batch_size is null or p_batch_size < 1 then
    raise exception 'batch size must be positive' using errcode = 'HF012';
  end if;
  select array_agg(id) into v_ids
    from (select id from data.pending_bookings
           where availability_reserved and expires_at <= api.clock_now()
           order by expires_at
           limit p_batch_size
           for update skip locked) lapsed;
  return data.release_bookings(v_ids, 'expired', p_tier);
end
$$;
comment on function api.expire_lapsed_holds(int, text) is 'The sweep: frees a batch of lapsed holds, skipping rows in use (cron, pg-boss schedule).';

/* Releases one booking if (and only if) its hold has really lapsed. For the per-booking job. */
create function api.expire_booking(p_booking_number text, p_tier text default 'job')
returns boolean
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_id bigint;
begin
  select id into v_id from data.pending_bookings
   where booking_number = p_booking_number and availability_reserved and expires_at <= api.clock_now()
   for update skip locked;
  return data.release_bookings(array[v_id], 'expired', p_tier) = 1;
end
$$;
comment on function api.expire_booking(text, text) is 'Expires one booking when its hold has lapsed; a no-op for extended, paid or released bookings.';

/* ----------------------------------------------------------------------------------------------
 * Availability.
 * -------------------------------------------------------------------------------------------- */
/*
 * Start times of one experience between two local dates (inclusive, in the experience's time
 * zone). Lapsed holds count as free. A slot whose resource is committed elsewhere shows 0.
 */
create function api.check_availability(p_experience_slug text, p_from date default null, p_to date default null)
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
               'capacity', x.capacity, 'booked', x.booked, 'held', x.live_held,
               'heldUntil', x.held_until,
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
                                and o.booked + o.held - data.lapsed_held(o.id) > 0))) as resource_blocked
                from data.slots s
                cross join lateral (
                  select coalesce(sum(i.quantity) filter (where b.expires_at <= v_now), 0)::int as lapsed,
                         min(b.expires_at) filter (where b.expires_at > v_now) as held_until
                    from data.booking_items i
                    join data.pending_bookings b on b.id = i.booking_id
                   where i.slot_id = s.id and b.availability_reserved) l
               where s.experience_id = v_exp.id
                 and s.starts_at >= (v_from::timestamp at time zone v_exp.timezone)
                 and s.starts_at < ((v_to + 1)::timestamp at time zone v_exp.timezone)) x), '[]'::jsonb));
end
$$;
comment on function api.check_availability(text, date, date) is 'Live availability of an experience over local dates; lapsed holds count as free (invariant 2).';

/* Active experiences for the home page, with the next bookable start. */
create function api.list_experiences() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'slug', e.slug, 'name', e.name, 'description', e.description, 'timezone', e.timezone,
           'durationMinutes', extract(epoch from e.duration) / 60,
           'priceMinor', e.price_minor, 'currency', e.currency,
           'nextStartsAt', (select min(s.starts_at) from data.slots s
                             where s.experience_id = e.id and s.is_open
                               and s.starts_at - e.booking_cutoff > api.clock_now()))
         order by e.name), '[]'::jsonb)
    from data.experiences e
   where e.active
$$;

/*
 * Creates the slots of an experience at the given local times on every day of a local date
 * range (optionally only on some ISO weekdays, 1 = Monday). Local times are converted with the
 * experience's time zone, so 09:00 stays 09:00 across daylight-saving changes. Existing start
 * times are left alone. Returns the number of slots created.
 */
create function api.generate_slots(
  p_experience_slug text, p_from date, p_to date, p_local_times time[], p_weekdays int[] default null
) returns int
language plpgsql volatile as $$
declare
  v_exp data.experiences;
  v_count int;
begin
  select * into v_exp from data.experiences where slug = p_experience_slug;
  if not found then
    raise exception 'experience % not found', p_experience_slug using errcode = 'HF014';
  end if;
  if p_to < p_from or p_to - p_from > 731 then
    raise exception 'date range must run forwards and span at most two years' using errcode = 'HF015';
  end if;
  insert into data.slots (experience_id, starts_at, ends_at, capacity)
  select v_exp.id, t.starts_at, t.starts_at + v_exp.duration, v_exp.default_capacity
    from generate_series(p_from::timestamp, p_to::timestamp, interval '1 day') d
   cross join unnest(p_local_times) lt
   cross join lateral (select (d::date + lt) at time zone v_exp.timezone as starts_at) t
   where p_weekdays is null or extract(isodow from d)::int = any (p_weekdays)
  on conflict (experience_id, starts_at) do nothing;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;
comment on function api.generate_slots(text, date, date, time[], int[]) is 'Schedules start times at local wall-clock times across a date range, DST-correct.';
