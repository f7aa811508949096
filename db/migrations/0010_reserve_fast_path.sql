-- Up Migration

/*
 * The reservation fast path, reshaped by what the benchmark (issue 4, `npm run bench`) found.
 *
 * 1. A hot slot's row lock is held from the UPDATE that takes the seats until the commit, and
 *    every other customer of that slot queues behind it. api.reserve_seats used to take the seats
 *    first and then write the booking, its item, its event and read the answer back. Now a new
 *    booking is written *before* the seats are taken (when the slot has room as far as this
 *    transaction can see), so inside the lock there is only the UPDATE, the item, the event and
 *    the commit. If the UPDATE then finds the slot full after all, the unseen booking row is
 *    deleted again. The item stays after the UPDATE on purpose: its foreign key check locks the
 *    slot row FOR KEY SHARE, and done before the UPDATE that would pile multixacts onto the hot row.
 *
 * 2. The answer for a new booking is built from the rows just written instead of reading them
 *    back through data.booking_json (tests hold the two to the same shape).
 *
 * 3. Two helpers called on every reservation were slower than they looked: data.hash_token, an
 *    "immutable" SQL function calling the stable convert_to, could not be inlined and was planned
 *    afresh on every call (~50 µs); data.new_booking_number read the clock a second time and drew
 *    its six characters in a loop. Both are now one plpgsql expression.
 *
 * 4. Releasing a batch of holds (the sweep frees 5,000 at a time) called api.clock_now() once per
 *    released booking to log its lag and summed the seats per slot twice; now once each.
 *
 * 5. pending_bookings_status_idx (status, updated_at) took an entry on every booking and every
 *    status change, for one reader: the count of bookings waiting for a refund. A partial index on
 *    those alone serves it; the sweep of 100,000 holds and every reservation write one index less.
 *
 * 6. Lazy expiry (a full slot releases lapsed holds on it before refusing) visited every item of
 *    the slot and evaluated api.clock_now() once per item: a refusal on a sold-out slot with 500
 *    holders cost ~5 ms and 500 clock calls. Now it first asks the lapse index whether any hold
 *    has lapsed at all (normally none: the expiry jobs free them within a second) and reads the
 *    clock once. A refusal costs a few hundredths of a millisecond in the database.
 */

drop index data.pending_bookings_status_idx;
create index pending_bookings_refund_due_idx on data.pending_bookings (updated_at) where status = 'refund_due';

create or replace function data.hash_token(p_token text) returns bytea
language plpgsql immutable strict parallel safe as $$
begin
  return sha256(convert_to(p_token, 'UTF8'));
end
$$;

/* Public booking numbers: BK-<yymmdd>-<6 chars of an unambiguous alphabet>, dated by p_now. */
create function data.new_booking_number(p_now timestamptz) returns text
language plpgsql volatile as $$
declare
  c constant text := '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
begin
  return 'BK-' || to_char(p_now at time zone 'UTC', 'YYMMDD') || '-'
      || substr(c, 1 + floor(random() * 32)::int, 1) || substr(c, 1 + floor(random() * 32)::int, 1)
      || substr(c, 1 + floor(random() * 32)::int, 1) || substr(c, 1 + floor(random() * 32)::int, 1)
      || substr(c, 1 + floor(random() * 32)::int, 1) || substr(c, 1 + floor(random() * 32)::int, 1);
end
$$;

create or replace function data.new_booking_number() returns text
language plpgsql volatile as $$
begin
  return data.new_booking_number(api.clock_now());
end
$$;

/* One clock reading per call; one probe of the lapse index when nothing has lapsed anywhere. */
create or replace function data.release_lapsed_on_slots(p_slot_ids bigint[]) returns int
language plpgsql volatile as $$
declare
  v_now timestamptz := api.clock_now();
  v_ids bigint[];
