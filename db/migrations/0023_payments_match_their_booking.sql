-- Up Migration

/*
 * A payment pays for what it was made for, and a customer back from the payment page can change
 * the booking.
 *
 * Until now api.apply_payment (0002) confirmed whatever the booking held when the money arrived,
 * whatever the session had charged. The basket is frozen while a session is open, but two paths
 * unfroze it with an earlier session still payable at Stripe: a second attempt whose Stripe call
 * failed (api.abort_checkout puts the booking back to held while the first attempt's session is
 * still open), and a hold given back during checkout and taken up again (api.resume_hold made it
 * 'held'). Raise the people to 10, pay the old session for 1: 10 seats confirmed for the price of
 * one. Now:
 *   - api.apply_payment compares the money with the booking: a payment whose amount or currency
 *     is not the booking's total is 'payment_mismatch' — refunded in full (the caller queues the
 *     refund, as for a second payment), logged, and the booking left as it is, still to be paid
 *     for what it holds. Payments that match keep every earlier outcome.
 *   - A payment for a hold that staff gave back (api.staff_release_booking, or staff_cancel_booking
 *     of a live hold) while its payment page was open is 'released_by_staff': refunded, the
 *     booking left ended as staff left it. It used to take the seats again (late_confirmed) and
 *     confirm a booking staff had just ended.
 *   - api.resume_hold gives a booking back its checkout when it had a payment session: the
 *     basket stays frozen, and that session pays for exactly what is held again.
 *   - api.checkout_to_cancel / api.cancel_checkout: "change my booking" while paying. The first
 *     locks the booking and names its open session, which the caller expires at Stripe while
 *     the lock is held (so the session's expiry event, which releases a hold still waiting on
 *     that session, waits and then finds it no longer waiting); the second unfreezes the basket:
 *     'held' again, the session forgotten, the hold cut back to at most its experiences' hold
 *     duration from now (checkout had stretched it to outlive the session), a
 *     'checkout_cancelled' event. A session Stripe says is complete is not cancelled: the money
 *     is in, and its webhook confirms the booking.
 *   - api.apply_charge_refunded (0002): a refund of a payment that reached us but failed to
 *     apply (its event awaiting Stripe's redelivery, say a refund made in the dashboard
 *     meanwhile) fails too, so Stripe delivers it again after the payment. It was 'unknown_payment',
 *     marked processed and lost: the payment, applied later, confirmed a booking whose money had
 *     been given back.
 *   - data.booking_json (0005), the booking as its holder sees it, carries the contact details
 *     given at checkout, so the contact form is filled in again after the payment page.
 *   - api.set_item_quantity (0003) applies a reservation's rules to more people: the start time
 *     open, its experience on sale, before the booking cut-off — HF003 (booking_closed)
 *     otherwise, as for a new hold, also when staff close it meanwhile (it answered sold_out).
 *     Fewer people are always allowed.
 */

alter domain data.booking_event_type drop constraint booking_event_type_check;
alter domain data.booking_event_type add constraint booking_event_type_check check (value in (
  'cancelled', 'check_in_undone', 'checked_in', 'checkout_cancelled', 'checkout_started', 'confirmation_resent',
  'confirmed', 'conflict', 'duplicate_payment', 'expired', 'item_removed', 'late_payment_reacquired',
  'payment_after_release', 'payment_mismatch', 'refund_due', 'refund_failed', 'refund_requested', 'refunded', 'released', 'reserved',
  'resumed'));

/*
 * Money arrived for a booking (checkout.session.completed with payment_status paid, or
 * async_payment_succeeded). Outcomes:
 *   confirmed       the hold was live (or lapsed but not yet released): seats become booked;
 *   late_confirmed  the hold was gone but the same seats were free: taken again, confirmed;
 *   refund_due      the seats are gone: nothing is taken, the payment must be refunded;
 *   duplicate       this payment was applied before;
 *   duplicate_payment  the booking is already paid (or cancelled) by other means: refund this one;
 *   payment_mismatch   the amount or currency is not the booking's total: refund it, change nothing;
 *   released_by_staff  staff gave the hold back while its payment page was open: refund, change nothing;
 *   unknown_booking no such booking (logged by the caller; nothing to change).
 * Returns {"outcome", "bookingNumber", "emails": [outbox ids], "refund": bool}.
 */
create or replace function api.apply_payment(
  p_booking_number text,
  p_session_id text,
  p_payment_intent text,
  p_amount_minor bigint,
  p_currency text
) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
  v_emails bigint[] := '{}';
  v_outcome text;
