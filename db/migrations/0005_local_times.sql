-- Up Migration

/*
 * One clock for wall time.
 *
 * Start times are placed by PostgreSQL (api.generate_slots converts local 09:00 with the
 * database's time-zone data) and stored as instants. Until now Node (emails, Stripe line items)
 * and the browser (customer pages) turned those instants back into local times with their own
 * time-zone databases, which disagree with PostgreSQL's for zones whose rules changed recently
 * (British Columbia staying on UTC-7 from November 2026, say): a 09:00 slot could read 08:00 in
 * the email and 10:00 on the page.
 *
 * From here on the database that placed the slots also says what their local times are. Every
 * function that returns a time returns, next to the exact UTC instant (`startsAt`), the local
 * wall-clock time with its UTC offset (`localStartsAt`: "2026-11-28T09:00:00-07:00"). Node and
 * browsers only print those strings; they never convert an instant to a zone themselves. The
 * instants stay the source for arithmetic (countdowns, expiry, the .ics file).
 */

/*
 * The local wall-clock time of an instant in a zone, with the offset in force then, as ISO 8601:
 * "2026-11-28T09:00:00-07:00". The string denotes the same instant as p_at (Date.parse of it
 * equals the instant), to the second: fractions of a second are dropped. Offsets are whole
 * minutes (seconds only ever occur in local mean time before about 1900, and are dropped).
 *
 * A single expression so the planner can inline it into the queries that call it per row.
 * Stable, not immutable: the answer depends on the server's time-zone data, which a PostgreSQL
 * upgrade may change. Null in, null out.
 */
create function data.local_iso(p_at timestamptz, p_zone text) returns text
language sql stable parallel safe as $$
  select to_char(p_at at time zone p_zone, 'YYYY-MM-DD"T"HH24:MI:SS')
      || case when (p_at at time zone p_zone) < (p_at at time zone 'UTC')
              then '-' || to_char((p_at at time zone 'UTC') - (p_at at time zone p_zone), 'HH24:MI')
              else '+' || to_char((p_at at time zone p_zone) - (p_at at time zone 'UTC'), 'HH24:MI') end
$$;
comment on function data.local_iso(timestamptz, text) is 'Local wall-clock time of an instant in an IANA zone with its UTC offset ("2026-11-28T09:00:00-07:00"), from the same tzdata that placed the slots.';

/* ----------------------------------------------------------------------------------------------
 * The functions that return times, with local fields added beside the UTC ones. Each body is
 * the latest definition unchanged apart from those fields.
 * -------------------------------------------------------------------------------------------- */

/* Availability (0001): each slot gets localStartsAt, localEndsAt and localHeldUntil. */
create or replace function api.check_availability(p_experience_slug text, p_from date default null, p_to date default null)
returns jsonb
language plpgsql stable as $$
declare
  v_exp data.experiences;
  v_now timestamptz := api.clock_now();
  v_from date;
  v_to date;
