-- Up Migration

/*
 * A booking's total is the sum of its items, and an expired hold on a shared resource does not
 * stop a late payment or a reload taking their seats again.
 *
 *   - api.reserve_seats (0020): more people added to a start time already in the booking were
 *     priced at the experience's price of the moment, while their item kept the price it was
 *     first held at. After a staff price change in between, the booking's total was no longer
 *     the sum of its items: Stripe charges the items, and api.apply_payment (0023) refuses a
 *     payment that is not the total, so such a booking could never be paid. Now the people added
 *     pay the item's price (the one shown for it in the basket), and the total stays the sum.
 *     Holds whose total had drifted are put right once, below.
 *   - data.retake_seats (0019), used by a late payment and by a resumed hold: when a slot's first
 *     seat finds every unit of its resource committed, it releases lapsed holds on the overlapping
 *     allocations and tries once more, as a reservation does (invariant 2). It gave up at once, so
 *     a payment became refund_due, or a reload lost its seats, for a boat only an expired hold
 *     still had.
 * Both functions are given whole (forward-only migrations); the edits are the lines that say so.
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
    -- the slot's row lock is held as briefly as possible (see 0010).
    v_token := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
    if v_slot.held + v_slot.booked + p_quantity <= v_slot.capacity then
      v_booking := data.insert_held_booking(v_now, v_token, p_client_key, v_now + v_exp.hold_duration,
                                            p_quantity::bigint * v_exp.price_minor, v_exp.currency);
    end if;
  end if;

  -- Customers who may get seats queue for the slot here, one at a time, rather than on its row
  -- (see the top of this file). One who saw it full goes straight on to be refused.
  if v_slot.held + v_slot.booked + p_quantity <= v_slot.capacity then
    perform data.lock_key('slot', p_slot_id::text);
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

  if v_conflict = 'sold_out' and not (select s.is_open from data.slots s where s.id = p_slot_id) then
    -- Staff closed the start time between the first read and the seats: it is closed, not full.
    raise exception 'slot % is not open for booking', p_slot_id using errcode = 'HF003';
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
    -- More people on a start time already in the booking pay its item's price, the one they were
    -- first held at (staff may have changed the experience's price since): the total stays the
    -- sum of the items, which is what Stripe is asked to charge.
    insert into data.booking_items (booking_id, slot_id, quantity, unit_price_minor)
    values (v_booking.id, p_slot_id, p_quantity, v_exp.price_minor)
    on conflict (booking_id, slot_id) do update set quantity = data.booking_items.quantity + excluded.quantity
    returning * into v_item;
    update data.pending_bookings
       set expires_at = greatest(expires_at, v_now + v_exp.hold_duration),
           total_minor = total_minor + p_quantity::bigint * v_item.unit_price_minor,
           updated_at = now()
     where id = v_booking.id
    returning * into v_booking;
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

comment on function api.reserve_seats(bigint, int, text, text, text) is
  'Holds seats on a slot for a new booking (returns its hold token once) or adds them to a held booking (people added to an item at its price); customers who may get seats queue on an advisory lock per slot; a conflict is an answer {"ok": false}, logged as a conflict event; a slot closed meanwhile is HF003.';

create or replace function data.retake_seats(p_booking data.pending_bookings, p_as_held boolean) returns boolean
language plpgsql volatile as $$
declare
  v_now timestamptz := api.clock_now();
  v_item record;
  v_used int;
begin
  perform data.release_lapsed_on_slots(array(
    select slot_id from data.booking_items where booking_id = p_booking.id));
  begin
    for v_item in
      select i.slot_id, i.quantity, s.starts_at, s.ends_at, e.resource_id, e.booking_cutoff, e.active
        from data.booking_items i
        join data.slots s on s.id = i.slot_id
        join data.experiences e on e.id = s.experience_id
       where i.booking_id = p_booking.id
       order by i.slot_id
    loop
      if p_as_held and (not v_item.active or v_now >= v_item.starts_at - v_item.booking_cutoff) then
        raise exception 'slot % is closed for booking', v_item.slot_id using errcode = 'HF901';
      end if;
      update data.slots
         set held = held + case when p_as_held then v_item.quantity else 0 end,
             booked = booked + case when p_as_held then 0 else v_item.quantity end
       where id = v_item.slot_id and is_open and starts_at > v_now
         and held + booked + v_item.quantity <= capacity
      returning held + booked into v_used;
      if not found then
        raise exception 'slot % has no room', v_item.slot_id using errcode = 'HF901';
      end if;
      if v_item.resource_id is not null and v_used = v_item.quantity
         and not data.allocate_unit(v_item.resource_id, v_item.slot_id, tstzrange(v_item.starts_at, v_item.ends_at))
         -- Every unit is committed elsewhere; lapsed holds may be what commits them (as a reservation does).
         and (data.release_lapsed_on_slots(array(
                select a.slot_id from data.resource_allocations a
                  join data.resource_units u on u.id = a.unit_id
                 where u.resource_id = v_item.resource_id
                   and a.during && tstzrange(v_item.starts_at, v_item.ends_at))) = 0
              or not data.allocate_unit(v_item.resource_id, v_item.slot_id, tstzrange(v_item.starts_at, v_item.ends_at))) then
        raise exception 'resource of slot % is taken', v_item.slot_id using errcode = 'HF901';
      end if;
    end loop;
  exception when sqlstate 'HF901' then
    return false;   -- the block's changes are rolled back
  end;
  return true;
end
$$;
comment on function data.retake_seats(data.pending_bookings, boolean) is
  'All-or-nothing re-take of a booking''s seats, as held (a resumed hold) or booked (a late payment); lapsed holds on its slots, and on allocations overlapping a resource it needs, are released first.';

-- Live holds whose total had drifted from their items (the first bug above) are put right.
update data.pending_bookings b
   set total_minor = i.total, updated_at = now()
  from (select booking_id, sum(quantity::bigint * unit_price_minor) as total
          from data.booking_items group by booking_id) i
 where i.booking_id = b.id and b.availability_reserved and b.total_minor <> i.total;
