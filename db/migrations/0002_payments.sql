-- Up Migration

/*
 * Holdfast payments: checkout, the exactly-once Stripe webhook, late payments, the email outbox.
 *
 * The state machine of a booking's payment (every arrow is one function below):
 *
 *   held ──begin_checkout──▶ checkout ──apply_payment──▶ confirmed ──apply_charge_refunded──▶ refunded
 *     │  (pay on arrival) ─────────────────────────────▶ confirmed
 *     │                        │ release_checkout (session expired / async payment failed)
 *     ▼                        ▼
 *   expired / released ──apply_payment (late)──▶ confirmed (same seats re-taken)
 *                                          └──▶ refund_due ──record_refund──▶ refunded
 *
 * Money is never dropped: a payment for a booking whose hold is gone either re-takes the very
 * same seats (if they are free and the start time is still ahead) or ends in refund_due, which
 * the app turns into a refund job and an email. A payment for a booking that is already paid
 * (another session of the same booking) is recorded as a duplicate payment and refunded.
 *
 * Locking: as in 0001 — a booking is changed under its advisory lock and row lock; slots are
 * locked in id order before several are changed.
 */

alter table data.experiences
  add column what_to_bring text not null default '' check (length(what_to_bring) <= 2000);
comment on column data.experiences.what_to_bring is 'Shown in the confirmation email.';

alter table data.pending_bookings
  add column checkout_generation int not null default 0,
  add column payment_session_url text,
  add column checkout_expires_at timestamptz,
  add column paid_minor bigint not null default 0 check (paid_minor >= 0),
  add column refunded_minor bigint not null default 0 check (refunded_minor >= 0),
  add column refund_id text,
  add column confirmed_at timestamptz;
comment on column data.pending_bookings.checkout_generation is 'Counts checkout attempts; part of the Stripe idempotency key, so a retry of one attempt reuses its session and a new attempt gets a new one.';
create index pending_bookings_payment_intent_idx on data.pending_bookings (payment_intent_id)
  where payment_intent_id is not null;
create index pending_bookings_status_idx on data.pending_bookings (status, updated_at);

alter table data.booking_events drop constraint booking_events_type_check;
alter table data.booking_events add constraint booking_events_type_check check (type in (
  'reserved', 'item_removed', 'conflict', 'released', 'expired', 'checkout_started', 'confirmed',
  'late_payment_reacquired', 'refund_due', 'refunded', 'cancelled', 'duplicate_payment'));
alter table data.booking_events drop constraint booking_events_tier_check;
alter table data.booking_events add constraint booking_events_tier_check
  check (tier in ('job', 'sweep', 'lazy', 'beacon', 'customer', 'staff', 'payment'));

create or replace view public.pending_bookings as
  select id, booking_number, status, expires_at, availability_reserved, customer_name,
         customer_email, payment_provider, total_minor, currency, created_at, updated_at,
         paid_minor, refunded_minor, confirmed_at
    from data.pending_bookings;

/* ----------------------------------------------------------------------------------------------
 * Stripe events: every event id once (invariant 3).
 * -------------------------------------------------------------------------------------------- */
create table data.stripe_events (
  id text primary key,
  type text not null,
  payload jsonb not null,
  booking_number text,
  received_at timestamptz not null default now(),
  deliveries int not null default 1,
  processed_at timestamptz,
  outcome text,
  last_error text
);
comment on table data.stripe_events is 'Each Stripe webhook event once. processed_at is set in the same transaction as the event''s effect, so a delivery either did everything or nothing; last_error keeps why a delivery failed (Stripe retries it).';
create index stripe_events_received_idx on data.stripe_events (received_at);

/* ----------------------------------------------------------------------------------------------
 * The email outbox. Rows are queued in the same transaction as the confirmation (or refund)
 * that needs them; a pg-boss job renders and sends each one. dedupe_key makes "one
 * confirmation per booking" a constraint, not a hope.
 * -------------------------------------------------------------------------------------------- */