begin
  -- The earliest live expiry, read off the lapse index (a plan that does not depend on v_now);
  -- with no live hold at all there is nothing to release either.
  if coalesce((select min(expires_at) from data.pending_bookings where availability_reserved), 'infinity') > v_now then
    return 0;
  end if;
  select array_agg(b.id) into v_ids
    from (select b.id from data.pending_bookings b
           where b.availability_reserved and b.expires_at <= v_now
             and exists (select 1 from data.booking_items i
                          where i.booking_id = b.id and i.slot_id = any (p_slot_ids))
           for update skip locked) b;
  return data.release_bookings(v_ids, 'expired', 'lazy');
end
$$;

create or replace function data.lapsed_held(p_slot_id bigint) returns int
language plpgsql stable as $$
declare
  v_now timestamptz := api.clock_now();
begin
  return (select coalesce(sum(i.quantity), 0)::int
            from data.booking_items i
            join data.pending_bookings b on b.id = i.booking_id
           where i.slot_id = p_slot_id and b.availability_reserved and b.expires_at <= v_now);
end
$$;

/*
 * data.release_bookings (0006): the clock is read once per call, not once per booking, and the
 * seats per slot are summed once, not twice.
 */
create or replace function data.release_bookings(p_booking_ids bigint[], p_status text, p_tier text, p_detail jsonb)
returns int
language plpgsql volatile as $$
declare
  v_now timestamptz := api.clock_now();
  v_slot_ids bigint[];
  v_quantities int[];
  v_released int;
begin
  if coalesce(cardinality(p_booking_ids), 0) = 0 then
    return 0;
  end if;

  -- Seats to give back per slot, read once; the slots are locked in id order (no deadlocks).
  select coalesce(array_agg(f.slot_id order by f.slot_id), '{}'), coalesce(array_agg(f.quantity order by f.slot_id), '{}')
    into v_slot_ids, v_quantities
    from (select i.slot_id, sum(i.quantity)::int as quantity
            from data.booking_items i
            join data.pending_bookings b on b.id = i.booking_id
           where i.booking_id = any (p_booking_ids) and b.availability_reserved
           group by i.slot_id) f;

  perform 1 from data.slots where id = any (v_slot_ids) order by id for update;

  update data.slots s set held = s.held - f.quantity
    from unnest(v_slot_ids, v_quantities) f(slot_id, quantity)
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
           greatest(0, round(extract(epoch from (v_now - expires_at)) * 1000))) || coalesce(p_detail, '{}')
    from released;
  get diagnostics v_released = row_count;
  return v_released;
end
$$;

/*
 * Writes a new held booking (a fresh booking number dated p_now, retried on the rare collision)
 * and returns it. The hold token is given in and stored only as its hash.
 */
create function data.insert_held_booking(
  p_now timestamptz, p_token text, p_client_key text, p_expires_at timestamptz, p_total_minor bigint,
  p_currency text
) returns data.pending_bookings
language plpgsql volatile as $$
declare
  v_booking data.pending_bookings;
begin
  loop
    insert into data.pending_bookings (booking_number, hold_token_hash, client_key, expires_at,
                                       total_minor, currency)
    values (data.new_booking_number(p_now), data.hash_token(p_token), p_client_key, p_expires_at,
            p_total_minor, p_currency)
    on conflict (booking_number) do nothing
    returning * into v_booking;
    if found then
      return v_booking;
    end if;
  end loop;
end
$$;

/*
 * api.reserve_seats (0001), same contract: hold seats on a slot for a new booking or one more item
 * of a held booking; a conflict is an answer {"ok": false, ...}, logged as a `conflict` event.
 * What changed is the order of the writes (see the top of this file) and the answer of a new
 * booking being built in place.
 */
