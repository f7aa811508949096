-- Up Migration

/*
 * Staff insights: the metrics of the monitoring list, computed from the booking history, and the
 * logs staff read (the email outbox with each rendered email, the Stripe event log). Everything
 * here only reads; callers are checked by the app (lib/current-staff.ts, app/api/metrics) first.
 *
 * Periods are half-open, [p_from, p_to), on booking_events.occurred_at — the time the event's
 * transaction started (now(), the real clock: tests that shift api.clock_now() move expiry, not
 * the history). "Now" for the orphan count is api.clock_now(), the clock that decides expiry.
 */

/*
 * The metrics of one period. Definitions (the metrics page's help text says the same):
 *
 *   reservations.attempts     calls of api.reserve_seats that reached the seats: 'reserved' plus
 *                             'conflict' events in the period (refused for bad input before that,
 *                             e.g. too many people, they log nothing and do not count).
 *   reservations.successes    'reserved' events (a new booking, or seats added to one).
 *   reservations.conflicts    'conflict' events (sold out, or the resource taken), by code too.
 *   reservations.successRate  successes / attempts.
 *   releases.<tier>           holds given back in the period: 'released' and 'expired' events by
 *                             tier (job, sweep, lazy, beacon, customer, staff, payment); total.
 *   orphanedHolds             now, whatever the period: bookings still reserved
 *                             (availability_reserved) whose expires_at <= api.clock_now() — lapsed
 *                             but not yet released by any tier (they already count as free).
 *   bookings.created          bookings whose first 'reserved' event is in the period (the cohort).
 *   bookings.converted        of the cohort, those with a 'confirmed' event (at any time up to now:
 *                             paid online, paid late and re-acquired, or confirmed pay-on-arrival).
 *   bookings.conversionRate   converted / created (hold-to-payment conversion).
 *   bookings.abandoned        of the cohort, those with an 'expired' event (any tier) or a
 *                             'released' event of tier beacon or customer, and no 'confirmed' or
 *                             'refund_due' event (no payment ever arrived).
 *   bookings.abandonmentRate  abandoned / created.
 *   payments.confirmed        'confirmed' events in the period (any cohort, any provider).
 *   payments.checkoutsStarted 'checkout_started' events in the period.
 *   payments.latePaymentsReacquired  'late_payment_reacquired' events: paid after the hold lapsed,
 *                             same seats taken again.
 *   payments.refundDue        'refund_due' events: paid after the hold lapsed, seats gone.
 *   payments.refunds          per currency: payments refunded in the period (distinct booking and
 *                             payment intent with a 'refunded' event) and the amount: per payment,
 *                             the sum of the refunds Holdfast made (events with their own
 *                             amountMinor, one per refund id), or the largest cumulative amount a
 *                             charge.refunded event reports (amountRefundedMinor), whichever is
 *                             more — so a refund seen both ways counts once.
 *   daily                     per UTC day of the period: attempts, successes, conflicts, created,
 *                             confirmed and releases (all tiers), bucketed the same way.
 *
 * Every rate is null when its denominator is 0. Raises HF050 for a period that does not run
 * forwards or spans more than 400 days.
 */
create function api.staff_metrics(p_from timestamptz, p_to timestamptz) returns jsonb
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
           bool_or(f.type = 'expired' or (f.type = 'released' and f.tier in ('beacon', 'customer'))) as lost
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
comment on function api.staff_metrics(timestamptz, timestamptz) is 'Staff metrics of a period [from, to) from booking_events (+ the orphaned holds now); definitions in the migration 0009 comment.';

/* ----------------------------------------------------------------------------------------------
 * Logs.
 * -------------------------------------------------------------------------------------------- */

/*
 * The email outbox, newest first, optionally of one status (HF051 for an unknown one), with the
 * number of rows per status. Limit clamped to 1..200, offset to >= 0.
 */
create function api.staff_outbox(p_limit int default 50, p_offset int default 0, p_status text default null)
returns jsonb
language plpgsql stable as $$
declare
  v_limit int := least(greatest(coalesce(p_limit, 50), 1), 200);
  v_offset int := greatest(coalesce(p_offset, 0), 0);