create table data.email_outbox (
  id bigint generated always as identity primary key,
  booking_id bigint not null references data.pending_bookings,
  kind text not null check (kind in ('confirmation', 'staff_notification', 'refund_notice')),
  dedupe_key text not null unique,
  recipient text,
  subject text,
  html text,
  text_body text,
  attachments jsonb,
  status text not null default 'queued' check (status in ('queued', 'sent', 'not_sent', 'failed')),
  attempts int not null default 0,
  last_error text,
  provider_id text,
  created_at timestamptz not null default now(),
  rendered_at timestamptz,
  sent_at timestamptz,
  updated_at timestamptz not null default now()
);
comment on table data.email_outbox is 'Every email Holdfast means to send: queued → sent, or not_sent (no provider or recipient configured; kept for staff), or failed (retries exhausted).';
create index email_outbox_booking_idx on data.email_outbox (booking_id);
create index email_outbox_status_idx on data.email_outbox (status, created_at);

/* Queues one email of a booking unless it was queued before; returns the outbox id or null. */
create function data.queue_email(p_booking_id bigint, p_kind text, p_dedupe_key text) returns bigint
language plpgsql volatile as $$
declare
  v_id bigint;
begin
  insert into data.email_outbox (booking_id, kind, dedupe_key)
  values (p_booking_id, p_kind, p_dedupe_key)
  on conflict (dedupe_key) do nothing
  returning id into v_id;
  return v_id;
end
$$;

/*
 * Turns a reserved booking's held seats into booked seats and confirms it, queuing the customer
 * confirmation and the staff notification. The seats move within each slot row (held − n,
 * booked + n), so capacity is never in question. Callers hold the booking's locks.
 * Returns the ids of the queued emails.
 */
create function data.confirm_reserved(p_booking data.pending_bookings, p_provider text) returns bigint[]
language plpgsql volatile as $$
begin
  perform 1 from data.slots
    where id in (select slot_id from data.booking_items where booking_id = p_booking.id)
    order by id for update;
  update data.slots s set held = s.held - i.quantity, booked = s.booked + i.quantity
    from data.booking_items i
   where i.booking_id = p_booking.id and s.id = i.slot_id;
  update data.pending_bookings
     set status = 'confirmed', availability_reserved = false, payment_provider = p_provider,
         confirmed_at = now(), updated_at = now()
   where id = p_booking.id;
  insert into data.booking_events (booking_id, type, detail)
  values (p_booking.id, 'confirmed', jsonb_build_object('provider', p_provider,
            'lapsed', p_booking.expires_at <= api.clock_now()));
  return data.queue_confirmation_emails(p_booking);
end
$$;

create function data.queue_confirmation_emails(p_booking data.pending_bookings) returns bigint[]
language plpgsql volatile as $$
begin
  return array_remove(array[
    data.queue_email(p_booking.id, 'confirmation', p_booking.booking_number || ':confirmation'),
    data.queue_email(p_booking.id, 'staff_notification', p_booking.booking_number || ':staff_notification')],
    null);
end
$$;

/*
 * A late payment: the booking's hold is gone (expired or released) but its money arrived. Takes
 * the very same seats again, all or nothing, if every slot still has room, is open and has not
 * started; a resource slot must also get a unit. Returns whether the seats were taken (on false
 * nothing has changed). Lapsed holds on those slots are released first, as any reservation would.
 */
create function data.retake_seats(p_booking data.pending_bookings) returns boolean
language plpgsql volatile as $$
declare
  v_item record;
  v_used int;
begin
  perform data.release_lapsed_on_slots(array(
    select slot_id from data.booking_items where booking_id = p_booking.id));
  begin
    for v_item in
      select i.slot_id, i.quantity, s.starts_at, s.ends_at, e.resource_id
        from data.booking_items i
        join data.slots s on s.id = i.slot_id
        join data.experiences e on e.id = s.experience_id
       where i.booking_id = p_booking.id
       order by i.slot_id
    loop
      update data.slots set booked = booked + v_item.quantity
       where id = v_item.slot_id and is_open and starts_at > api.clock_now()
         and held + booked + v_item.quantity <= capacity
      returning held + booked into v_used;
      if not found then
        raise exception 'slot % has no room' , v_item.slot_id using errcode = 'HF901';
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
comment on function data.retake_seats(data.pending_bookings) is 'All-or-nothing re-take of a lapsed booking''s seats as booked (late payment).';

/*
 * Takes a booking for a system change (a webhook, a job, staff): its advisory lock, then its row
 * lock — no token, the caller is trusted. Returns a row of nulls (id is null) when there is none.
 */
