-- Up Migration

/*
 * Single-column CHECK constraints on the tables every reservation writes become domains
 * (issue 4, `npm run bench`).
 *
 * PostgreSQL keeps a table's CHECK constraints as node strings and parses them again, and plans
 * them again, every time a statement writes the table (ExecRelCheck: stringToNode and
 * ExecPrepareExpr per statement). A hold writes four tables with fourteen checks between them:
 * counted with callgrind, one api.reserve_seats spent 26 % of its instructions there, most of it
 * reading the long IN lists of statuses and event types back from text. A domain's checks are
 * parsed and planned once per backend (the type cache), and run only for the columns a
 * statement assigns: the UPDATE of a slot's seats no longer re-checks its capacity.
 *
 * Same rules, same SQLSTATE (23514, check_violation), same nullability and defaults. The checks
 * that span columns stay on their tables: a slot's held + booked <= capacity, a booking's
 * availability_reserved matching its status, a slot ending after it starts.
 *
 * PostgreSQL reports a domain column with its base type, so clients see text, int and bigint
 * as before.
 *
 * Counted with callgrind (PostgreSQL 15, single-user backend, one hold on a slot nobody else
 * books): 1.67 M instructions per api.reserve_seats before, 1.39 M with the domains, 1.34 M with
 * the trigger's test moved too (-20 %). The floor (bench.floor_hold) is 0.19 M.
 */

create domain data.booking_status as text
  check (value in ('held', 'checkout', 'confirmed', 'expired', 'released', 'cancelled', 'refunded', 'refund_due'));
create domain data.payment_provider as text check (value in ('stripe', 'on_arrival'));
create domain data.currency_code as text check (value ~ '^[A-Z]{3}$');
create domain data.amount_minor as bigint check (value >= 0);
create domain data.price_minor as int check (value >= 0);
create domain data.seat_count as int check (value > 0);
create domain data.seat_capacity as int check (value >= 0);
create domain data.release_tier as text
  check (value in ('job', 'sweep', 'lazy', 'beacon', 'customer', 'staff', 'payment'));

/* The event types as 0008 left them. Converting the column checks every existing row against them. */
create domain data.booking_event_type as text check (value in (
  'cancelled', 'check_in_undone', 'checked_in', 'checkout_started', 'confirmation_resent', 'confirmed',
  'conflict', 'duplicate_payment', 'expired', 'item_removed', 'late_payment_reacquired', 'refund_due',
  'refund_failed', 'refund_requested', 'refunded', 'released', 'reserved'));

comment on domain data.booking_status is 'A booking''s status (see pending_bookings_reserved_means_live for which of them hold seats).';
comment on domain data.booking_event_type is 'What a booking_events row records. To add a type: alter domain ... drop constraint, add constraint.';
comment on domain data.release_tier is 'Which path released a hold (or who acted).';

-- The seed-named view reads these columns; it is put back unchanged at the end.
drop view public.pending_bookings;

alter table data.pending_bookings
  drop constraint pending_bookings_status_check,
  drop constraint pending_bookings_payment_provider_check,
  drop constraint pending_bookings_currency_check,
  drop constraint pending_bookings_total_minor_check,
  drop constraint pending_bookings_paid_minor_check,
  drop constraint pending_bookings_refunded_minor_check,
  alter column status type data.booking_status,
  alter column payment_provider type data.payment_provider,
  alter column currency type data.currency_code,
  alter column total_minor type data.amount_minor,
  alter column paid_minor type data.amount_minor,
  alter column refunded_minor type data.amount_minor;

alter table data.booking_items
  drop constraint booking_items_quantity_check,
  drop constraint booking_items_unit_price_minor_check,
  alter column quantity type data.seat_count,
  alter column unit_price_minor type data.price_minor;

alter table data.booking_events
  drop constraint booking_events_type_check,
  drop constraint booking_events_tier_check,
  alter column type type data.booking_event_type,
  alter column tier type data.release_tier;

/*
 * The trigger that queues changed slots names the column, so it is dropped and made again. Its
 * WHEN clause is the same kind of node string, parsed on every UPDATE of a slot; the test moves
 * into the trigger's body, where plpgsql keeps it compiled.
 */
drop trigger slots_changed on data.slots;
alter table data.slots
  drop constraint slots_capacity_check,
  alter column capacity type data.seat_capacity;

create or replace function data.queue_slot_change() returns trigger
language plpgsql volatile as $$
begin
  if (old.capacity, old.held, old.booked, old.is_open)
     is distinct from (new.capacity, new.held, new.booked, new.is_open) then
    insert into data.slot_changes (slot_id) values (new.id);
  end if;
  return null;
end
$$;
create trigger slots_changed after update of capacity, held, booked, is_open on data.slots
  for each row execute function data.queue_slot_change();

create view public.pending_bookings as
  select id, booking_number, status, expires_at, availability_reserved, customer_name,
         customer_email, payment_provider, total_minor, currency, created_at, updated_at,
         paid_minor, refunded_minor, confirmed_at
    from data.pending_bookings;
