-- Up Migration

/*
 * A start time closed while a customer was taking seats on it is closed, not sold out.
 *
 * Both reserve paths read the slot, then take its lock and its seats. When staff closed the start
 * time in between (api.staff_set_slot_open), the seats were refused as `sold_out`, with the
 * seats left as `remaining`: a customer was told "Someone just took the last seats — 998 left"
 * for a start time with 998 free and no longer for sale. A concurrency test of closing a day
 * while 40 customers reserve found it (written for closing many start times at once, 0021).
 *
 * Now, as when the start time is closed before the call:
 *   - api.reserve_seats (0012) raises HF003 (booking_closed) when its conditional UPDATE found
 *     no seats and the slot is closed, so nothing of the attempt is kept (no booking, no conflict
 *     event; a refusal for a closed start time was never a conflict);
 *   - data.reserve_new_holds (0017) answers HF003 for a reservation whose slot it found closed
 *     under the lock, with no conflict event.
 * Only the refusals change; what is granted, and how, is as before. Both functions are given
 * whole (forward-only migrations); the edits are the lines that mention it.
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

comment on function api.reserve_seats(bigint, int, text, text, text) is
  'Holds seats on a slot for a new booking (returns its hold token once) or adds them to a held booking; customers who may get seats queue on an advisory lock per slot; a conflict is an answer {"ok": false}, logged as a conflict event; a slot closed meanwhile is HF003, as one closed before.';

create or replace function data.reserve_new_holds(p_slot_ids bigint[], p_quantities int[], p_client_keys text[])
returns json
language plpgsql volatile
set lock_timeout = '5s'
set plan_cache_mode = force_generic_plan
set enable_hashjoin = off
set enable_mergejoin = off
as $$
declare
  v_n int := coalesce(cardinality(p_slot_ids), 0);
  v_now timestamptz := api.clock_now();
  v_answers json[] := array_fill(null::json, array[v_n]);
  -- per reservation
  v_err text[];             -- the SQLSTATE of its refusal, or null
  v_max int[];              -- the experience's most people per booking
  v_price int[];            -- its experience's price, currency and hold duration, as judged
  v_currency text[];
  v_hold interval[];
  v_seen int[];             -- its slot's free seats, read before any lock
  v_granted boolean[] := array_fill(false, array[v_n]);
  v_conflict text[] := array_fill(null::text, array[v_n]);
  v_remaining int[] := array_fill(null::int, array[v_n]);
  v_booking_ids bigint[] := array_fill(null::bigint, array[v_n]);
  v_tokens text[] := array_fill(null::text, array[v_n]);
  -- per slot asked for, in id order
  v_slots bigint[];
  v_free int[];
  v_free0 int[];            -- free before any of this call's reservations
  v_demand int[];           -- all the seats asked of it
  v_locked boolean[];
  v_empty boolean[];        -- no held or booked seat when locked
  v_resource bigint[];
  v_during tstzrange[];
  -- the slots locked, in id order, and what was read under the lock
  v_lock bigint[];
  v_lock_free int[];
  v_lock_open boolean[];
  v_open boolean[];         -- open when locked
  v_lock_empty boolean[];
  v_lock_resource bigint[];
  v_lock_during tstzrange[];
  v_lapsed boolean;
  v_max_live int;
  v_key text;
  v_live int;
  v_count int;
  v_p int;
  v_i int;
  v_k int;
  v_written int := 0;       -- reservations granted and still without a booking
  v_updated int;
  v_slots_granted int;
begin
  if v_n = 0 then
    return '[]'::json;
  end if;

  -- 1. Judge each reservation (and see whether any hold in the database has lapsed).
  select array_agg(j.err), array_agg(j.max), array_agg(j.seen), array_agg(j.price_minor),
         array_agg(j.currency), array_agg(j.hold_duration), bool_or(j.lapsed)
    into v_err, v_max, v_seen, v_price, v_currency, v_hold, v_lapsed
    from (select case when u.qty is null or u.qty < 1 then 'HF012'
                      when s.id is null then 'HF002'
                      when not e.active or not s.is_open or v_now >= s.starts_at - e.booking_cutoff then 'HF003'
                      when u.qty > e.max_people_per_booking then 'HF007' end as err,
                 e.max_people_per_booking as max, s.capacity - s.held - s.booked as seen,
                 e.price_minor, e.currency, e.hold_duration,
                 u.ord = 1 and coalesce((select min(expires_at) from data.pending_bookings where availability_reserved),
                                        'infinity') <= v_now as lapsed
            from unnest(p_slot_ids, p_quantities) with ordinality u(slot_id, qty, ord)
            left join data.slots s on s.id = u.slot_id
            left join data.experiences e on e.id = s.experience_id
           order by u.ord) j;

  -- 2. The live-holds cap per client: each client key locked (in key order), its live holds counted.
  if cardinality(array_remove(p_client_keys, null)) > 0 then
    select max_live_holds_per_client into v_max_live from data.settings;
    perform data.lock_key('client', d.k)
       from (select distinct k from unnest(p_client_keys, v_err) x(k, err) where k is not null and err is null order by k) d;
    for v_key, v_count, v_live in
      select d.k, d.n, (select count(*)::int from data.pending_bookings b
                         where b.client_key = d.k and b.availability_reserved and b.expires_at > v_now)
        from (select k, count(*)::int as n from unnest(p_client_keys, v_err) x(k, err)
               where k is not null and err is null group by k) d
    loop
      if v_live >= v_max_live then
        for v_i in 1..v_n loop
          if p_client_keys[v_i] = v_key and v_err[v_i] is null then
            v_err[v_i] := 'HF009';
          end if;
        end loop;
      elsif v_live + v_count > v_max_live then
        return null; -- who is refused depends on who gets seats: one by one
      end if;
    end loop;
  end if;

  for v_i in 1..v_n loop
    if v_err[v_i] is not null then
      v_answers[v_i] := json_build_object('error', json_build_object(
        'code', v_err[v_i],
        'message', case v_err[v_i]
          when 'HF012' then 'quantity must be at least 1'
          when 'HF002' then format('slot %s not found', p_slot_ids[v_i])
          when 'HF003' then format('slot %s is not open for booking', p_slot_ids[v_i])
          when 'HF007' then format('at most %s people per booking', v_max[v_i])
          when 'HF009' then 'too many live holds from this client' end,
        'detail', case v_err[v_i]
          when 'HF007' then json_build_object('max', v_max[v_i])::text
          when 'HF009' then json_build_object('max', v_max_live)::text end));
    end if;
  end loop;

  -- 3. Seats. The slots asked for; those that looked as if they had room for one of their
  --    reservations are queued for and locked, in slot order.
  select array_agg(d.slot_id), array_agg(d.seen), array_agg(d.demand),
         coalesce(array_agg(d.slot_id) filter (where d.seen >= d.need), '{}')
    into v_slots, v_free, v_demand, v_lock
    from (select x.slot_id, min(x.seen) as seen, min(x.qty) as need, sum(x.qty)::int as demand
            from unnest(p_slot_ids, p_quantities, v_err, v_seen) x(slot_id, qty, err, seen)
           where x.err is null group by x.slot_id order by x.slot_id) d;
  if v_slots is null then
    return array_to_json(v_answers);
  end if;
  v_locked := array_fill(false, array[cardinality(v_slots)]);
  v_empty := array_fill(false, array[cardinality(v_slots)]);
  v_resource := array_fill(null::bigint, array[cardinality(v_slots)]);
  v_during := array_fill(null::tstzrange, array[cardinality(v_slots)]);
  v_open := array_fill(true, array[cardinality(v_slots)]);

  if cardinality(v_lock) > 0 then
    perform data.lock_key('slot', x::text) from unnest(v_lock) x;
    select array_agg(l.free), array_agg(l.empty), array_agg(l.resource_id), array_agg(l.during), array_agg(l.is_open)
      into v_lock_free, v_lock_empty, v_lock_resource, v_lock_during, v_lock_open
      from (select case when s.is_open then s.capacity - s.held - s.booked else 0 end as free, s.is_open,
                   s.held + s.booked = 0 as empty, e.resource_id, tstzrange(s.starts_at, s.ends_at) as during
              from data.slots s join data.experiences e on e.id = s.experience_id
             where s.id = any (v_lock) order by s.id for no key update of s) l;
    for v_k in 1..cardinality(v_lock) loop
      v_p := array_position(v_slots, v_lock[v_k]);
      v_locked[v_p] := true;
      v_free[v_p] := v_lock_free[v_k];
      v_empty[v_p] := v_lock_empty[v_k];
      v_resource[v_p] := v_lock_resource[v_k];
      v_during[v_p] := v_lock_during[v_k];
      v_open[v_p] := v_lock_open[v_k];
    end loop;
  end if;

  -- One by one, a reservation that finds its slot full releases the lapsed holds on it first,
  -- and so does a first seat that finds its resource's units taken (lazy expiry). Taken
  -- together, the seats are only written at the end, and releasing a hold before them could
  -- give a unit back that this call's own seats still need. So when serving the call could
  -- need a lapsed hold released, it is left to the caller to take one by one.
  if v_lapsed then
    if exists (select 1 from unnest(v_slots, v_free, v_demand) x(id, free, demand)
                where x.demand > x.free and data.lapsed_held(x.id) > 0)
       or exists (select 1 from unnest(v_locked, v_empty, v_resource) x(locked, empty, resource_id)
                   where x.locked and x.empty and x.resource_id is not null) then
      return null;
    end if;
  end if;

  -- Serve the reservations in argument order: each gets its seats if they are still there.
  v_free0 := v_free;
  for v_i in 1..v_n loop
    continue when v_err[v_i] is not null;
    v_p := array_position(v_slots, p_slot_ids[v_i]);
    if v_locked[v_p] and not v_open[v_p] then
      -- Staff closed it between the first read and the lock: closed, not full (as the judging).
      v_answers[v_i] := json_build_object('error', json_build_object(
        'code', 'HF003', 'message', format('slot %s is not open for booking', p_slot_ids[v_i]), 'detail', null));
      continue;
    end if;
    if v_locked[v_p] and p_quantities[v_i] <= v_free[v_p] then
      v_granted[v_i] := true;
      v_free[v_p] := v_free[v_p] - p_quantities[v_i];
      v_remaining[v_i] := v_free[v_p];
    else
      v_conflict[v_i] := 'sold_out';
      v_remaining[v_i] := greatest(0, v_free[v_p]);
    end if;
  end loop;

  -- 4. A slot's first seat commits a unit of its resource, slots in id order. With none free
  --    (and no hold lapsed, see above), one by one each reservation would have taken its seats
  --    if they were there, found no unit and given them back: none of them gets any.
  for v_p in 1..cardinality(v_slots) loop
    continue when v_resource[v_p] is null or not v_empty[v_p];
    continue when not exists (select 1 from generate_series(1, v_n) g where v_granted[g] and p_slot_ids[g] = v_slots[v_p]);
    if not data.allocate_unit(v_resource[v_p], v_slots[v_p], v_during[v_p]) then
      for v_i in 1..v_n loop
        if v_err[v_i] is null and p_slot_ids[v_i] = v_slots[v_p] then
          v_granted[v_i] := false;
          if p_quantities[v_i] <= v_free0[v_p] then
            v_conflict[v_i] := 'resource_unavailable';
            v_remaining[v_i] := 0;
          else
            v_conflict[v_i] := 'sold_out';
            v_remaining[v_i] := greatest(0, v_free0[v_p]);
          end if;
        end if;
      end loop;
    end if;
  end loop;

  -- 5. The bookings, a fresh number each (one of this call's own numbers twice, or one already
  --    taken, is drawn again).
  for v_i in 1..v_n loop
    if v_granted[v_i] then
      v_tokens[v_i] := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
      v_written := v_written + 1;
    end if;
  end loop;
  while v_written > 0 loop
    with wanted as (
      select g as ord, data.new_booking_number(v_now) as number
        from generate_series(1, v_n) g
       where v_granted[g] and v_booking_ids[g] is null
    ), written as (
      insert into data.pending_bookings (booking_number, hold_token_hash, client_key, expires_at, total_minor, currency)
      select w.number, data.hash_token(v_tokens[w.ord]), p_client_keys[w.ord], v_now + v_hold[w.ord],
             p_quantities[w.ord]::bigint * v_price[w.ord], v_currency[w.ord]
        from wanted w
       order by w.ord
      on conflict (booking_number) do nothing
      returning id, booking_number
    ), got as (
      select distinct on (b.id) w.ord, b.id from wanted w join written b on b.booking_number = w.number order by b.id, w.ord
    )
    select array_agg(coalesce(got.id, v_booking_ids[g]) order by g) into v_booking_ids
      from generate_series(1, v_n) g left join got on got.ord = g;
    v_written := 0;
    for v_i in 1..v_n loop
      if v_granted[v_i] and v_booking_ids[v_i] is null then
        v_written := v_written + 1;
      end if;
    end loop;
  end loop;

  -- The seats, the items and the events in one statement, and the answers read from it. The
  -- slots are locked and were read under the lock, so every counter update applies.
  with granted as (
    select g as ord, p_slot_ids[g] as slot_id, p_quantities[g] as qty, v_booking_ids[g] as booking_id
      from generate_series(1, v_n) g where v_granted[g]
  ), seats as (
    update data.slots s set held = s.held + x.seats
      from (select slot_id, sum(qty)::int as seats from granted group by slot_id) x
     where s.id = x.slot_id and s.is_open and s.held + s.booked + x.seats <= s.capacity
    returning s.id
  ), items as (
    insert into data.booking_items (booking_id, slot_id, quantity, unit_price_minor)
    select g.booking_id, g.slot_id, g.qty, v_price[g.ord]
      from granted g
     order by g.ord
    returning id, booking_id, quantity, unit_price_minor
  ), events as (
    insert into data.booking_events (booking_id, slot_id, type, quantity, detail)
    select v_booking_ids[g], p_slot_ids[g], case when v_granted[g] then 'reserved' else 'conflict' end, p_quantities[g],
           case when v_granted[g] then jsonb_build_object('expiresAt', b.expires_at, 'added', false)
                else jsonb_build_object('code', v_conflict[g], 'remaining', v_remaining[g]) end
      from generate_series(1, v_n) g
      left join data.pending_bookings b on b.id = v_booking_ids[g]
     where v_granted[g] or v_conflict[g] is not null
     order by g
  )
  select (select count(*)::int from seats), (select count(distinct slot_id)::int from granted),
         array_agg(coalesce(v_answers[g],
           case when not v_granted[g] then json_build_object('ok', false, 'code', v_conflict[g], 'remaining', v_remaining[g])
           else json_build_object(
             'bookingNumber', b.booking_number,
             'status', b.status,
             'expiresAt', b.expires_at,
             'availabilityReserved', b.availability_reserved,
             'totalMinor', b.total_minor,
             'currency', b.currency,
             'paymentProvider', b.payment_provider,
             'items', json_build_array(json_build_object(
               'itemId', i.id, 'slotId', s.id, 'experienceSlug', e.slug,
               'experienceName', e.name, 'startsAt', s.starts_at, 'endsAt', s.ends_at,
               'timezone', e.timezone,
               'localStartsAt', data.local_iso(s.starts_at, e.timezone),
               'localEndsAt', data.local_iso(s.ends_at, e.timezone),
               'quantity', i.quantity, 'unitPriceMinor', i.unit_price_minor)),
             'ok', true,
             'holdToken', v_tokens[g],
             'slot', json_build_object('slotId', s.id, 'remaining', v_remaining[g])) end) order by g)
    into v_updated, v_slots_granted, v_answers
    from generate_series(1, v_n) g
    left join items i on i.booking_id = v_booking_ids[g]
    left join data.pending_bookings b on b.id = v_booking_ids[g]
    left join data.slots s on s.id = p_slot_ids[g] and v_granted[g]
    left join data.experiences e on e.id = s.experience_id;
  if v_updated <> v_slots_granted then
    raise exception 'seats on a locked slot changed' using errcode = 'XX000';
  end if;
  return array_to_json(v_answers);
end
$$;

comment on function data.reserve_new_holds(bigint[], int[], text[]) is
  'New holds for several customers at once, set-based, with api.reserve_seats''s rules and answers: a json array of one answer per reservation, in argument order (a hold, {"ok": false} for want of seats, or {"error": {code, message, detail}}, HF003 also for a slot closed meanwhile); NULL when the live-holds cap of a client makes the outcome depend on the order (take them one by one).';
