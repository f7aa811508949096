-- Up Migration

/*
 * Metrics by the business's own days.
 *
 * api.staff_metrics (0009, 0019) counted its daily series on UTC days, and the metrics page
 * turned the dates staff chose into UTC midnights: for a business in Vancouver "Today" began at
 * 16:00 the day before (17:00 in summer), and an evening's bookings fell on the next day's bar.
 *
 * The metrics' clock is now the time zone of the experiences (data.metrics_timezone): the zone
 * most of the experiences on sale use (then most of all of them; then the first by name), UTC
 * when there are none. PostgreSQL turns local days into instants with its own tzdata, as it does
 * for start times, so a day with a daylight-saving change is 23 or 25 hours long.
 *   - data.staff_metrics(from, to, zone): the body of api.staff_metrics, with its daily series on
 *     the days of `zone` and the zone in the answer. Periods may be 400 days and an hour (400
 *     local days across an autumn change).
 *   - api.staff_metrics(from, to): as before, on UTC days (the Prometheus exporter, which asks
 *     for the last 24 hours, and anything else that passes instants).
 *   - api.staff_metrics_days(from date, to date): local days from `from` to `to`, both included,
 *     on the metrics' clock; HF050 when they run backwards or span more than 400 days.
 *   - api.staff_metrics_clock(): the metrics' zone and today's date on it (the page's presets).
 */

create function data.metrics_timezone() returns text
language sql stable as $$
  select coalesce((select e.timezone from data.experiences e group by e.timezone
                    order by count(*) filter (where e.active) desc, count(*) desc, e.timezone
                    limit 1), 'UTC')
$$;
comment on function data.metrics_timezone() is
  'The clock metrics count days on: the time zone most experiences on sale use (then most experiences; then by name); UTC without experiences.';

create function data.staff_metrics(p_from timestamptz, p_to timestamptz, p_timezone text) returns jsonb
language plpgsql stable as $$
declare
  v_now timestamptz := api.clock_now();
  v_result jsonb;
begin
  -- 400 days and the hour a daylight-saving change may add to them (api.staff_metrics_days).
  if p_from is null or p_to is null or p_to <= p_from or p_to - p_from > interval '400 days 1 hour' then
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
      from generate_series(date_trunc('day', p_from at time zone p_timezone),
                           (p_to - interval '1 microsecond') at time zone p_timezone, interval '1 day') d
  ),
  daily as (
    select (e.occurred_at at time zone p_timezone)::date as day,
           count(*) filter (where e.type in ('reserved', 'conflict')) as attempts,
           count(*) filter (where e.type = 'reserved') as successes,
           count(*) filter (where e.type = 'conflict') as conflicts,
           count(*) filter (where e.type = 'confirmed') as confirmed,
           count(*) filter (where e.type in ('released', 'expired')) as releases
      from ev e group by 1
  ),
  daily_created as (
    select (occurred_at at time zone p_timezone)::date as day, count(*) as created from cohort group by 1
  )
  select jsonb_build_object(
    'from', p_from, 'to', p_to, 'now', v_now, 'timezone', p_timezone,
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

comment on function data.staff_metrics(timestamptz, timestamptz, text) is
  'Staff metrics of a period [from, to) from booking_events (+ the orphaned holds now), the daily series on the days of p_timezone; definitions in the migration 0009 comment, "abandoned" as amended in 0019.';

create or replace function api.staff_metrics(p_from timestamptz, p_to timestamptz) returns jsonb
language plpgsql stable as $$
begin
  if p_from is not null and p_to is not null and p_to - p_from > interval '400 days' then
    raise exception 'a period must run forwards and span at most 400 days' using errcode = 'HF050',
      detail = json_build_object('from', p_from, 'to', p_to)::text;
  end if;
  return data.staff_metrics(p_from, p_to, 'UTC');
end
$$;
comment on function api.staff_metrics(timestamptz, timestamptz) is
  'Staff metrics of a period [from, to), the daily series on UTC days (data.staff_metrics).';

create function api.staff_metrics_days(p_from date, p_to date) returns jsonb
language plpgsql stable as $$
declare
  v_zone text := data.metrics_timezone();
begin
  if p_from is null or p_to is null or p_to < p_from or p_to - p_from >= 400 then
    raise exception 'a period must run forwards and span at most 400 days' using errcode = 'HF050',
      detail = json_build_object('from', p_from, 'to', p_to)::text;
  end if;
  return data.staff_metrics(p_from::timestamp at time zone v_zone, (p_to + 1)::timestamp at time zone v_zone, v_zone);
end
$$;
comment on function api.staff_metrics_days(date, date) is
  'Staff metrics of the local days from p_from to p_to, both included, on the metrics'' clock (data.metrics_timezone).';

create function api.staff_metrics_clock() returns jsonb
language sql stable as $$
  select jsonb_build_object('timezone', z, 'today', to_char(api.clock_now() at time zone z, 'YYYY-MM-DD'))
    from data.metrics_timezone() z
$$;
comment on function api.staff_metrics_clock() is 'The metrics'' time zone and today''s date on it.';