begin
  if p_booking_number is null then
    return jsonb_build_object('outcome', 'unknown_booking', 'emails', '[]'::jsonb, 'refund', false);
  end if;
  v_booking := data.lock_booking_row(p_booking_number);
  if v_booking.id is null then
    return jsonb_build_object('outcome', 'unknown_booking', 'bookingNumber', p_booking_number,
                              'emails', '[]'::jsonb, 'refund', false);
  end if;

  if v_booking.payment_intent_id is not distinct from p_payment_intent
     and v_booking.status in ('confirmed', 'refund_due', 'refunded', 'cancelled') then
    v_outcome := 'duplicate';
  elsif v_booking.status in ('confirmed', 'refund_due', 'refunded', 'cancelled') then
    insert into data.booking_events (booking_id, type, detail)
    values (v_booking.id, 'duplicate_payment', jsonb_build_object('sessionId', p_session_id,
              'paymentIntent', p_payment_intent, 'amountMinor', p_amount_minor, 'status', v_booking.status));
    return jsonb_build_object('outcome', 'duplicate_payment', 'bookingNumber', p_booking_number,
                              'emails', '[]'::jsonb, 'refund', true, 'paymentIntent', p_payment_intent,
                              'amountMinor', p_amount_minor);
  elsif p_amount_minor is distinct from v_booking.total_minor
        or upper(p_currency) is distinct from v_booking.currency then
    -- Paid for another basket than the booking holds now (a session of an earlier attempt, made
    -- before the basket changed): confirming would book seats nobody paid for, or keep money
    -- for seats given back. Refunded in full; the booking stays as it is, to be paid as it is.
    insert into data.booking_events (booking_id, type, detail)
    values (v_booking.id, 'payment_mismatch', jsonb_build_object('sessionId', p_session_id,
              'paymentIntent', p_payment_intent, 'amountMinor', p_amount_minor, 'currency', upper(p_currency),
              'totalMinor', v_booking.total_minor, 'status', v_booking.status));
    return jsonb_build_object('outcome', 'payment_mismatch', 'bookingNumber', p_booking_number,
                              'emails', '[]'::jsonb, 'refund', true, 'paymentIntent', p_payment_intent,
                              'amountMinor', p_amount_minor);
  elsif v_booking.status = 'released'
        and (select e.tier from data.booking_events e
              where e.booking_id = v_booking.id and e.type = 'released' order by e.id desc limit 1) = 'staff' then
    -- Staff gave this hold back (a call, a cancellation) while its payment page was open: the
    -- booking stays ended, as staff left it, and the money goes back.
    insert into data.booking_events (booking_id, type, detail)
    values (v_booking.id, 'payment_after_release', jsonb_build_object('sessionId', p_session_id,
              'paymentIntent', p_payment_intent, 'amountMinor', p_amount_minor));
    return jsonb_build_object('outcome', 'released_by_staff', 'bookingNumber', p_booking_number,
                              'emails', '[]'::jsonb, 'refund', true, 'paymentIntent', p_payment_intent,
                              'amountMinor', p_amount_minor);
  else
    update data.pending_bookings
       set payment_provider = 'stripe', payment_session_id = p_session_id,
           payment_intent_id = p_payment_intent, paid_minor = p_amount_minor, updated_at = now()
     where id = v_booking.id
    returning * into v_booking;

    if v_booking.availability_reserved then
      v_emails := data.confirm_reserved(v_booking, 'stripe');
      v_outcome := 'confirmed';
    elsif data.retake_seats(v_booking) then
      update data.pending_bookings
         set status = 'confirmed', confirmed_at = now(), updated_at = now()
       where id = v_booking.id;
      insert into data.booking_events (booking_id, type, detail)
      values (v_booking.id, 'late_payment_reacquired', jsonb_build_object('previousStatus', v_booking.status)),
             (v_booking.id, 'confirmed', jsonb_build_object('provider', 'stripe', 'late', true));
      v_emails := data.queue_confirmation_emails(v_booking);
      v_outcome := 'late_confirmed';
    else
      update data.pending_bookings set status = 'refund_due', updated_at = now() where id = v_booking.id;
      insert into data.booking_events (booking_id, type, detail)
      values (v_booking.id, 'refund_due', jsonb_build_object('previousStatus', v_booking.status,
                'amountMinor', p_amount_minor, 'paymentIntent', p_payment_intent));
      v_emails := array_remove(array[
        data.queue_email(v_booking.id, 'refund_notice', v_booking.booking_number || ':refund_notice')], null);
      v_outcome := 'refund_due';
    end if;
  end if;

  return jsonb_build_object('outcome', v_outcome, 'bookingNumber', p_booking_number,
                            'emails', to_jsonb(v_emails), 'refund', v_outcome = 'refund_due',
                            'paymentIntent', p_payment_intent, 'amountMinor', p_amount_minor);
