-- Up Migration

/*
 * A reload keeps the booking: the same number, the same token, the same expiry.
 *
 * A page that unloads gives its hold back by beacon (the seed's scenario 4: close the page, the
 * seats are back at once), and a reload, or an address typed in the same tab, unloads the page
 * too; the browser cannot tell which it is. Until now the next page in the tab held the same
 * seats again as a *new* booking: another number than the one the customer had just been shown
 * (and perhaps written down), and a fresh hold duration each time, so reloading every few minutes
 * kept seats indefinitely.
 *
 * api.resume_hold(number, token) takes up a hold that the beacon gave back a moment ago:
 *   - the token must match (HF005), as for every change to a booking;
 *   - a hold that is still live is answered as it is (the beacon had not been sent, or another
 *     tab of this browser resumed it already);
 *   - only a hold released by the beacon (tier 'beacon') within data.settings.resume_window
 *     (30 seconds) can be resumed (HF018 otherwise): a hold the customer released by hand, one
 *     that expired, one paid or cancelled since, or one given back long ago (a closed tab) stays
 *     as it is;
 *   - its original `expires_at` stands: a reload gives no extra time, and a hold whose time is
 *     up cannot be resumed (HF006);
 *   - its seats are taken again, all or nothing, on the same terms as a new hold (the slot open
 *     and before its booking cut-off, room for every item, a unit of a shared resource for a
 *     slot's first seat); lapsed holds on those slots are released first (lazy expiry). When any
 *     item no longer fits, nothing changes and the answer is HF001 (sold_out): someone took the
 *     seats in the moment they were free, and the caller holds what it can as a new booking;
 *   - the booking is 'held' again and its log gets a 'resumed' event.
 *
 * data.retake_seats gains a second form that takes the seats as held rather than booked; the
 * first form (late payment, 0002) is now that with p_as_held = false, with the same behaviour.
 */

alter table data.settings
  add column resume_window interval not null default '30 seconds' check (resume_window >= '0');
comment on column data.settings.resume_window is
  'How long after the beacon gave a hold back (a page unloaded) the same browser may take it up again (api.resume_hold).';

alter domain data.booking_event_type drop constraint booking_event_type_check;
alter domain data.booking_event_type add constraint booking_event_type_check check (value in (
  'cancelled', 'check_in_undone', 'checked_in', 'checkout_started', 'confirmation_resent', 'confirmed',
  'conflict', 'duplicate_payment', 'expired', 'item_removed', 'late_payment_reacquired', 'refund_due',
  'refund_failed', 'refund_requested', 'refunded', 'released', 'reserved', 'resumed'));

/*
 * Takes a booking's seats again, all or nothing: as booked (a late payment) or as held (a
 * resumed hold, which also needs each slot to be before its booking cut-off). Lapsed holds on
 * the slots are released first. A slot's first seat takes a unit of its resource. False, with
 * nothing changed, when any item does not fit.
 */
create function data.retake_seats(p_booking data.pending_bookings, p_as_held boolean) returns boolean
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
         and not data.allocate_unit(v_item.resource_id, v_item.slot_id, tstzrange(v_item.starts_at, v_item.ends_at)) then
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
  'All-or-nothing re-take of a booking''s seats, as held (a resumed hold) or booked (a late payment).';

create or replace function data.retake_seats(p_booking data.pending_bookings) returns boolean
language sql volatile as $$
  select data.retake_seats(p_booking, false)
$$;
comment on function data.retake_seats(data.pending_bookings) is 'All-or-nothing re-take of a lapsed booking''s seats as booked (late payment).';

create function api.resume_hold(p_booking_number text, p_hold_token text) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
  v_ended record;