create function data.lock_booking_row(p_booking_number text) returns data.pending_bookings
language plpgsql volatile as $$
declare
  v_booking data.pending_bookings;
begin
  perform data.lock_key('booking', p_booking_number);
  select * into v_booking from data.pending_bookings where booking_number = p_booking_number for update;
  return v_booking;
end
$$;

/*
 * Takes a booking for a change to its live hold: data.lock_booking (locks, token), then HF006
 * when the hold lapsed or was released, HF011 when the booking is paid, cancelled or refunded.
 */
create function data.lock_live_hold(p_booking_number text, p_hold_token text) returns data.pending_bookings
language plpgsql volatile as $$
declare
  v_booking data.pending_bookings := data.lock_booking(p_booking_number, p_hold_token);
begin
  if not v_booking.availability_reserved or v_booking.expires_at <= api.clock_now() then
    if v_booking.status in ('held', 'checkout', 'expired', 'released') then
      raise exception 'the hold on % has expired', p_booking_number using errcode = 'HF006';
    end if;
    raise exception 'booking % is %', p_booking_number, v_booking.status using errcode = 'HF011';
  end if;
  return v_booking;
end
$$;
comment on function data.lock_live_hold(text, text) is 'lock_booking plus "the hold is still live": the entry of every change to a hold.';

/* ----------------------------------------------------------------------------------------------
 * Checkout.
 * -------------------------------------------------------------------------------------------- */
/*
 * The customer submits the contact form. Needs the hold token and a live hold. Saves the contact
 * details, then either
 *   - confirms at once with payment due on arrival (Stripe not configured, or every item's
 *     experience is pay-on-arrival): {"action": "confirmed", "emails": [...], ...booking},
 *   - returns the booking's open Stripe session: {"action": "existing", "url": ...},
 *   - or moves the booking to checkout (the basket is frozen), extends the hold to outlive the
 *     Stripe session (30 min + grace) and returns what the session must contain, computed from
 *     the database's prices: {"action": "create", "generation": n, "checkoutExpiresAt": ..., items}.
 * The generation stays the same while an attempt has no session yet and the contact details are
 * unchanged, so retrying after a failed or lost Stripe call reuses the same idempotency key.
 */
create function api.begin_checkout(
  p_booking_number text,
  p_hold_token text,
  p_customer_name text,
  p_customer_email text,
  p_customer_phone text,
  p_stripe_enabled boolean
) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
  v_now timestamptz := api.clock_now();
  v_online boolean;
  v_contact_changed boolean;
  v_emails bigint[];
