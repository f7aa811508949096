-- Up Migration

/*
 * What the customer site needs beyond reserving and paying: read one's own booking, change the
 * number of people on an item, and find an experience's id for the live stream.
 */

/* The booking as its holder sees it; now also says how it is (or will be) paid. */
create or replace function data.booking_json(p_booking_id bigint) returns jsonb
language plpgsql stable as $$
begin
  return (select jsonb_build_object(
    'bookingNumber', b.booking_number,
    'status', b.status,
    'expiresAt', b.expires_at,
    'availabilityReserved', b.availability_reserved,
    'totalMinor', b.total_minor,
    'currency', b.currency,
    'paymentProvider', b.payment_provider,
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

/* Reads a booking for the holder of its token (HF004 unknown, HF005 wrong token). No locks. */
create function api.get_booking(p_booking_number text, p_hold_token text) returns jsonb
language plpgsql stable as $$
declare
  v_booking data.pending_bookings;
begin
  select * into v_booking from data.pending_bookings where booking_number = p_booking_number;
  if not found then
    raise exception 'booking % not found', p_booking_number using errcode = 'HF004';
  end if;
  if p_hold_token is null or v_booking.hold_token_hash <> data.hash_token(p_hold_token) then
    raise exception 'hold token does not match booking %', p_booking_number using errcode = 'HF005';
  end if;
  return data.booking_json(v_booking.id);
end
$$;
comment on function api.get_booking(text, text) is 'The booking, for the holder of its token (basket, confirmation page).';

/*
 * Changes the number of people on one item of a held booking. More people take seats with the
 * same conditional UPDATE as a reservation (lapsed holds on the slot released first when it
 * looks full) and extend the whole hold; fewer give seats back. Not enough seats is a value,
 * not an exception, as in api.reserve_seats: {"ok": false, "code": "sold_out", "remaining": n}.
 */
create function api.set_item_quantity(p_booking_number text, p_hold_token text, p_item_id bigint, p_quantity int)
returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_now timestamptz := api.clock_now();
  v_booking data.pending_bookings;
  v_item data.booking_items;
  v_exp data.experiences;
  v_delta int;
  v_people int;
  v_remaining int;
  v_taken boolean := false;
begin
  if p_quantity is null or p_quantity < 1 then
    raise exception 'quantity must be at least 1' using errcode = 'HF012';
  end if;
  v_booking := data.lock_live_hold(p_booking_number, p_hold_token);
  if v_booking.status <> 'held' then
    raise exception 'booking % is in checkout', p_booking_number using errcode = 'HF011';
  end if;
  select * into v_item from data.booking_items where id = p_item_id and booking_id = v_booking.id;
  if not found then
    raise exception 'item % is not part of booking %', p_item_id, p_booking_number using errcode = 'HF016';
  end if;
  select e.* into v_exp from data.experiences e join data.slots s on s.experience_id = e.id where s.id = v_item.slot_id;
  select coalesce(sum(i.quantity), 0) into v_people
    from data.booking_items i join data.slots s on s.id = i.slot_id
   where i.booking_id = v_booking.id and s.experience_id = v_exp.id and i.id <> v_item.id;
  if v_people + p_quantity > v_exp.max_people_per_booking then
    raise exception 'at most % people per booking', v_exp.max_people_per_booking
      using errcode = 'HF007', detail = json_build_object('max', v_exp.max_people_per_booking)::text;
  end if;

  v_delta := p_quantity - v_item.quantity;
  if v_delta > 0 then
    for attempt in 1..2 loop
      update data.slots set held = held + v_delta
       where id = v_item.slot_id and is_open and held + booked + v_delta <= capacity;
      v_taken := found;
      exit when v_taken or attempt = 2 or data.release_lapsed_on_slots(array[v_item.slot_id]) = 0;
    end loop;
    if not v_taken then
      select greatest(0, capacity - held - booked) into v_remaining from data.slots where id = v_item.slot_id;
      insert into data.booking_events (booking_id, slot_id, type, quantity, detail)
      values (v_booking.id, v_item.slot_id, 'conflict', v_delta,
              jsonb_build_object('code', 'sold_out', 'remaining', v_remaining, 'change', true));
      return jsonb_build_object('ok', false, 'code', 'sold_out', 'remaining', v_remaining);
    end if;
    update data.pending_bookings
       set expires_at = greatest(expires_at, v_now + v_exp.hold_duration)
     where id = v_booking.id;
    insert into data.booking_events (booking_id, slot_id, type, quantity, detail)
    values (v_booking.id, v_item.slot_id, 'reserved', v_delta, jsonb_build_object('added', true, 'change', true));
  elsif v_delta < 0 then
    update data.slots set held = held + v_delta where id = v_item.slot_id;
    insert into data.booking_events (booking_id, slot_id, type, tier, quantity, detail)
    values (v_booking.id, v_item.slot_id, 'item_removed', 'customer', -v_delta, jsonb_build_object('change', true));
  end if;

  if v_delta <> 0 then
    update data.booking_items set quantity = p_quantity where id = v_item.id;
    update data.pending_bookings
       set total_minor = total_minor + v_delta::bigint * v_item.unit_price_minor, updated_at = now()
     where id = v_booking.id;
  end if;
  return data.booking_json(v_booking.id) || jsonb_build_object('ok', true);
end
$$;
comment on function api.set_item_quantity(text, text, bigint, int) is 'Changes the people on one item of a held booking; more people extend the hold.';

/* The id of an experience, for filtering the live stream (null when unknown). */
create function api.experience_id(p_slug text) returns bigint
language sql stable as $$
  select id from data.experiences where slug = p_slug
$$;