end
$$;
comment on function api.apply_payment(text, text, text, bigint, text) is
  'Payment arrived: confirm, re-take lapsed seats, or mark refund_due (invariant 3); a payment for another amount than the booking''s total (payment_mismatch), or for a hold staff gave back (released_by_staff), is refunded.';

/* api.apply_charge_refunded (0002), with one change: a refund of a payment still waiting to be applied waits too. */
create or replace function api.apply_charge_refunded(p_payment_intent text, p_amount_refunded bigint, p_fully boolean)
returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
begin
  select * into v_booking from data.pending_bookings where payment_intent_id = p_payment_intent;
  if not found then
    -- Its payment reached us but failed to apply, and Stripe has yet to deliver it again (a
    -- refund made in Stripe's dashboard meanwhile): the refund waits for it, answered as a
    -- failure so that Stripe delivers it again too. Marked processed now, it would be lost, and
    -- the payment, applied later, would confirm a booking whose money was given back.
    if exists (select 1 from data.stripe_events e
                where e.processed_at is null
                  and e.type in ('checkout.session.completed', 'checkout.session.async_payment_succeeded')
                  and e.payload #>> '{data,object,payment_intent}' = p_payment_intent) then
      raise exception 'the payment % of this refund has not been applied yet', p_payment_intent using errcode = 'HF019';
    end if;
    return jsonb_build_object('outcome', 'unknown_payment');
  end if;
  v_booking := data.lock_booking_row(v_booking.booking_number);

  if v_booking.refunded_minor >= p_amount_refunded and not (p_fully and v_booking.status = 'confirmed') then
    return jsonb_build_object('outcome', 'duplicate', 'bookingNumber', v_booking.booking_number);
  end if;
  update data.pending_bookings
     set refunded_minor = greatest(refunded_minor, p_amount_refunded), updated_at = now()
   where id = v_booking.id;

  if p_fully and v_booking.status = 'confirmed' then
    perform data.free_booked_seats(v_booking.id);
    update data.pending_bookings set status = 'refunded', updated_at = now() where id = v_booking.id;
  elsif p_fully and v_booking.status = 'refund_due' then
    update data.pending_bookings set status = 'refunded', updated_at = now() where id = v_booking.id;
  end if;
  insert into data.booking_events (booking_id, type, tier, detail)
  values (v_booking.id, 'refunded', 'payment', jsonb_build_object('amountRefundedMinor', p_amount_refunded,
            'fully', p_fully, 'previousStatus', v_booking.status));
  return jsonb_build_object('outcome', case when p_fully then 'refunded' else 'partially_refunded' end,
                            'bookingNumber', v_booking.booking_number);
end
$$;
comment on function api.apply_charge_refunded(text, bigint, boolean) is
  'charge.refunded: a full refund cancels a booking and frees its seats; a refund of a payment whose event failed and awaits redelivery fails too (Stripe delivers it again).';

/* api.resume_hold (0019), with one change: a hold given back during checkout resumes its checkout. */
create or replace function api.resume_hold(p_booking_number text, p_hold_token text) returns jsonb
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
  -- Given back while paying: still paying, its basket frozen, so a payment of that session
  -- pays for exactly what is held again.
  update data.pending_bookings
     set status = case when v_booking.payment_session_id is not null then 'checkout' else 'held' end,
         availability_reserved = true, updated_at = now()
   where id = v_booking.id;
  insert into data.booking_events (booking_id, type, detail)
  values (v_booking.id, 'resumed', jsonb_build_object('releasedAt', v_ended.occurred_at, 'expiresAt', v_booking.expires_at));
  return data.booking_json(v_booking.id);
end
$$;
comment on function api.resume_hold(text, text) is
  'The token holder takes up a hold the beacon gave back moments ago (a reload): same booking, same expiry, same seats if still free, same checkout.';

/* api.set_item_quantity (0003), with one change: more people need the start time still open for booking. */
create or replace function api.set_item_quantity(p_booking_number text, p_hold_token text, p_item_id bigint, p_quantity int)
returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_now timestamptz := api.clock_now();
  v_booking data.pending_bookings;
  v_item data.booking_items;
  v_exp data.experiences;
  v_slot data.slots;
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
    -- More people are a reservation: the start time must still take bookings (as api.reserve_seats).
    select s.* into v_slot from data.slots s where s.id = v_item.slot_id;
    if not v_exp.active or not v_slot.is_open or v_now >= v_slot.starts_at - v_exp.booking_cutoff then
      raise exception 'slot % is not open for booking', v_item.slot_id using errcode = 'HF003';
    end if;
    for attempt in 1..2 loop
      update data.slots set held = held + v_delta
       where id = v_item.slot_id and is_open and held + booked + v_delta <= capacity;
      v_taken := found;
      exit when v_taken or attempt = 2 or data.release_lapsed_on_slots(array[v_item.slot_id]) = 0;
    end loop;
    if not v_taken then
      select * into v_slot from data.slots where id = v_item.slot_id;
      if not v_slot.is_open then
        -- Staff closed it since the read above: closed, not full.
        raise exception 'slot % is not open for booking', v_item.slot_id using errcode = 'HF003';
      end if;
      v_remaining := greatest(0, v_slot.capacity - v_slot.held - v_slot.booked);
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
comment on function api.set_item_quantity(text, text, bigint, int) is
  'Changes the people on one item of a held booking; more people need the start time open for booking (HF003) and extend the hold.';

/*
 * The booking as its holder sees it (0005), with two additions, each only when there is one (a
 * new hold's answer stays exactly this): the contact details given at checkout (`contact`:
 * {name, email, phone}), so the form shows them again when the customer comes back from the
 * payment page or changes the booking; and the last payment that could not be applied to it
 * (`refusedPayment`: {amountMinor, reason: payment_mismatch | payment_after_release}), being
 * refunded, so the booking page can say so to a customer who has just paid.
 */
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
               'localStartsAt', data.local_iso(s.starts_at, e.timezone),
               'localEndsAt', data.local_iso(s.ends_at, e.timezone),
               'quantity', i.quantity, 'unitPriceMinor', i.unit_price_minor)
             order by s.starts_at, i.id)
        from data.booking_items i
        join data.slots s on s.id = i.slot_id
        join data.experiences e on e.id = s.experience_id
       where i.booking_id = b.id), '[]'::jsonb))
    || case when b.customer_name is not null then jsonb_build_object('contact', jsonb_build_object(
         'name', b.customer_name, 'email', b.customer_email, 'phone', b.customer_phone)) else '{}' end
    || coalesce((select jsonb_build_object('refusedPayment', jsonb_build_object(
                   'amountMinor', (e.detail->>'amountMinor')::bigint, 'reason', e.type))
                   from data.booking_events e
                  where e.booking_id = b.id and e.type in ('payment_mismatch', 'payment_after_release')
                  order by e.id desc limit 1), '{}')
  from data.pending_bookings b
  where b.id = p_booking_id);
