-- Up Migration

/*
 * Bookings in the staff area: find a booking, read all of it, cancel it, refund it (in full or
 * in part) through Stripe, send its confirmation again, and book a phone or walk-in customer who
 * pays on arrival.
 *
 * Callers are checked by the app (lib/current-staff.ts) before any of these is called; the
 * staff member's id is recorded with every change they make. Locking as in 0001: a booking is
 * changed under its advisory lock (data.lock_key) and row lock; slots are taken by the same
 * conditional UPDATE as a reservation, in slot id order.
 *
 * Money: cancelling never refunds by itself. A refund is a separate, explicit staff request
 * (data.refund_requests) that the app turns into a `refund-payment` job in the same
 * transaction; the job asks Stripe and reports back (api.record_staff_refund or
 * api.fail_staff_refund). A refund that brings the refunded total to the amount paid ends the
 * booking as `refunded` and frees its seats — what the charge.refunded webhook does too, so
 * either may arrive first.
 */

alter table data.booking_events drop constraint booking_events_type_check;
alter table data.booking_events add constraint booking_events_type_check check (type in (
  'reserved', 'item_removed', 'conflict', 'released', 'expired', 'checkout_started', 'confirmed',
  'late_payment_reacquired', 'refund_due', 'refunded', 'cancelled', 'duplicate_payment',
  'refund_requested', 'refund_failed', 'confirmation_resent'));

create index pending_bookings_created_idx on data.pending_bookings (created_at desc, id desc);

/* ----------------------------------------------------------------------------------------------
 * Staff refund requests.
 * -------------------------------------------------------------------------------------------- */