begin
  v_booking := data.lock_booking(p_booking_number, p_hold_token);
  if v_booking.availability_reserved and v_booking.expires_at > api.clock_now() then
    return data.booking_json(v_booking.id);
  end if;
  if v_booking.expires_at <= api.clock_now() and v_booking.status in ('held', 'checkout', 'expired', 'released') then
    raise exception 'the hold on % has expired', p_booking_number using errcode = 'HF006';
  end if;
  -- How the hold ended: the last release or expiry in its log (occurred_at: its transaction's now()).
  select e.type, e.tier, e.occurred_at into v_ended
    from data.booking_events e
   where e.booking_id = v_booking.id and e.type in ('released', 'expired')
   order by e.id desc
   limit 1;
  if v_booking.status <> 'released' or v_ended.tier is distinct from 'beacon'
     or v_ended.occurred_at < now() - (select resume_window from data.settings) then
    raise exception 'booking % cannot be resumed', p_booking_number using errcode = 'HF018';
  end if;
  if not data.retake_seats(v_booking, true) then
    raise exception 'the seats of booking % are no longer free', p_booking_number using errcode = 'HF001';
  end if;
  update data.pending_bookings
     set status = 'held', availability_reserved = true, updated_at = now()
   where id = v_booking.id;
  insert into data.booking_events (booking_id, type, detail)
  values (v_booking.id, 'resumed', jsonb_build_object('releasedAt', v_ended.occurred_at, 'expiresAt', v_booking.expires_at));
  return data.booking_json(v_booking.id);
end
$$;
comment on function api.resume_hold(text, text) is
  'The token holder takes up a hold the beacon gave back moments ago (a reload): same booking, same expiry, same seats if still free.';

/*
 * api.staff_metrics (0009), with one change: a booking whose hold a reload gave back by beacon
 * and then took up again is not abandoned (it was counted so until it was paid). A booking is
 * lost when it was given back (by beacon or by hand) or expired more often than it was resumed.
 */
create or replace function api.staff_metrics(p_from timestamptz, p_to timestamptz) returns jsonb
language plpgsql stable as $$
declare
  v_now timestamptz := api.clock_now();
  v_result jsonb;
begin
  if p_from is null or p_to is null or p_to <= p_from or p_to - p_from > interval '400 days' then
    raise exception 'a period must run forwards and span at most 400 days' using errcode = 'HF050',
      detail = json_build_object('from', p_from, 'to', p_to)::text;
  end if;

  with ev as (
    select e.* from data.booking_events e where e.occurred_at >= p_from and e.occurred_at < p_to
  ),
  cohort as (
    select e.booking_id, e.occurred_at from ev e
     where e.type = 'reserved' and e.booking_id is not null
       and not exists (select 1 from data.booking_events f
                        where f.booking_id = e.booking_id and f.type = 'reserved' and f.id < e.id)
  ),
  fate as (
    select c.booking_id, c.occurred_at,
           bool_or(f.type = 'confirmed') as converted,
           bool_or(f.type = 'refund_due') as paid_late,
           count(*) filter (where f.type = 'expired' or (f.type = 'released' and f.tier in ('beacon', 'customer')))
             > count(*) filter (where f.type = 'resumed') as lost
      from cohort c
      join data.booking_events f on f.booking_id = c.booking_id
     group by c.booking_id, c.occurred_at
  ),
  counts as (
    select count(*) filter (where type = 'reserved') as successes,
           count(*) filter (where type = 'conflict') as conflicts,
           count(*) filter (where type = 'confirmed') as confirmed,
           count(*) filter (where type = 'checkout_started') as checkouts,
           count(*) filter (where type = 'late_payment_reacquired') as late_reacquired,
           count(*) filter (where type = 'refund_due') as refund_due
      from ev
  ),
  cohort_counts as (
    select count(*) as created,
           count(*) filter (where converted) as converted,
           count(*) filter (where lost and not converted and not paid_late) as abandoned
      from fate
  ),
  refunds as (
    select b.currency, e.booking_id, coalesce(e.detail->>'paymentIntent', b.payment_intent_id, '') as payment,
           greatest(coalesce(sum((e.detail->>'amountMinor')::bigint), 0),
                    coalesce(max((e.detail->>'amountRefundedMinor')::bigint), 0)) as amount
      from ev e join data.pending_bookings b on b.id = e.booking_id
     where e.type = 'refunded'
     group by 1, 2, 3
  ),
  days as (
    select d::date as day
      from generate_series(date_trunc('day', p_from at time zone 'UTC'),
                           (p_to - interval '1 microsecond') at time zone 'UTC', interval '1 day') d
  ),
  daily as (
    select (e.occurred_at at time zone 'UTC')::date as day,
           count(*) filter (where e.type in ('reserved', 'conflict')) as attempts,
           count(*) filter (where e.type = 'reserved') as successes,
           count(*) filter (where e.type = 'conflict') as conflicts,
           count(*) filter (where e.type = 'confirmed') as confirmed,
           count(*) filter (where e.type in ('released', 'expired')) as releases
      from ev e group by 1
  ),
  daily_created as (
    select (occurred_at at time zone 'UTC')::date as day, count(*) as created from cohort group by 1
  )
  select jsonb_build_object(
    'from', p_from, 'to', p_to, 'now', v_now,
    'reservations', jsonb_build_object(
      'attempts', k.successes + k.conflicts,
      'successes', k.successes,
      'conflicts', k.conflicts,
      'successRate', case when k.successes + k.conflicts = 0 then null
                          else k.successes::numeric / (k.successes + k.conflicts) end,
      'conflictsByCode', coalesce((select jsonb_object_agg(code, n) from (
          select coalesce(detail->>'code', 'unknown') as code, count(*) as n from ev where type = 'conflict' group by 1) c),
        '{}'::jsonb)),
    'releases', (select jsonb_object_agg(t.tier, coalesce(r.n, 0)) || jsonb_build_object('total', coalesce(sum(r.n), 0))
                   from unnest(array['job', 'sweep', 'lazy', 'beacon', 'customer', 'staff', 'payment']) t(tier)
                   left join (select tier, count(*) as n from ev where type in ('released', 'expired') group by tier) r
                     on r.tier = t.tier),
    'orphanedHolds', (select jsonb_build_object('count', count(*), 'oldestExpiresAt', min(expires_at))
                        from data.pending_bookings where availability_reserved and expires_at <= v_now),
    'bookings', jsonb_build_object(
      'created', c.created,
      'converted', c.converted,
      'abandoned', c.abandoned,
      'conversionRate', case when c.created = 0 then null else c.converted::numeric / c.created end,
      'abandonmentRate', case when c.created = 0 then null else c.abandoned::numeric / c.created end),
    'payments', jsonb_build_object(
      'confirmed', k.confirmed,
      'checkoutsStarted', k.checkouts,
      'latePaymentsReacquired', k.late_reacquired,
      'refundDue', k.refund_due,
      'refunds', coalesce((select jsonb_agg(jsonb_build_object('currency', coalesce(currency, 'XXX'), 'count', n, 'amountMinor', amount)
                                            order by currency)
                             from (select currency, count(*) as n, sum(amount) as amount from refunds group by currency) r),
                          '[]'::jsonb)),
    'daily', (select coalesce(jsonb_agg(jsonb_build_object(
                'day', d.day,
                'attempts', coalesce(x.attempts, 0), 'successes', coalesce(x.successes, 0),
                'conflicts', coalesce(x.conflicts, 0), 'created', coalesce(dc.created, 0),
                'confirmed', coalesce(x.confirmed, 0), 'releases', coalesce(x.releases, 0)) order by d.day), '[]'::jsonb)
                from days d left join daily x on x.day = d.day left join daily_created dc on dc.day = d.day))
    into v_result
    from counts k cross join cohort_counts c;
  return v_result;
end
$$;
comment on function api.staff_metrics(timestamptz, timestamptz) is 'Staff metrics of a period [from, to) from booking_events (+ the orphaned holds now); definitions in the migration 0009 comment, "abandoned" as amended in 0019 (a hold resumed after a reload is not lost).';
