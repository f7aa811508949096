/*
 * Benchmark-only baselines, created in the benchmark's own database (never by migrations).
 *   B. The floor: the least any hold can cost — one function call doing one conditional UPDATE of
 *      the slot row plus one INSERT. bench.floor_hold_many is the same floor sharing calls the
 *      way the app's reservations do (api.reserve_seats_many), for a like-for-like ratio.
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