create table data.refund_requests (
  id bigint generated always as identity primary key,
  booking_id bigint not null references data.pending_bookings,
  payment_intent_id text not null,
  amount_minor bigint not null check (amount_minor > 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  reason text not null default '' check (length(reason) <= 500),
  staff_id bigint not null references data.staff_accounts,
  status text not null default 'requested' check (status in ('requested', 'succeeded', 'failed')),
  refund_id text,
  last_error text,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  constraint refund_requests_done_has_id check (status <> 'succeeded' or refund_id is not null)
);
comment on table data.refund_requests is 'Refunds staff asked for, one row each (several partial refunds are several rows). The row id is part of the Stripe idempotency key, so two separate refunds of the same amount are two refunds, and a retried job is one.';
create index refund_requests_booking_idx on data.refund_requests (booking_id);

/*
 * What is left to refund of a booking's payment: paid − refunded − refunds asked for and not
 * yet answered. Callers hold the booking's row lock, so two staff cannot both ask for the rest.
 */
create function data.refundable_minor(p_booking data.pending_bookings) returns bigint
language plpgsql stable as $$
begin
  if p_booking.payment_provider is distinct from 'stripe' or p_booking.payment_intent_id is null then
    return 0;
  end if;
  return greatest(0, p_booking.paid_minor - p_booking.refunded_minor - coalesce((
    select sum(amount_minor) from data.refund_requests
     where booking_id = p_booking.id and status = 'requested'), 0));
end
$$;
comment on function data.refundable_minor(data.pending_bookings) is 'Paid minus refunded minus refunds in flight: the most staff may still refund.';

/* Takes a booking for a staff change: advisory lock, row lock; HF004 when unknown. */
create function data.lock_booking_for_staff(p_booking_number text) returns data.pending_bookings
language plpgsql volatile as $$
declare
  v_booking data.pending_bookings := data.lock_booking_row(p_booking_number);
begin
  if v_booking.id is null then
    raise exception 'booking % not found', p_booking_number using errcode = 'HF004';
  end if;
  return v_booking;
end
$$;
comment on function data.lock_booking_for_staff(text) is 'The staff entry to a booking change: the same locks as a customer change, no hold token.';

/* ----------------------------------------------------------------------------------------------
 * Reading: the list and the detail.
 * -------------------------------------------------------------------------------------------- */
/*
 * Bookings for the staff list, newest first. p_query matches a booking number by prefix or a
 * customer's name or email anywhere (case-insensitive); p_status is one status or null; p_from
 * and p_to are local dates: a booking matches when any of its items starts on such a date on
 * its experience's own clock. Returns {"total": n, "rows": [...]} with n counted before paging.
 */
create function api.admin_search_bookings(
  p_query text default null,
  p_status text default null,
  p_from date default null,
  p_to date default null,
  p_limit int default 25,
  p_offset int default 0
) returns jsonb
language plpgsql stable as $$
declare
  v_query text := nullif(trim(coalesce(p_query, '')), '');
  v_like text;
  v_limit int := least(greatest(coalesce(p_limit, 25), 1), 200);
  v_offset int := greatest(coalesce(p_offset, 0), 0);
  v_result jsonb;
begin
  if p_status is not null and p_status not in
     ('held', 'checkout', 'confirmed', 'expired', 'released', 'cancelled', 'refunded', 'refund_due') then
    raise exception 'unknown status %', p_status using errcode = 'HF037';
  end if;
  if p_from is not null and p_to is not null and p_to < p_from then
    raise exception 'the date range runs backwards' using errcode = 'HF015';
  end if;
  if length(v_query) > 200 then
    raise exception 'the search text is too long' using errcode = 'HF037';
  end if;
  -- LIKE's own wildcards in what staff typed are matched literally.
  v_like := replace(replace(replace(v_query, '\', '\\'), '%', '\%'), '_', '\_');

  with matched as (
    select b.*, count(*) over () as total
      from data.pending_bookings b
     where (v_query is null
            or b.booking_number like upper(v_like) || '%'
            or b.customer_name ilike '%' || v_like || '%'
            or b.customer_email ilike '%' || v_like || '%')
       and (p_status is null or b.status = p_status)
       and (p_from is null and p_to is null or exists (
             select 1 from data.booking_items i
               join data.slots s on s.id = i.slot_id
               join data.experiences e on e.id = s.experience_id
              where i.booking_id = b.id
                and (p_from is null or (s.starts_at at time zone e.timezone)::date >= p_from)
                and (p_to is null or (s.starts_at at time zone e.timezone)::date <= p_to)))
     order by b.created_at desc, b.id desc
     limit v_limit offset v_offset
  )
  select jsonb_build_object(
           'total', coalesce(max(m.total), 0),
           'rows', coalesce(jsonb_agg(jsonb_build_object(
             'bookingNumber', m.booking_number, 'status', m.status,
             'customerName', m.customer_name, 'customerEmail', m.customer_email,
             'customerPhone', m.customer_phone, 'paymentProvider', m.payment_provider,
             'totalMinor', m.total_minor, 'paidMinor', m.paid_minor, 'refundedMinor', m.refunded_minor,
             'currency', m.currency, 'createdAt', m.created_at,
             'people', x.people, 'itemCount', x.item_count, 'experiences', x.experiences,
             'firstStartsAt', x.first_starts_at,
             'localFirstStartsAt', data.local_iso(x.first_starts_at, x.first_zone),
             'firstTimezone', x.first_zone)
           order by m.created_at desc, m.id desc), '[]'::jsonb))
    into v_result
    from matched m
   cross join lateral (
     select coalesce(sum(i.quantity), 0)::int as people, count(*)::int as item_count,
            coalesce(jsonb_agg(distinct e.name), '[]'::jsonb) as experiences,
            min(s.starts_at) as first_starts_at,
            (array_agg(e.timezone order by s.starts_at, i.id))[1] as first_zone
       from data.booking_items i
       join data.slots s on s.id = i.slot_id
       join data.experiences e on e.id = s.experience_id
      where i.booking_id = m.id) x;

  -- An offset past the end still reports the total, so the page can say how many there are.
  if (v_result->>'total')::bigint = 0 and v_offset > 0 then
    v_result := jsonb_set(v_result, '{total}', to_jsonb((
      select count(*) from data.pending_bookings b
       where (v_query is null
              or b.booking_number like upper(v_like) || '%'
              or b.customer_name ilike '%' || v_like || '%'
              or b.customer_email ilike '%' || v_like || '%')
         and (p_status is null or b.status = p_status)
         and (p_from is null and p_to is null or exists (
               select 1 from data.booking_items i
                 join data.slots s on s.id = i.slot_id
                 join data.experiences e on e.id = s.experience_id
                where i.booking_id = b.id
                  and (p_from is null or (s.starts_at at time zone e.timezone)::date >= p_from)
                  and (p_to is null or (s.starts_at at time zone e.timezone)::date <= p_to))))));
  end if;
  return v_result || jsonb_build_object(
    'limit', v_limit, 'offset', v_offset,
    'refundDue', (select count(*) from data.pending_bookings where status = 'refund_due'));
end
$$;
comment on function api.admin_search_bookings(text, text, date, date, int, int) is 'Staff booking list: search by number prefix, name or email; filter by status and local start date; paged, with the total and the number of refund_due bookings.';

/*
 * One booking with everything staff may need: contact and money, items on their experiences'
 * clocks, refund requests, Stripe events, emails and the whole event history. Times of the
 * history are also given on the clock of the booking's first item (or UTC), computed here so
 * the page only prints them. Null when there is no such booking.
 */
create function api.admin_booking_detail(p_booking_number text) returns jsonb
language plpgsql stable as $$
declare
  v_booking data.pending_bookings;
  v_zone text;
begin
  select * into v_booking from data.pending_bookings where booking_number = p_booking_number;
  if not found then
    return null;
  end if;
  select coalesce((select e.timezone from data.booking_items i
                     join data.slots s on s.id = i.slot_id
                     join data.experiences e on e.id = s.experience_id
                    where i.booking_id = v_booking.id
                    order by s.starts_at, i.id limit 1), 'UTC') into v_zone;

  return data.booking_json(v_booking.id) || jsonb_build_object(
    'customerName', v_booking.customer_name,
    'customerEmail', v_booking.customer_email,
    'customerPhone', v_booking.customer_phone,
    'paymentIntentId', v_booking.payment_intent_id,
    'paymentSessionId', v_booking.payment_session_id,
    'paidMinor', v_booking.paid_minor,
    'refundedMinor', v_booking.refunded_minor,
    'refundableMinor', data.refundable_minor(v_booking),
    'createdAt', v_booking.created_at,
    'localCreatedAt', data.local_iso(v_booking.created_at, v_zone),
    'confirmedAt', v_booking.confirmed_at,
    'localConfirmedAt', data.local_iso(v_booking.confirmed_at, v_zone),
    'localExpiresAt', data.local_iso(v_booking.expires_at, v_zone),
    'zone', v_zone,
    'refundRequests', coalesce((
      select jsonb_agg(jsonb_build_object(
               'id', r.id, 'amountMinor', r.amount_minor, 'currency', r.currency, 'reason', r.reason,
               'status', r.status, 'refundId', r.refund_id, 'lastError', r.last_error,
               'staffName', a.name, 'createdAt', r.created_at,
               'localCreatedAt', data.local_iso(r.created_at, v_zone))
             order by r.id)
        from data.refund_requests r join data.staff_accounts a on a.id = r.staff_id
       where r.booking_id = v_booking.id), '[]'::jsonb),
    'payments', coalesce((
      select jsonb_agg(jsonb_build_object(
               'eventId', se.id, 'type', se.type, 'outcome', se.outcome, 'deliveries', se.deliveries,
               'lastError', se.last_error, 'receivedAt', se.received_at,
               'localReceivedAt', data.local_iso(se.received_at, v_zone),
               'processed', se.processed_at is not null)
             order by se.received_at, se.id)
        from data.stripe_events se
       where se.booking_number = v_booking.booking_number), '[]'::jsonb),
    'emails', coalesce((
      select jsonb_agg(jsonb_build_object(
               'outboxId', o.id, 'kind', o.kind, 'status', o.status, 'recipient', o.recipient,
               'subject', o.subject, 'attempts', o.attempts, 'lastError', o.last_error,
               'createdAt', o.created_at, 'localCreatedAt', data.local_iso(o.created_at, v_zone),
               'localSentAt', data.local_iso(o.sent_at, v_zone))
             order by o.id)
        from data.email_outbox o
       where o.booking_id = v_booking.id), '[]'::jsonb),
    'events', coalesce((
      select jsonb_agg(jsonb_build_object(
               'id', ev.id, 'type', ev.type, 'tier', ev.tier, 'slotId', ev.slot_id,
               'quantity', ev.quantity, 'detail', ev.detail, 'occurredAt', ev.occurred_at,
               'localOccurredAt', data.local_iso(ev.occurred_at, v_zone),
               'staffName', st.name)
             order by ev.occurred_at, ev.id)
        from data.booking_events ev
        left join data.staff_accounts st
          on ev.detail ? 'staffId' and jsonb_typeof(ev.detail->'staffId') = 'number'
         and st.id = (ev.detail->>'staffId')::bigint
       where ev.booking_id = v_booking.id), '[]'::jsonb));
end
$$;
comment on function api.admin_booking_detail(text) is 'Staff booking page: the booking, items (local times), refunds, Stripe events, emails and every event.';

/* ----------------------------------------------------------------------------------------------
 * Cancelling.
 * -------------------------------------------------------------------------------------------- */
/*
 * Staff cancel a booking. Confirmed → cancelled, its booked seats (and resource units) freed;
 * a live hold (held or in checkout) → released with tier `staff`. Money is not touched: a
 * booking paid through Stripe stays paid until staff refund it (api.staff_request_refund). A
 * booking already cancelled or released is returned as it is; expired, refunded and refund_due
 * bookings hold no seats to free (HF032). Returns the booking plus
 * {"outcome": "cancelled" | "released" | "unchanged", "refundableMinor": n}.
 */
create function api.staff_cancel_booking(p_booking_number text, p_staff_id bigint, p_reason text default null)
returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
  v_reason text := nullif(trim(coalesce(p_reason, '')), '');
  v_outcome text;
begin
  if length(v_reason) > 500 then
    raise exception 'the reason is too long' using errcode = 'HF037';
  end if;
  v_booking := data.lock_booking_for_staff(p_booking_number);
  if v_booking.availability_reserved then
    perform data.release_bookings(array[v_booking.id], 'released', 'staff',
      jsonb_build_object('staffId', p_staff_id, 'reason', v_reason, 'cancelled', true));
    v_outcome := 'released';
  elsif v_booking.status = 'confirmed' then
    perform data.free_booked_seats(v_booking.id);
    update data.pending_bookings set status = 'cancelled', updated_at = now() where id = v_booking.id
    returning * into v_booking;
    insert into data.booking_events (booking_id, type, tier, quantity, detail)
    values (v_booking.id, 'cancelled', 'staff',
            (select sum(quantity) from data.booking_items where booking_id = v_booking.id),
            jsonb_build_object('staffId', p_staff_id, 'reason', v_reason,
                               'paymentProvider', v_booking.payment_provider,
                               'paidMinor', v_booking.paid_minor, 'refundedMinor', v_booking.refunded_minor));
    v_outcome := 'cancelled';
  elsif v_booking.status in ('cancelled', 'released') then
    v_outcome := 'unchanged';
  else
    raise exception 'booking % is %; there is nothing to cancel', p_booking_number, v_booking.status
      using errcode = 'HF032', detail = json_build_object('status', v_booking.status)::text;
  end if;
  select * into v_booking from data.pending_bookings where id = v_booking.id;
  return data.booking_json(v_booking.id) || jsonb_build_object(
    'outcome', v_outcome, 'refundableMinor', data.refundable_minor(v_booking));
end
$$;
comment on function api.staff_cancel_booking(text, bigint, text) is 'Staff cancel a confirmed booking (seats freed, money untouched) or release a live hold (tier staff).';

/* ----------------------------------------------------------------------------------------------
 * Refunds.
 * -------------------------------------------------------------------------------------------- */
/*
 * Staff ask for a refund of part or all of a Stripe payment. Only bookings paid through Stripe
 * and still confirmed or cancelled (HF030); 0 < amount <= paid − refunded − refunds in flight
 * (HF031, detail {"maxMinor": n}). Records the request and a `refund_requested` event and
 * returns what the refund-payment job needs: {"requestId", "bookingNumber", "paymentIntent",
 * "amountMinor", "currency"}. The caller queues the job in the same transaction.
 */
create function api.staff_request_refund(
  p_booking_number text, p_staff_id bigint, p_amount_minor bigint, p_reason text default null
) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
  v_max bigint;
  v_reason text := coalesce(nullif(trim(coalesce(p_reason, '')), ''), '');
  v_id bigint;
begin
  if length(v_reason) > 500 then
    raise exception 'the reason is too long' using errcode = 'HF037';
  end if;
  v_booking := data.lock_booking_for_staff(p_booking_number);
  if v_booking.payment_provider is distinct from 'stripe' or v_booking.payment_intent_id is null
     or v_booking.paid_minor = 0 then
    raise exception 'booking % was not paid through Stripe', p_booking_number
      using errcode = 'HF030', detail = json_build_object('status', v_booking.status)::text;
  end if;
  if v_booking.status not in ('confirmed', 'cancelled') then
    raise exception 'booking % is %; it cannot be refunded by staff', p_booking_number, v_booking.status
      using errcode = 'HF030', detail = json_build_object('status', v_booking.status)::text;
  end if;
  v_max := data.refundable_minor(v_booking);
  if v_max = 0 then
    raise exception 'booking % has nothing left to refund', p_booking_number
      using errcode = 'HF030', detail = json_build_object('status', v_booking.status, 'maxMinor', 0)::text;
  end if;
  if p_amount_minor is null or p_amount_minor <= 0 or p_amount_minor > v_max then
    raise exception 'the refund must be more than 0 and at most % (minor units)', v_max
      using errcode = 'HF031', detail = json_build_object('maxMinor', v_max)::text;
  end if;

  insert into data.refund_requests (booking_id, payment_intent_id, amount_minor, currency, reason, staff_id)
  values (v_booking.id, v_booking.payment_intent_id, p_amount_minor, v_booking.currency, v_reason, p_staff_id)
  returning id into v_id;
  insert into data.booking_events (booking_id, type, tier, detail)
  values (v_booking.id, 'refund_requested', 'staff', jsonb_build_object(
            'staffId', p_staff_id, 'requestId', v_id, 'amountMinor', p_amount_minor,
            'reason', nullif(v_reason, ''), 'full', p_amount_minor = v_booking.paid_minor - v_booking.refunded_minor));
  return jsonb_build_object('requestId', v_id, 'bookingNumber', v_booking.booking_number,
                            'paymentIntent', v_booking.payment_intent_id, 'amountMinor', p_amount_minor,
                            'currency', v_booking.currency);
end
$$;
comment on function api.staff_request_refund(text, bigint, bigint, text) is 'Staff ask for a full or partial Stripe refund; the app queues the refund-payment job with it.';

/*
 * A staff refund request, row-locked after its booking's locks (booking first, as every change to
 * a booking takes them). HF036 when there is no such request.
 */
create function data.lock_refund_request(p_request_id bigint) returns data.refund_requests
language plpgsql volatile as $$
declare
  v_number text;
  v_request data.refund_requests;
begin
  select b.booking_number into v_number
    from data.refund_requests r join data.pending_bookings b on b.id = r.booking_id
   where r.id = p_request_id;
  if not found then
    raise exception 'refund request % not found', p_request_id using errcode = 'HF036';
  end if;
  perform data.lock_booking_for_staff(v_number);
  select * into v_request from data.refund_requests where id = p_request_id for update;
  return v_request;
end
$$;

/*
 * The refund job made a staff refund at Stripe. Idempotent per request. The booking's refunded
 * total becomes at least the sum of its succeeded staff refunds (charge.refunded, whose amount
 * is cumulative, may have raised it already); when it reaches the amount paid, a confirmed
 * booking is ended as `refunded` with its seats freed and a cancelled one is marked `refunded`.
 */
create function api.record_staff_refund(p_request_id bigint, p_refund_id text, p_amount_minor bigint)
returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_request data.refund_requests;
  v_booking data.pending_bookings;
begin
  v_request := data.lock_refund_request(p_request_id);
  select * into v_booking from data.pending_bookings where id = v_request.booking_id;
  if v_request.status = 'succeeded' then
    return jsonb_build_object('outcome', 'duplicate', 'status', v_booking.status);
  end if;

  update data.refund_requests
     set status = 'succeeded', refund_id = p_refund_id, amount_minor = p_amount_minor,
         last_error = null, completed_at = now()
   where id = p_request_id;
  update data.pending_bookings
     set refund_id = p_refund_id,
         refunded_minor = greatest(refunded_minor, (select sum(amount_minor) from data.refund_requests
                                                     where booking_id = v_booking.id and status = 'succeeded')),
         updated_at = now()
   where id = v_booking.id
  returning * into v_booking;
  insert into data.booking_events (booking_id, type, tier, detail)
  values (v_booking.id, 'refunded', 'staff', jsonb_build_object(
            'refundId', p_refund_id, 'requestId', p_request_id, 'amountMinor', p_amount_minor,
            'staffId', v_request.staff_id, 'paymentIntent', v_request.payment_intent_id,
            'refundedMinor', v_booking.refunded_minor, 'previousStatus', v_booking.status));

  if v_booking.refunded_minor >= v_booking.paid_minor then
    if v_booking.status = 'confirmed' then
      perform data.free_booked_seats(v_booking.id);
    end if;
    if v_booking.status in ('confirmed', 'cancelled') then
      update data.pending_bookings set status = 'refunded', updated_at = now()
       where id = v_booking.id
      returning * into v_booking;
    end if;
  end if;
  return jsonb_build_object('outcome', 'recorded', 'status', v_booking.status,
                            'refundedMinor', v_booking.refunded_minor);
end
$$;
comment on function api.record_staff_refund(bigint, text, bigint) is 'A staff refund succeeded at Stripe: record it; in full, the booking ends refunded with its seats freed.';

/* Stripe refused a staff refund for good (e.g. more than is left on the charge): say so. */
create function api.fail_staff_refund(p_request_id bigint, p_error text) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_request data.refund_requests;
begin
  v_request := data.lock_refund_request(p_request_id);
  update data.refund_requests
     set status = 'failed', last_error = left(p_error, 2000), completed_at = now()
   where id = p_request_id and status = 'requested';
  if found then
    insert into data.booking_events (booking_id, type, tier, detail)
    values (v_request.booking_id, 'refund_failed', 'staff', jsonb_build_object(
              'requestId', p_request_id, 'amountMinor', v_request.amount_minor,
              'staffId', v_request.staff_id, 'error', left(p_error, 500)));
  end if;
  return jsonb_build_object('outcome', case when found then 'failed' else 'unchanged' end);
end
$$;
comment on function api.fail_staff_refund(bigint, text) is 'A staff refund Stripe will not make: the request is marked failed, the amount refundable again.';

/* ----------------------------------------------------------------------------------------------
 * Resending the confirmation.
 * -------------------------------------------------------------------------------------------- */
/*
 * Queues the customer confirmation of a confirmed booking once more (a new outbox row, dedupe
 * key <number>:confirmation:resend:<n>) and logs `confirmation_resent`. Returns {"outboxId"};
 * the caller queues the send-email job in the same transaction. HF035 when the booking is not
 * confirmed or has no email address.
 */
create function api.staff_resend_confirmation(p_booking_number text, p_staff_id bigint) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_booking data.pending_bookings;
  v_n int;
  v_id bigint;
begin
  v_booking := data.lock_booking_for_staff(p_booking_number);
  if v_booking.status <> 'confirmed' then
    raise exception 'booking % is %; only a confirmed booking has a confirmation to send', p_booking_number, v_booking.status
      using errcode = 'HF035', detail = json_build_object('status', v_booking.status)::text;
  end if;
  if nullif(trim(coalesce(v_booking.customer_email, '')), '') is null then
    raise exception 'booking % has no email address', p_booking_number using errcode = 'HF035';
  end if;
  select count(*) + 1 into v_n from data.email_outbox
   where booking_id = v_booking.id and dedupe_key like v_booking.booking_number || ':confirmation:resend:%';
  v_id := data.queue_email(v_booking.id, 'confirmation', v_booking.booking_number || ':confirmation:resend:' || v_n);
  insert into data.booking_events (booking_id, type, tier, detail)
  values (v_booking.id, 'confirmation_resent', 'staff',
          jsonb_build_object('staffId', p_staff_id, 'outboxId', v_id, 'recipient', v_booking.customer_email));
  return jsonb_build_object('outboxId', v_id, 'bookingNumber', v_booking.booking_number,
                            'recipient', v_booking.customer_email);
end
$$;
comment on function api.staff_resend_confirmation(text, bigint) is 'Queues a booking''s confirmation email again (new outbox row) for the send-email job.';

/* ----------------------------------------------------------------------------------------------
 * Phone and walk-in bookings.
 * -------------------------------------------------------------------------------------------- */
/*
 * Books a phone or walk-in customer at once, paid on arrival. p_items is a JSON array of
 * {"slotId", "quantity"} (the same slot twice adds up). Each slot's seats are taken as booked by
 * the same conditional UPDATE as a reservation (held + booked + n <= capacity, slot open), in
 * slot id order, releasing lapsed holds on a full slot first and trying once more; the first
 * seat on a resource slot takes a unit. All or nothing: a slot without room raises HF001
 * (detail {"slotId", "remaining"}), a resource taken elsewhere HF010, a closed or started slot
 * HF003, and nothing is kept.
 *
 * Unlike a customer, staff may book past an experience's booking cut-off (until the start) and
 * beyond its people-per-booking limit (up to capacity). The confirmation and staff emails are
 * queued as for any confirmed booking; returns the booking plus {"emails": [outbox ids]}.
 */
create function api.staff_create_booking(
  p_items jsonb,
  p_customer_name text,
  p_customer_email text,
  p_customer_phone text,
  p_staff_id bigint,
  p_channel text default 'walk_in'
) returns jsonb
language plpgsql volatile
set lock_timeout = '5s'
as $$
declare
  v_now timestamptz := api.clock_now();
  v_name text := nullif(trim(coalesce(p_customer_name, '')), '');
  v_email text := nullif(lower(trim(coalesce(p_customer_email, ''))), '');
  v_phone text := nullif(trim(coalesce(p_customer_phone, '')), '');
  v_norm jsonb;
  v_item record;
  v_currency text;
  v_currencies int;
  v_total bigint;
  v_used int;
  v_taken boolean;
  v_remaining int;
  v_booking data.pending_bookings;
  v_emails bigint[];
begin
  if v_name is null or length(v_name) > 200 then
    raise exception 'a walk-in booking needs the customer''s name' using errcode = 'HF033';
  end if;
  if v_email is not null and (v_email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' or length(v_email) > 254) then
    raise exception 'that email address is not valid' using errcode = 'HF033';
  end if;
  if length(v_phone) > 40 then
    raise exception 'that phone number is too long' using errcode = 'HF033';
  end if;
  if p_channel is null or p_channel not in ('walk_in', 'phone') then
    raise exception 'channel must be walk_in or phone' using errcode = 'HF033';
  end if;
  if jsonb_typeof(p_items) is distinct from 'array' or jsonb_array_length(p_items) = 0 then
    raise exception 'a walk-in booking needs at least one start time' using errcode = 'HF033';
  end if;
  if jsonb_array_length(p_items) > (select max_items_per_booking from data.settings) then
    raise exception 'at most % items per booking', (select max_items_per_booking from data.settings)
      using errcode = 'HF008';
  end if;
  if exists (select 1 from jsonb_array_elements(p_items) x
              where jsonb_typeof(x->'slotId') is distinct from 'number'
                 or jsonb_typeof(x->'quantity') is distinct from 'number'
                 or (x->>'quantity')::numeric < 1 or (x->>'quantity')::numeric <> trunc((x->>'quantity')::numeric)
                 or (x->>'quantity')::numeric > 100000) then
    raise exception 'every item needs a slotId and a whole number of people, at least 1' using errcode = 'HF012';
  end if;

  -- The items, one per slot (the same slot twice adds up), with what a booking needs of each.
  select jsonb_agg(jsonb_build_object('slot_id', x.slot_id, 'quantity', x.quantity) order by x.slot_id)
    into v_norm
    from (select (e->>'slotId')::bigint as slot_id, sum((e->>'quantity')::int)::int as quantity
            from jsonb_array_elements(p_items) e group by 1) x;
  select t.slot_id into v_item
    from jsonb_to_recordset(v_norm) t(slot_id bigint, quantity int)
   where not exists (select 1 from data.slots s where s.id = t.slot_id) limit 1;
  if found then
    raise exception 'slot % not found', v_item.slot_id using errcode = 'HF002';
  end if;
  select t.slot_id into v_item
    from jsonb_to_recordset(v_norm) t(slot_id bigint, quantity int)
    join data.slots s on s.id = t.slot_id join data.experiences e on e.id = s.experience_id
   where not s.is_open or not e.active or s.starts_at <= v_now limit 1;
  if found then
    raise exception 'slot % is closed or has started', v_item.slot_id using errcode = 'HF003';
  end if;
  select min(e.currency), count(distinct e.currency), sum(t.quantity::bigint * e.price_minor)
    into v_currency, v_currencies, v_total
    from jsonb_to_recordset(v_norm) t(slot_id bigint, quantity int)
    join data.slots s on s.id = t.slot_id join data.experiences e on e.id = s.experience_id;
  if v_currencies > 1 then
    raise exception 'a booking is paid in one currency' using errcode = 'HF013';
  end if;

  -- Take the seats, slot by slot in id order (so two walk-ins cannot deadlock), as booked.
  for v_item in
    select t.slot_id, t.quantity, s.starts_at, s.ends_at, e.resource_id
      from jsonb_to_recordset(v_norm) t(slot_id bigint, quantity int)
      join data.slots s on s.id = t.slot_id join data.experiences e on e.id = s.experience_id
     order by t.slot_id
  loop
    v_used := null;
    for attempt in 1..2 loop
      update data.slots set booked = booked + v_item.quantity
       where id = v_item.slot_id and is_open and held + booked + v_item.quantity <= capacity
      returning held + booked into v_used;
      exit when found or attempt = 2 or data.release_lapsed_on_slots(array[v_item.slot_id]) = 0;
    end loop;
    if v_used is null then
      select greatest(0, capacity - held - booked) into v_remaining from data.slots where id = v_item.slot_id;
      raise exception 'only % seats left on slot %', v_remaining, v_item.slot_id using errcode = 'HF001',
        detail = json_build_object('slotId', v_item.slot_id, 'remaining', v_remaining)::text;
    end if;
    if v_item.resource_id is not null and v_used = v_item.quantity then
      v_taken := data.allocate_unit(v_item.resource_id, v_item.slot_id, tstzrange(v_item.starts_at, v_item.ends_at));
      if not v_taken and data.release_lapsed_on_slots(array(
             select a.slot_id from data.resource_allocations a
               join data.resource_units u on u.id = a.unit_id
              where u.resource_id = v_item.resource_id
                and a.during && tstzrange(v_item.starts_at, v_item.ends_at))) > 0 then
        v_taken := data.allocate_unit(v_item.resource_id, v_item.slot_id, tstzrange(v_item.starts_at, v_item.ends_at));
      end if;
      if not v_taken then
        raise exception 'the resource of slot % is taken at that time', v_item.slot_id using errcode = 'HF010',
          detail = json_build_object('slotId', v_item.slot_id, 'remaining', 0)::text;
      end if;
    end if;
  end loop;

  loop
    insert into data.pending_bookings (booking_number, hold_token_hash, status, expires_at, availability_reserved,
                                       customer_name, customer_email, customer_phone, payment_provider,
                                       total_minor, currency, confirmed_at)
    values (data.new_booking_number(),
            -- Nobody holds this booking: the token is random and never handed out.
            data.hash_token(gen_random_uuid()::text || gen_random_uuid()::text),
            'confirmed', v_now, false, v_name, v_email, v_phone, 'on_arrival',
            v_total, v_currency, now())
    on conflict (booking_number) do nothing
    returning * into v_booking;
    exit when found;
  end loop;

  insert into data.booking_items (booking_id, slot_id, quantity, unit_price_minor)
  select v_booking.id, t.slot_id, t.quantity, e.price_minor
    from jsonb_to_recordset(v_norm) t(slot_id bigint, quantity int)
    join data.slots s on s.id = t.slot_id join data.experiences e on e.id = s.experience_id
   order by t.slot_id;
  insert into data.booking_events (booking_id, slot_id, type, tier, quantity, detail)
  select v_booking.id, t.slot_id, 'reserved', 'staff', t.quantity,
         jsonb_build_object('staffId', p_staff_id, 'channel', p_channel, 'booked', true)
    from jsonb_to_recordset(v_norm) t(slot_id bigint, quantity int) order by t.slot_id;
  insert into data.booking_events (booking_id, type, tier, detail)
  values (v_booking.id, 'confirmed', 'staff',
          jsonb_build_object('provider', 'on_arrival', 'staffId', p_staff_id, 'channel', p_channel));
  v_emails := data.queue_confirmation_emails(v_booking);
  return data.booking_json(v_booking.id) || jsonb_build_object('emails', to_jsonb(v_emails));
end
$$;
comment on function api.staff_create_booking(jsonb, text, text, text, bigint, text) is 'Staff book a phone or walk-in customer: seats taken as booked (same conditional UPDATE as a reservation), confirmed at once, paid on arrival, emails queued.';

/*
 * Start times of one experience on one local date for the walk-in form: each with what is left
 * now (lapsed holds count as free) and whether staff may still book it (open, not started).
 */
create function api.admin_walk_in_slots(p_experience_slug text, p_date date) returns jsonb
language plpgsql stable as $$
declare
  v_exp data.experiences;
  v_now timestamptz := api.clock_now();
begin
  select * into v_exp from data.experiences where slug = p_experience_slug;
  if not found then
    raise exception 'experience % not found', p_experience_slug using errcode = 'HF014';
  end if;
  return jsonb_build_object(
    'experience', jsonb_build_object('slug', v_exp.slug, 'name', v_exp.name, 'timezone', v_exp.timezone,
                                     'priceMinor', v_exp.price_minor, 'currency', v_exp.currency,
                                     'active', v_exp.active),
    'date', p_date,
    'slots', coalesce((
      select jsonb_agg(jsonb_build_object(
               'slotId', s.id, 'startsAt', s.starts_at,
               'localStartsAt', data.local_iso(s.starts_at, v_exp.timezone),
               'localEndsAt', data.local_iso(s.ends_at, v_exp.timezone),
               'capacity', s.capacity, 'booked', s.booked, 'held', s.held - data.lapsed_held(s.id),
               'remaining', greatest(0, s.capacity - s.booked - (s.held - data.lapsed_held(s.id))),
               'bookable', v_exp.active and s.is_open and s.starts_at > v_now)
             order by s.starts_at)
        from data.slots s
       where s.experience_id = v_exp.id
         and s.starts_at >= (p_date::timestamp at time zone v_exp.timezone)
         and s.starts_at < ((p_date + 1)::timestamp at time zone v_exp.timezone)), '[]'::jsonb));
end
$$;
comment on function api.admin_walk_in_slots(text, date) is 'Walk-in form: one experience''s start times on a local date with remaining seats.';

/* Every experience (active first) for the walk-in form's picker. */
create function api.admin_experiences() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('slug', slug, 'name', name, 'timezone', timezone,
                                               'active', active, 'priceMinor', price_minor, 'currency', currency,
                                               'today', (api.clock_now() at time zone timezone)::date)
                            order by not active, name), '[]'::jsonb)
    from data.experiences
$$;
comment on function api.admin_experiences() is 'Experiences for staff pickers, with today''s date on each one''s clock.';