begin
  if p_status is not null and p_status not in ('queued', 'sent', 'not_sent', 'failed') then
    raise exception 'unknown email status %', p_status using errcode = 'HF051';
  end if;
  return jsonb_build_object(
    'total', (select count(*) from data.email_outbox where p_status is null or status = p_status),
    'byStatus', (select jsonb_object_agg(s.status, coalesce(c.n, 0))
                   from unnest(array['queued', 'sent', 'not_sent', 'failed']) s(status)
                   left join (select status, count(*) as n from data.email_outbox group by status) c on c.status = s.status),
    'items', coalesce((
      select jsonb_agg(jsonb_build_object(
               'id', o.id, 'kind', o.kind, 'status', o.status, 'attempts', o.attempts, 'lastError', o.last_error,
               'recipient', o.recipient, 'subject', o.subject, 'rendered', o.html is not null,
               'bookingNumber', b.booking_number, 'createdAt', o.created_at, 'sentAt', o.sent_at,
               'updatedAt', o.updated_at)
             order by o.id desc)
        from (select * from data.email_outbox
               where p_status is null or status = p_status
               order by id desc limit v_limit offset v_offset) o
        join data.pending_bookings b on b.id = o.booking_id), '[]'::jsonb));
end
$$;
comment on function api.staff_outbox(int, int, text) is 'Staff logs: one page of the email outbox (newest first) with counts per status.';

/* One outbox email with its rendered HTML and text (null parts when not rendered yet), or null. */
create function api.staff_email(p_id bigint) returns jsonb
language plpgsql stable as $$
begin
  return (select jsonb_build_object(
    'id', o.id, 'kind', o.kind, 'status', o.status, 'attempts', o.attempts, 'lastError', o.last_error,
    'recipient', o.recipient, 'subject', o.subject, 'html', o.html, 'text', o.text_body,
    'attachments', coalesce((select jsonb_agg(jsonb_build_object('filename', a->>'filename', 'contentType', a->>'contentType'))
                               from jsonb_array_elements(coalesce(o.attachments, '[]'::jsonb)) a), '[]'::jsonb),
    'providerId', o.provider_id, 'bookingNumber', b.booking_number,
    'createdAt', o.created_at, 'renderedAt', o.rendered_at, 'sentAt', o.sent_at)
    from data.email_outbox o join data.pending_bookings b on b.id = o.booking_id
   where o.id = p_id);
end
$$;
comment on function api.staff_email(bigint) is 'Staff logs: one email of the outbox, with its stored HTML and text for the preview.';

/* The Stripe event log, newest first, optionally of one type, with the number of events per type. */
create function api.staff_stripe_events(p_limit int default 50, p_offset int default 0, p_type text default null)
returns jsonb
language plpgsql stable as $$
declare
  v_limit int := least(greatest(coalesce(p_limit, 50), 1), 200);
  v_offset int := greatest(coalesce(p_offset, 0), 0);
begin
  return jsonb_build_object(
    'total', (select count(*) from data.stripe_events where p_type is null or type = p_type),
    'byType', coalesce((select jsonb_object_agg(type, n) from (
                 select type, count(*) as n from data.stripe_events group by type) t), '{}'::jsonb),
    'items', coalesce((
      select jsonb_agg(jsonb_build_object(
               'id', e.id, 'type', e.type, 'bookingNumber', e.booking_number, 'receivedAt', e.received_at,
               'deliveries', e.deliveries, 'processedAt', e.processed_at, 'outcome', e.outcome,
               'lastError', e.last_error)
             order by e.received_at desc, e.id)
        from (select * from data.stripe_events
               where p_type is null or type = p_type
               order by received_at desc, id limit v_limit offset v_offset) e), '[]'::jsonb));
end
$$;
comment on function api.staff_stripe_events(int, int, text) is 'Staff logs: one page of the Stripe event log (newest first) with counts per type.';
