/*
 * Benchmark-only baselines, created in the benchmark's own database (never by migrations).
 *   B. The floor: the least any hold can cost — one function call doing one conditional UPDATE of
 *      the slot row plus one INSERT.
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
