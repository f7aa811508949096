-- Up Migration

/*
 * The staff live board: upcoming slots with their numbers, the live holds, and releasing a hold
 * as staff. Callers are checked by the app (lib/staff-auth.ts) before any of these is called;
 * the staff member's id is recorded with every change they make.
 */

/* Upcoming start times across all experiences, soonest first, with live numbers (lapsed = free). */
create function api.admin_upcoming_slots(p_limit int default 50) returns jsonb
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
     cross join lateral (
       select coalesce(sum(i.quantity) filter (where b.expires_at <= v_now), 0)::int as lapsed,
              min(b.expires_at) filter (where b.expires_at > v_now) as held_until
         from data.booking_items i
         join data.pending_bookings b on b.id = i.booking_id
        where i.slot_id = s.id and b.availability_reserved) l), '[]'::jsonb);
end
$$;
comment on function api.admin_upcoming_slots(int) is 'Live board: upcoming slots with capacity, held (live holds only), booked and remaining.';

/* Every live hold (not lapsed), soonest to expire first, with its items. */
create function api.admin_live_holds() returns jsonb
language plpgsql stable as $$
declare
  v_now timestamptz := api.clock_now();
begin
  return coalesce((
    select jsonb_agg(data.booking_json(b.id) || jsonb_build_object(
             'customerName', b.customer_name, 'customerEmail', b.customer_email, 'createdAt', b.created_at)
           order by b.expires_at, b.id)
      from data.pending_bookings b
     where b.availability_reserved and b.expires_at > v_now), '[]'::jsonb);
end
$$;
comment on function api.admin_live_holds() is 'Live board: holds that still count, with their items.';

/*
 * data.release_bookings with extra detail for the event (who released it). The three-argument
 * version of 0001 now delegates here, so there is one body.
 */
create function data.release_bookings(p_booking_ids bigint[], p_status text, p_tier text, p_detail jsonb)
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
           greatest(0, round(extract(epoch from (api.clock_now() - expires_at)) * 1000))) || coalesce(p_detail, '{}')
    from released;
  get diagnostics v_released = row_count;
  return v_released;
end
$$;
comment on function data.release_bookings(bigint[], text, text, jsonb) is 'Frees the seats (and resource units) of reserved bookings; callers hold their row locks. p_detail goes into each event.';

create or replace function data.release_bookings(p_booking_ids bigint[], p_status text, p_tier text)
returns int
language plpgsql volatile as $$
begin
  return data.release_bookings(p_booking_ids, p_status, p_tier, '{}'::jsonb);
end
$$;

/* Staff give a hold back (a phone call, a customer at the desk). Tier `staff`, who did it logged. */
create function api.staff_release_booking(p_booking_number text, p_staff_id bigint) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
begin
  v_booking := data.lock_booking_row(p_booking_number);
  if v_booking.id is null then
    raise exception 'booking % not found', p_booking_number using errcode = 'HF004';
  end if;
  if not v_booking.availability_reserved then
    if v_booking.status in ('expired', 'released') then
      return data.booking_json(v_booking.id);
    end if;
    raise exception 'booking % is %', p_booking_number, v_booking.status using errcode = 'HF011';
  end if;
  perform data.release_bookings(array[v_booking.id], 'released', 'staff', jsonb_build_object('staffId', p_staff_id));
  return data.booking_json(v_booking.id);
end
$$;
comment on function api.staff_release_booking(text, bigint) is 'Staff release a live hold (tier staff).';