end
$$;

/*
 * "Change my booking" while paying, step one: locks the booking (advisory and row lock, until the
 * caller's transaction ends) and answers {"status", "sessionId"}: the open session the caller
 * must expire at Stripe before step two, or null (a held booking has nothing to cancel; a
 * checkout whose session is still being made has none yet).
 */
create function api.checkout_to_cancel(p_booking_number text, p_hold_token text) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings := data.lock_live_hold(p_booking_number, p_hold_token);
begin
  return jsonb_build_object('status', v_booking.status,
    'sessionId', case when v_booking.status = 'checkout' then v_booking.payment_session_id end);
end
$$;
comment on function api.checkout_to_cancel(text, text) is
  'Locks a live hold for api.cancel_checkout and names the Stripe session to expire first.';

/* Step two: the session is expired at Stripe (or there was none); the basket can change again. */
create function api.cancel_checkout(p_booking_number text, p_hold_token text) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings := data.lock_live_hold(p_booking_number, p_hold_token);
  v_now timestamptz := api.clock_now();
begin
  if v_booking.status = 'checkout' then
    update data.pending_bookings b
       set status = 'held', payment_session_id = null, payment_session_url = null,
           expires_at = least(b.expires_at, v_now + (
             select max(e.hold_duration) from data.booking_items i
               join data.slots s on s.id = i.slot_id
               join data.experiences e on e.id = s.experience_id
              where i.booking_id = b.id)),
           updated_at = now()
     where b.id = v_booking.id;
    insert into data.booking_events (booking_id, type, detail)
    values (v_booking.id, 'checkout_cancelled', jsonb_build_object('sessionId', v_booking.payment_session_id,
              'generation', v_booking.checkout_generation));
  end if;
  return data.booking_json(v_booking.id);
end
$$;
comment on function api.cancel_checkout(text, text) is
  'The customer leaves checkout to change the booking (its session expired at Stripe first): held again, the hold cut back to a hold duration.';
