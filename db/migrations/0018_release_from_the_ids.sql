-- Up Migration

/*
 * data.release_bookings reads from the ids it is given, whatever the planner knows (issue 4,
 * `npm run bench`, F: the sweep).
 *
 * Until now its statements named their rows with `id = any (array)`: the bookings' items, the
 * slots to lock, the allocations to delete. Given 5,000 ids (a sweep's batch), how that is read
 * was the planner's guess from the tables' statistics, and without them it guessed a scan of
 * the whole table: of every booking item, for each batch. Statistics lag behind exactly when a
 * sweep has most to do (after an outage, after a rush), and a server with autovacuum off (this
 * machine's PostgreSQL 15 runs so) never has them. Now each statement starts from the ids,
 * `unnest(array)`, and looks each one up by its index: an array's length is known to the planner,
 * so the plan no longer depends on the statistics, and a batch costs what it releases, not what
 * the tables hold.
 *
 * Same rows, same order of locks (slots by id), same events; one booking (a customer's release)
 * costs the same as before. The ids are made distinct first: `= any` matched a booking given
 * twice once, a join from the array would match it twice (no caller passes one twice).
 *
 * Measured on PostgreSQL 15, 2 cores, in `npm run bench` (the machine's autovacuum off, no
 * statistics on booking_items): summing a batch's seats per slot took 295-321 ms of its 519-563 ms
 * before, 73-86 ms of 230-322 ms after; the sweep of F's 100,000 holds went from 11.0 s to
 * 3.5 s. With statistics, on a copy holding 530,000 live holds: 207-279 ms a batch before,
 * 207-235 after. 3,000 releases of one booking each: 1.64-1.75 s before and after.
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
  -- Each booking once: joined from the array, an id given twice would give its seats back twice.
  if cardinality(p_booking_ids) > 1 then
    p_booking_ids := array(select distinct unnest(p_booking_ids));
  end if;

  -- Seats to give back per slot, read once; the slots are locked in id order (no deadlocks).
  select coalesce(array_agg(f.slot_id order by f.slot_id), '{}'), coalesce(array_agg(f.quantity order by f.slot_id), '{}')
    into v_slot_ids, v_quantities
    from (select i.slot_id, sum(i.quantity)::int as quantity
            from unnest(p_booking_ids) u(id)
            join data.pending_bookings b on b.id = u.id
            join data.booking_items i on i.booking_id = u.id
           where b.availability_reserved
           group by i.slot_id) f;

  perform 1 from unnest(v_slot_ids) u(id) join data.slots s on s.id = u.id order by s.id for update of s;

  update data.slots s set held = s.held - f.quantity
    from unnest(v_slot_ids, v_quantities) f(slot_id, quantity)
   where s.id = f.slot_id;

  delete from data.resource_allocations a
   using unnest(v_slot_ids) u(id) join data.slots s on s.id = u.id
   where a.slot_id = s.id and s.held + s.booked = 0;

  with released as (
    update data.pending_bookings b
       set status = p_status, availability_reserved = false, updated_at = now()
      from unnest(p_booking_ids) u(id)
     where b.id = u.id and b.availability_reserved
    returning b.id, b.expires_at
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