begin
  select * into v_exp from data.experiences where slug = p_experience_slug;
  if not found then
    raise exception 'experience % not found', p_experience_slug using errcode = 'HF014';
  end if;
  v_from := coalesce(p_from, (v_now at time zone v_exp.timezone)::date);
  v_to := coalesce(p_to, v_from + 30);
  if v_to < v_from or v_to - v_from > 92 then
    raise exception 'date range must run forwards and span at most 92 days' using errcode = 'HF015';
  end if;

  return jsonb_build_object(
    'experience', jsonb_build_object(
      'slug', v_exp.slug, 'name', v_exp.name, 'description', v_exp.description,
      'timezone', v_exp.timezone, 'durationMinutes', extract(epoch from v_exp.duration) / 60,
      'priceMinor', v_exp.price_minor, 'currency', v_exp.currency,
      'holdSeconds', extract(epoch from v_exp.hold_duration),
      'maxPeoplePerBooking', v_exp.max_people_per_booking, 'active', v_exp.active),
    'from', v_from, 'to', v_to,
    'slots', coalesce((
      select jsonb_agg(jsonb_build_object(
               'slotId', x.id, 'startsAt', x.starts_at, 'endsAt', x.ends_at,
               'localStartsAt', data.local_iso(x.starts_at, v_exp.timezone),
               'localEndsAt', data.local_iso(x.ends_at, v_exp.timezone),
               'capacity', x.capacity, 'booked', x.booked, 'held', x.live_held,
               'heldUntil', x.held_until,
               'localHeldUntil', data.local_iso(x.held_until, v_exp.timezone),
               'remaining', case when x.bookable and not x.resource_blocked
                                 then x.capacity - x.booked - x.live_held else 0 end,
               'status', case when not x.bookable then 'closed'
                              when x.resource_blocked then 'unavailable'
                              when x.capacity - x.booked - x.live_held <= 0 then 'sold_out'
                              else 'available' end)
             order by x.starts_at)
        from (select s.*, s.held - l.lapsed as live_held, l.held_until,
                     v_exp.active and s.is_open and v_now < s.starts_at - v_exp.booking_cutoff as bookable,
                     (v_exp.resource_id is not null and s.booked + s.held - l.lapsed = 0 and not exists (
                        select 1 from data.resource_units u
                         where u.resource_id = v_exp.resource_id
                           and not exists (
                             select 1 from data.resource_allocations a
                               join data.slots o on o.id = a.slot_id
                              where a.unit_id = u.id and a.slot_id <> s.id
                                and a.during && tstzrange(s.starts_at, s.ends_at)
                                and o.booked + o.held - data.lapsed_held(o.id) > 0))) as resource_blocked
                from data.slots s
                cross join lateral (
                  select coalesce(sum(i.quantity) filter (where b.expires_at <= v_now), 0)::int as lapsed,
                         min(b.expires_at) filter (where b.expires_at > v_now) as held_until
                    from data.booking_items i
                    join data.pending_bookings b on b.id = i.booking_id
                   where i.slot_id = s.id and b.availability_reserved) l
               where s.experience_id = v_exp.id
                 and s.starts_at >= (v_from::timestamp at time zone v_exp.timezone)
                 and s.starts_at < ((v_to + 1)::timestamp at time zone v_exp.timezone)) x), '[]'::jsonb));
end
$$;

/* The home page (0001): localNextStartsAt beside nextStartsAt. */
create or replace function api.list_experiences() returns jsonb
language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'slug', e.slug, 'name', e.name, 'description', e.description, 'timezone', e.timezone,
           'durationMinutes', extract(epoch from e.duration) / 60,
           'priceMinor', e.price_minor, 'currency', e.currency,
           'nextStartsAt', n.starts_at,
           'localNextStartsAt', data.local_iso(n.starts_at, e.timezone))
         order by e.name), '[]'::jsonb)
    from data.experiences e
   cross join lateral (select min(s.starts_at) as starts_at from data.slots s
                        where s.experience_id = e.id and s.is_open
                          and s.starts_at - e.booking_cutoff > api.clock_now()) n
   where e.active
$$;

/* The booking as its holder sees it (0003): each item gets localStartsAt and localEndsAt. */
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
  from data.pending_bookings b
  where b.id = p_booking_id);
end
$$;

/* Everything an email shows (0002): each item gets localStartsAt and localEndsAt. */
create or replace function api.email_content(p_outbox_id bigint) returns jsonb
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
                 'endsAt', s.ends_at, 'timezone', e.timezone,
                 'localStartsAt', data.local_iso(s.starts_at, e.timezone),
                 'localEndsAt', data.local_iso(s.ends_at, e.timezone),
                 'quantity', i.quantity,
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

/*
 * Checkout (0002), unchanged except that each itemsDetail entry (what the Stripe line items
 * describe) gets localStartsAt and localEndsAt.
 */
create or replace function api.begin_checkout(
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
               'localStartsAt', data.local_iso(s.starts_at, e.timezone),
               'localEndsAt', data.local_iso(s.ends_at, e.timezone),
               'quantity', i.quantity, 'unitPriceMinor', i.unit_price_minor) order by s.starts_at, i.id)
        from data.booking_items i
        join data.slots s on s.id = i.slot_id
        join data.experiences e on e.id = s.experience_id
       where i.booking_id = v_booking.id));
end
$$;
