/*
 * Benchmark-only baselines, created in the benchmark's own database (never by migrations).
 *   B. The floor: the least any hold can cost — one function call doing one conditional UPDATE of
 *      the slot row plus one INSERT. bench.floor_hold_many is the same floor sharing calls the
 *      way the app's reservations do (api.reserve_seats_many), for a like-for-like ratio.
 *   B-model. The data model's own floor: the rows a Holdfast hold writes (the slot's counter, a
 *      booking, its item, its event; the slot-change trigger, the foreign keys, the checks and
 *      every index) and nothing else: no validation, no advisory lock, no answer. A / B-model
 *      is what Holdfast's logic costs on top of its data model.
 *   C. The naive approach: the application reads availability, then writes, as separate
 *      statements with no lock (the bench's client code does the read-modify-write).
 */
create schema bench;

create table bench.slots (
  id bigint primary key,
  capacity int not null,
  held int not null default 0
) with (fillfactor = 80);

create table bench.naive_slots (
  id bigint primary key,
  capacity int not null,
  held int not null default 0
) with (fillfactor = 80);

create table bench.holds (
  id bigint generated always as identity primary key,
  slot_id bigint not null,
  quantity int not null,
  created_at timestamptz not null default now()
);

create table bench.naive_holds (
  id bigint generated always as identity primary key,
  slot_id bigint not null,
  quantity int not null
);

create function bench.floor_hold(p_slot_id bigint, p_quantity int) returns boolean
language plpgsql volatile as $$
begin
  update bench.slots set held = held + p_quantity
   where id = p_slot_id and held + p_quantity <= capacity;
  if not found then
    return false;
  end if;
  insert into bench.holds (slot_id, quantity) values (p_slot_id, p_quantity);
  return true;
end
$$;

-- As api.reserve_seats_many (db/migrations/0015): up to 32 holds per call, taken in slot-id
-- order (arrival order within a slot), each in its own subtransaction; answers in argument order.
create function bench.floor_hold_many(p_slot_ids bigint[], p_quantities int[]) returns boolean[]
language plpgsql volatile as $$
declare
  v_n int := coalesce(cardinality(p_slot_ids), 0);
  v_answers boolean[] := array_fill(null::boolean, array[v_n]);
  v_i int;
begin
  for v_i in select g from generate_series(1, v_n) g order by p_slot_ids[g], g loop
    begin
      v_answers[v_i] := bench.floor_hold(p_slot_ids[v_i], p_quantities[v_i]);
    exception
      when deadlock_detected or serialization_failure or query_canceled then
        raise;
      when others then
        v_answers[v_i] := false;
    end;
  end loop;
  return v_answers;
end
$$;

create sequence bench.model_booking_seq;

-- Writes into Holdfast's own tables, consistently with the invariants (the held counter is the
-- sum of the live items), so the run's invariant check still holds.
create function bench.model_floor_hold(p_slot_id bigint, p_quantity int) returns boolean
language plpgsql volatile as $$
declare
  v_booking bigint;
begin
  update data.slots set held = held + p_quantity
   where id = p_slot_id and is_open and held + booked + p_quantity <= capacity;
  if not found then
    return false;
  end if;
  insert into data.pending_bookings (booking_number, hold_token_hash, expires_at, total_minor, currency)
  values ('BM-' || nextval('bench.model_booking_seq'), '\x00', now() + interval '15 minutes', 1000 * p_quantity, 'EUR')
  returning id into v_booking;
  insert into data.booking_items (booking_id, slot_id, quantity, unit_price_minor)
  values (v_booking, p_slot_id, p_quantity, 1000);
  insert into data.booking_events (booking_id, slot_id, type, quantity)
  values (v_booking, p_slot_id, 'reserved', p_quantity);
  return true;
end
$$;