create or replace function api.reserve_seats(
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
  v_item data.booking_items;
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

  if p_booking_number is not null then
    select * into v_settings from data.settings;
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
  else
    if p_client_key is not null then
      select * into v_settings from data.settings;
      perform data.lock_key('client', p_client_key);
      if (select count(*) from data.pending_bookings
           where client_key = p_client_key and availability_reserved and expires_at > v_now)
         >= v_settings.max_live_holds_per_client then
        raise exception 'too many live holds from this client' using errcode = 'HF009',
          detail = json_build_object('max', v_settings.max_live_holds_per_client)::text;
      end if;
    end if;
    -- A new booking is written before the seats are taken when the slot seems to have room, so
    -- the slot's row lock is held as briefly as possible (see the top of this file).
    v_token := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
    if v_slot.held + v_slot.booked + p_quantity <= v_slot.capacity then
      v_booking := data.insert_held_booking(v_now, v_token, p_client_key, v_now + v_exp.hold_duration,
                                            p_quantity::bigint * v_exp.price_minor, v_exp.currency);
    end if;
  end if;

  -- Take the seats: one conditional UPDATE; on a full slot, lapsed holds on it are released and
  -- it is tried once more.
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
    if p_booking_number is null and v_booking.id is not null then
      -- Written ahead of a seat that was not there after all; nobody else has seen it.
      delete from data.pending_bookings where id = v_booking.id;
      v_booking := null;
    end if;
    select case when v_conflict = 'resource_unavailable' then 0
                else greatest(0, capacity - held - booked) end
      into v_remaining from data.slots where id = p_slot_id;
    insert into data.booking_events (booking_id, slot_id, type, quantity, detail)
    values (v_booking.id, p_slot_id, 'conflict', p_quantity,
            jsonb_build_object('code', v_conflict, 'remaining', v_remaining));
    return jsonb_build_object('ok', false, 'code', v_conflict, 'remaining', v_remaining);
  end if;

  if p_booking_number is not null then
    update data.pending_bookings
       set expires_at = greatest(expires_at, v_now + v_exp.hold_duration),
           total_minor = total_minor + p_quantity::bigint * v_exp.price_minor,
           updated_at = now()
     where id = v_booking.id
    returning * into v_booking;
    insert into data.booking_items (booking_id, slot_id, quantity, unit_price_minor)
    values (v_booking.id, p_slot_id, p_quantity, v_exp.price_minor)
    on conflict (booking_id, slot_id) do update set quantity = data.booking_items.quantity + excluded.quantity;
  else
    if v_booking.id is null then
      -- The slot looked full, and releasing lapsed holds made room.
      v_booking := data.insert_held_booking(v_now, v_token, p_client_key, v_now + v_exp.hold_duration,
                                            p_quantity::bigint * v_exp.price_minor, v_exp.currency);
    end if;
    insert into data.booking_items (booking_id, slot_id, quantity, unit_price_minor)
    values (v_booking.id, p_slot_id, p_quantity, v_exp.price_minor)
    returning * into v_item;
  end if;
  insert into data.booking_events (booking_id, slot_id, type, quantity, detail)
  values (v_booking.id, p_slot_id, 'reserved', p_quantity,
          jsonb_build_object('expiresAt', v_booking.expires_at, 'added', p_booking_number is not null));

  return case
    when p_booking_number is not null then data.booking_json(v_booking.id)
    -- A new booking has exactly this one item: data.booking_json's shape (the tests hold the two
    -- equal), built from the rows in hand instead of read back.
    else jsonb_build_object(
      'bookingNumber', v_booking.booking_number,
      'status', v_booking.status,
      'expiresAt', v_booking.expires_at,
      'availabilityReserved', v_booking.availability_reserved,
      'totalMinor', v_booking.total_minor,
      'currency', v_booking.currency,
      'paymentProvider', v_booking.payment_provider,
      'items', jsonb_build_array(jsonb_build_object(
        'itemId', v_item.id, 'slotId', v_slot.id, 'experienceSlug', v_exp.slug,
        'experienceName', v_exp.name, 'startsAt', v_slot.starts_at, 'endsAt', v_slot.ends_at,
        'timezone', v_exp.timezone,
        'localStartsAt', data.local_iso(v_slot.starts_at, v_exp.timezone),
        'localEndsAt', data.local_iso(v_slot.ends_at, v_exp.timezone),
        'quantity', v_item.quantity, 'unitPriceMinor', v_item.unit_price_minor)))
    end || jsonb_build_object(
      'ok', true,
      'holdToken', v_token, -- null when adding to a booking: its holder has the token already
      'slot', jsonb_build_object('slotId', p_slot_id, 'remaining', v_slot.capacity - v_used));
end
$$;
