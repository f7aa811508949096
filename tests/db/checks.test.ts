/**
 * The column rules of the tables a reservation writes (migration 0014 moved the single-column
 * ones from CHECK constraints to domains): every rule still refuses a bad value with SQLSTATE
 * 23514 and changes nothing, the rules that span columns stay on their tables, clients still see
 * the base types, and a slot change is queued exactly when a slot's numbers change.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { reserveSeats } from '@/db/reservations';
import { connect, createExperience, createSlot, invariantViolations } from '../helpers/fixtures';

const sql = connect(2);

let slot: number;
let bookingId: string;
let itemId: string;

beforeAll(async () => {
  const exp = await createExperience(sql, { capacity: 10 });
  slot = await createSlot(sql, exp.id);
  const result = await reserveSeats({ slotId: slot, quantity: 2 }, sql);
  if (!result.ok) throw new Error(`expected a hold, got ${result.code}`);
  const [row] = await sql<{ booking_id: string; id: string }[]>`
    select booking_id, id from data.booking_items where slot_id = ${slot}`;
  bookingId = row!.booking_id;
  itemId = row!.id;
});

describe('column rules', () => {
  test.each([
    ['booking status', () => sql`update data.pending_bookings set status = 'lost' where id = ${bookingId}`],
    ['payment provider', () => sql`update data.pending_bookings set payment_provider = 'paypal' where id = ${bookingId}`],
    ['currency', () => sql`update data.pending_bookings set currency = 'eur' where id = ${bookingId}`],
    ['booking total', () => sql`update data.pending_bookings set total_minor = -1 where id = ${bookingId}`],
    ['amount paid', () => sql`update data.pending_bookings set paid_minor = -1 where id = ${bookingId}`],
    ['amount refunded', () => sql`update data.pending_bookings set refunded_minor = -1 where id = ${bookingId}`],
    ['item quantity', () => sql`update data.booking_items set quantity = 0 where id = ${itemId}`],
    ['item price', () => sql`update data.booking_items set unit_price_minor = -1 where id = ${itemId}`],
    ['event type', () => sql`insert into data.booking_events (booking_id, type) values (${bookingId}, 'misplaced')`],
    ['release tier', () => sql`insert into data.booking_events (booking_id, type, tier) values (${bookingId}, 'released', 'nowhere')`],
    ['slot capacity', () => sql`update data.slots set capacity = -1 where id = ${slot}`],
    // The rules that span columns are still table constraints.
    ['seats beyond capacity', () => sql`update data.slots set held = held + 9 where id = ${slot}`],
    ['slot ending before it starts', () => sql`update data.slots set ends_at = starts_at where id = ${slot}`],
    ['a held booking marked as not reserving', () => sql`update data.pending_bookings set availability_reserved = false where id = ${bookingId}`],
  ])('a bad %s is refused with 23514', async (_rule, write) => {
    const before = await snapshot();
    await expect(write()).rejects.toMatchObject({ code: '23514' });
    expect(await snapshot()).toEqual(before);
  });

  test('good values pass, and clients see the base types', async () => {
    const [row] = await sql`
      select b.status, b.currency, b.total_minor, b.total_minor::bigint as total_base,
             i.quantity, i.quantity::int as quantity_base, s.capacity
        from data.pending_bookings b
        join data.booking_items i on i.booking_id = b.id
        join data.slots s on s.id = i.slot_id
       where b.id = ${bookingId}`;
    expect(row).toMatchObject({ status: 'held', currency: 'EUR', quantity: 2, capacity: 10 });
    expect(row!.total_minor).toEqual(row!.total_base);
    expect(typeof row!.quantity).toBe(typeof row!.quantity_base);
    expect(await invariantViolations(sql)).toEqual([]);
  });
});

describe('slot changes', () => {
  test('queued when a slot’s numbers change, not when an update leaves them as they were', async () => {
    const queued = async () => {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from data.slot_changes where slot_id = ${slot}`;
      return row!.n;
    };
    const start = await queued();
    await sql`update data.slots set capacity = capacity where id = ${slot}`;
    expect(await queued()).toBe(start);
    await sql`update data.slots set capacity = capacity + 1 where id = ${slot}`;
    expect(await queued()).toBe(start + 1);
    await sql`update data.slots set capacity = capacity - 1 where id = ${slot}`;
    expect(await queued()).toBe(start + 2);
  });
});

async function snapshot() {
  return sql`
    select row_to_json(b) as booking, row_to_json(i) as item, row_to_json(s) as slot,
           (select count(*)::int from data.booking_events where booking_id = ${bookingId}) as events
      from data.pending_bookings b, data.booking_items i, data.slots s
     where b.id = ${bookingId} and i.id = ${itemId} and s.id = ${slot}`;
}