begin
  v_booking := data.lock_live_hold(p_booking_number, p_hold_token);
  if not exists (select 1 from data.booking_items where booking_id = v_booking.id) then
    raise exception 'booking % has no items', p_booking_number using errcode = 'HF011';
  end if;

  v_contact_changed := (v_booking.customer_name, v_booking.customer_email, v_booking.customer_phone)
    is distinct from (p_customer_name, p_customer_email, p_customer_phone);
  update data.pending_bookings
     set customer_name = p_customer_name, customer_email = p_customer_email,
         customer_phone = p_customer_phone, updated_at = now()
   where id = v_booking.id
  returning * into v_booking;

  v_online := p_stripe_enabled and exists (
    select 1 from data.booking_items i
      join data.slots s on s.id = i.slot_id
      join data.experiences e on e.id = s.experience_id
     where i.booking_id = v_booking.id and e.payment_mode <> 'on_arrival');

  if not v_online then
    v_emails := data.confirm_reserved(v_booking, 'on_arrival');
    return data.booking_json(v_booking.id) || jsonb_build_object('action', 'confirmed', 'emails', to_jsonb(v_emails));
  end if;

  if v_booking.status = 'checkout' and v_booking.payment_session_url is not null
     and v_booking.checkout_expires_at > now() + interval '2 minutes' and not v_contact_changed then
    return jsonb_build_object('action', 'existing', 'url', v_booking.payment_session_url,
                              'bookingNumber', v_booking.booking_number);
  end if;

  if v_booking.status = 'held' or v_booking.payment_session_url is not null or v_contact_changed then
    -- A new attempt: a new idempotency key, a session expiry Stripe accepts (30 min to 24 h
    -- from now by Stripe's clock, which is the real one: now(), not the test clock).
    update data.pending_bookings
       set status = 'checkout', checkout_generation = checkout_generation + 1,
           payment_provider = 'stripe', payment_session_id = null, payment_session_url = null,
           checkout_expires_at = date_trunc('second', now()) + interval '31 minutes',
           expires_at = greatest(expires_at, v_now + interval '33 minutes'), updated_at = now()
     where id = v_booking.id
    returning * into v_booking;
    insert into data.booking_events (booking_id, type, detail)
    values (v_booking.id, 'checkout_started', jsonb_build_object('generation', v_booking.checkout_generation,
              'expiresAt', v_booking.expires_at));
  end if;

  return data.booking_json(v_booking.id) || jsonb_build_object(
    'action', 'create',
    'generation', v_booking.checkout_generation,
    'checkoutExpiresAt', v_booking.checkout_expires_at,
    'customerEmail', v_booking.customer_email,
    'itemsDetail', (
      select jsonb_agg(jsonb_build_object(
               'experienceName', e.name, 'startsAt', s.starts_at, 'endsAt', s.ends_at, 'timezone', e.timezone,
               'quantity', i.quantity, 'unitPriceMinor', i.unit_price_minor) order by s.starts_at, i.id)
        from data.booking_items i
        join data.slots s on s.id = i.slot_id
        join data.experiences e on e.id = s.experience_id
       where i.booking_id = v_booking.id));
end
$$;
comment on function api.begin_checkout(text, text, text, text, text, boolean) is 'Contact form submitted: confirm with pay-on-arrival, or prepare (idempotently) a Stripe Checkout Session from database prices (Flow 3).';

/* Records the Stripe session made for a checkout attempt. False when the attempt is stale. */
create function api.attach_checkout_session(p_booking_number text, p_generation int, p_session_id text, p_url text)
returns boolean
language plpgsql volatile
set lock_timeout = '5s'
as $$
begin
  perform data.lock_key('booking', p_booking_number);
  update data.pending_bookings
     set payment_session_id = p_session_id, payment_session_url = p_url, updated_at = now()
   where booking_number = p_booking_number and checkout_generation = p_generation
     and status = 'checkout' and availability_reserved;
  return found;
end
$$;
comment on function api.attach_checkout_session(text, int, text, text) is 'Stores the Checkout Session of the current checkout attempt.';

/* Stripe could not make the session: the booking goes back to held so the basket can change. */
create function api.abort_checkout(p_booking_number text, p_generation int) returns boolean
language plpgsql volatile
set lock_timeout = '5s'
as $$
begin
  perform data.lock_key('booking', p_booking_number);
  update data.pending_bookings set status = 'held', updated_at = now()
   where booking_number = p_booking_number and checkout_generation = p_generation
     and status = 'checkout' and payment_session_id is null and availability_reserved;
  return found;
end
$$;
comment on function api.abort_checkout(text, int) is 'Undoes begin_checkout''s freeze after Stripe refused or could not be reached.';

/* ----------------------------------------------------------------------------------------------
 * Payment events (called by the webhook, inside the transaction that records the event).
 * -------------------------------------------------------------------------------------------- */
/*
 * Money arrived for a booking (checkout.session.completed with payment_status paid, or
 * async_payment_succeeded). Outcomes:
 *   confirmed       the hold was live (or lapsed but not yet released): seats become booked;
 *   late_confirmed  the hold was gone but the same seats were free: taken again, confirmed;
 *   refund_due      the seats are gone: nothing is taken, the payment must be refunded;
 *   duplicate       this payment was applied before;
 *   duplicate_payment  the booking is already paid (or cancelled) by other means: refund this one;
 *   unknown_booking no such booking (logged by the caller; nothing to change).
 * Returns {"outcome", "bookingNumber", "emails": [outbox ids], "refund": bool}.
 */
create function api.apply_payment(
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
comment on function api.apply_payment(text, text, text, bigint, text) is 'Payment arrived: confirm, re-take lapsed seats, or mark refund_due (invariant 3).';

/*
 * A checkout session expired or its asynchronous payment failed: release the hold, if the
 * booking is still waiting on that very session. A booking already paid, or a session that was
 * replaced by a newer attempt, is left alone.
 */
create function api.release_checkout(p_booking_number text, p_session_id text) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
begin
  if p_booking_number is null then
    return jsonb_build_object('outcome', 'unknown_booking');
  end if;
  v_booking := data.lock_booking_row(p_booking_number);
  if v_booking.id is null then
    return jsonb_build_object('outcome', 'unknown_booking', 'bookingNumber', p_booking_number);
  end if;
  if v_booking.availability_reserved and v_booking.payment_session_id is not distinct from p_session_id then
    perform data.release_bookings(array[v_booking.id], 'released', 'payment');
    return jsonb_build_object('outcome', 'released', 'bookingNumber', p_booking_number);
  end if;
  return jsonb_build_object('outcome', 'ignored', 'bookingNumber', p_booking_number, 'status', v_booking.status);
end
$$;
comment on function api.release_checkout(text, text) is 'Checkout session expired or async payment failed: release the hold it was waiting on.';

/*
 * Stripe reports a refund on a payment (charge.refunded; amount_refunded is cumulative). A full
 * refund of a confirmed booking cancels it and frees its seats; a partial one is recorded; a
 * refund of a refund_due booking completes it.
 */
create function api.apply_charge_refunded(p_payment_intent text, p_amount_refunded bigint, p_fully boolean)
returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
begin
  select * into v_booking from data.pending_bookings where payment_intent_id = p_payment_intent;
  if not found then
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
comment on function api.apply_charge_refunded(text, bigint, boolean) is 'charge.refunded: a full refund cancels a booking and frees its seats.';

/* Gives back a confirmed booking's seats (and resource units). Callers hold the booking's locks. */
create function data.free_booked_seats(p_booking_id bigint) returns void
language plpgsql volatile as $$
begin
  perform 1 from data.slots
    where id in (select slot_id from data.booking_items where booking_id = p_booking_id)
    order by id for update;
  update data.slots s set booked = s.booked - i.quantity
    from data.booking_items i
   where i.booking_id = p_booking_id and s.id = i.slot_id;
  delete from data.resource_allocations a
   using data.booking_items i, data.slots s
   where i.booking_id = p_booking_id and s.id = i.slot_id and a.slot_id = s.id and s.held + s.booked = 0;
end
$$;

/*
 * The refund job succeeded at Stripe. A refund of the booking's own payment finishes a
 * refund_due booking; a refund of a duplicate payment only goes into the history.
 */
create function api.record_refund(p_booking_number text, p_payment_intent text, p_refund_id text, p_amount_minor bigint)
returns jsonb
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
  if exists (select 1 from data.booking_events
              where booking_id = v_booking.id and type = 'refunded' and detail->>'refundId' = p_refund_id) then
    return jsonb_build_object('outcome', 'duplicate', 'status', v_booking.status);
  end if;
  if v_booking.payment_intent_id is not distinct from p_payment_intent then
    update data.pending_bookings
       set refund_id = p_refund_id, refunded_minor = greatest(refunded_minor, p_amount_minor),
           status = case when status = 'refund_due' then 'refunded' else status end, updated_at = now()
     where id = v_booking.id
    returning * into v_booking;
  end if;
  insert into data.booking_events (booking_id, type, tier, detail)
  values (v_booking.id, 'refunded', 'payment', jsonb_build_object('refundId', p_refund_id,
            'paymentIntent', p_payment_intent, 'amountMinor', p_amount_minor,
            'duplicatePayment', v_booking.payment_intent_id is distinct from p_payment_intent));
  return jsonb_build_object('outcome', 'recorded', 'status', v_booking.status);
end
$$;
comment on function api.record_refund(text, text, text, bigint) is 'Records a refund the app made through Stripe (late payment or duplicate payment).';

/* What a refund job needs: the payment to refund and how much is still unrefunded. */
create function api.refund_target(p_booking_number text) returns jsonb
language plpgsql stable as $$
begin
  return (select jsonb_build_object('bookingNumber', booking_number, 'status', status,
                   'paymentIntent', payment_intent_id, 'paidMinor', paid_minor,
                   'refundedMinor', refunded_minor, 'currency', currency, 'refundId', refund_id)
            from data.pending_bookings where booking_number = p_booking_number);
end
$$;

/* ----------------------------------------------------------------------------------------------
 * Stripe event log: record once, mark processed in the same transaction as the effect.
 * -------------------------------------------------------------------------------------------- */
/*
 * Records a delivery of a Stripe event and takes its row lock, so concurrent deliveries of one
 * event run one after another. Returns true when the event still needs processing (first
 * delivery, or an earlier delivery failed), false when it was already processed.
 */
create function api.record_stripe_event(p_id text, p_type text, p_payload jsonb) returns boolean
language plpgsql volatile
set lock_timeout = '10s'
as $$
declare
  v_processed timestamptz;
begin
  insert into data.stripe_events (id, type, payload, deliveries)
  values (p_id, p_type, p_payload, 0)
  on conflict (id) do nothing;
  update data.stripe_events set deliveries = deliveries + 1 where id = p_id
  returning processed_at into v_processed;
  return v_processed is null;
end
$$;
comment on function api.record_stripe_event(text, text, jsonb) is 'Webhook idempotency: one row per event id, locked while it is processed.';

create function api.finish_stripe_event(p_id text, p_outcome text, p_booking_number text) returns void
language sql volatile as $$
  update data.stripe_events
     set processed_at = now(), outcome = p_outcome, booking_number = p_booking_number, last_error = null
   where id = p_id
$$;

/* Keeps why a delivery failed; called outside the failed transaction. */
create function api.fail_stripe_event(p_id text, p_type text, p_payload jsonb, p_error text) returns void
language sql volatile as $$
  insert into data.stripe_events (id, type, payload, last_error)
  values (p_id, p_type, p_payload, left(p_error, 2000))
  on conflict (id) do update set last_error = excluded.last_error, deliveries = data.stripe_events.deliveries + 1
$$;

/* ----------------------------------------------------------------------------------------------
 * The email outbox, for the send-email job.
 * -------------------------------------------------------------------------------------------- */
/* Everything an email about a booking shows (emails/render.ts EmailBooking). */
create function api.email_content(p_outbox_id bigint) returns jsonb
language plpgsql stable as $$
begin
  return (select jsonb_build_object(
    'outboxId', o.id, 'kind', o.kind, 'status', o.status, 'attempts', o.attempts,
    'rendered', o.html is not null, 'recipient', o.recipient,
    'booking', jsonb_build_object(
      'bookingNumber', b.booking_number, 'customerName', coalesce(b.customer_name, ''),
      'customerEmail', coalesce(b.customer_email, ''), 'customerPhone', b.customer_phone,
      'totalMinor', b.total_minor, 'currency', coalesce(b.currency, 'EUR'),
      'paymentProvider', coalesce(b.payment_provider, 'on_arrival'),
      'items', coalesce((
        select jsonb_agg(jsonb_build_object(
                 'experienceName', e.name, 'experienceSlug', e.slug, 'startsAt', s.starts_at,
                 'endsAt', s.ends_at, 'timezone', e.timezone, 'quantity', i.quantity,
                 'unitPriceMinor', i.unit_price_minor, 'whatToBring', e.what_to_bring)
               order by s.starts_at, i.id)
          from data.booking_items i
          join data.slots s on s.id = i.slot_id
          join data.experiences e on e.id = s.experience_id
         where i.booking_id = b.id), '[]'::jsonb)))
    from data.email_outbox o join data.pending_bookings b on b.id = o.booking_id
   where o.id = p_outbox_id);
end
$$;

create function api.store_rendered_email(
  p_outbox_id bigint, p_recipient text, p_subject text, p_html text, p_text text, p_attachments jsonb
) returns void
language sql volatile as $$
  update data.email_outbox
     set recipient = p_recipient, subject = p_subject, html = p_html, text_body = p_text,
         attachments = p_attachments, rendered_at = now(), updated_at = now()
   where id = p_outbox_id and html is null
$$;

/* One delivery attempt's result: sent, not_sent (no provider/recipient), failed (final), or a retry. */
create function api.record_email_attempt(p_outbox_id bigint, p_status text, p_provider_id text, p_error text)
returns void
language plpgsql volatile as $$
begin
  if p_status not in ('queued', 'sent', 'not_sent', 'failed') then
    raise exception 'unknown email status %', p_status using errcode = 'HF012';
  end if;
  update data.email_outbox
     set status = p_status,
         attempts = attempts + case when p_status = 'not_sent' then 0 else 1 end,
         provider_id = coalesce(p_provider_id, provider_id),
         last_error = p_error,
         sent_at = case when p_status = 'sent' then now() else sent_at end,
         updated_at = now()
   where id = p_outbox_id and status <> 'sent';
end
$$;
