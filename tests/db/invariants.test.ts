/**
 * The invariant check itself (db/invariants.ts), which every race test and the benchmark trust to
 * say "0 violations": each invariant is broken on purpose, inside a transaction that is rolled
 * back (the constraints that forbid it dropped there first), and the check must name it.
 */
import { describe, expect, test } from 'vitest';
import type { Sql } from '@/db/client';
import { invariantViolations } from '@/db/invariants';
import { connect, createExperience, createResource, createSlot } from '../helpers/fixtures';

const sql = connect(2);

class RolledBack extends Error {}

/** What the check says after `breakIt` ran in a transaction that is then rolled back. */
async function violationsAfter(breakIt: (tx: Sql) => Promise<unknown>): Promise<string[]> {
  let found: string[] = [];
  await sql
    .begin(async (tx) => {
      await breakIt(tx as unknown as Sql);
      found = await invariantViolations(tx as unknown as Sql);
      throw new RolledBack();
    })
    .catch((err: unknown) => {
      if (!(err instanceof RolledBack)) throw err;
    });
  return found;
}

/** A slot with one held seat (a real reservation), on an experience of capacity 10. */
async function slotWithAHold(resourceId?: number): Promise<number> {
  const exp = await createExperience(sql, { capacity: 10, resourceId: resourceId ?? null });
  const slot = await createSlot(sql, exp.id);
  const [r] = await sql<{ ok: boolean }[]>`select (api.reserve_seats(${slot}::bigint, 1)->>'ok')::boolean as ok`;
  expect(r!.ok).toBe(true);
  return slot;
}

describe('invariantViolations', () => {
  test('finds nothing on a database the reservation functions wrote', async () => {
    await slotWithAHold();
    await slotWithAHold(await createResource(sql));
    expect(await invariantViolations(sql)).toEqual([]);
  });

  test('a held counter that is not the sum of the live items', async () => {
    const slot = await slotWithAHold();
    expect(await violationsAfter((tx) => tx`update data.slots set held = 2 where id = ${slot}`)).toEqual([
      `slot ${slot}: held 2 <> live items 1`,
    ]);
  });

  test('a booked counter that is not the sum of the confirmed items', async () => {
    const slot = await slotWithAHold();
    expect(await violationsAfter((tx) => tx`update data.slots set booked = 3 where id = ${slot}`)).toEqual([
      `slot ${slot}: booked 3 <> confirmed items 0`,
    ]);
  });

  test('more seats taken than the slot has', async () => {
    const slot = await slotWithAHold();
    const found = await violationsAfter(async (tx) => {
      await tx`alter table data.slots drop constraint slots_no_oversell`;
      await tx`update data.booking_items set quantity = 12 where slot_id = ${slot}`;
      await tx`update data.pending_bookings set total_minor = 12 * 2500 where id in (select booking_id from data.booking_items where slot_id = ${slot})`;
      await tx`update data.slots set held = 12 where id = ${slot}`;
    });
    expect(found).toEqual([`slot ${slot}: oversold 12 > 10`]);
  });

  test('a live hold whose total is not what its items cost', async () => {
    const slot = await slotWithAHold();
    const [hold] = await sql<{ booking_number: string }[]>`
      select b.booking_number from data.pending_bookings b join data.booking_items i on i.booking_id = b.id where i.slot_id = ${slot}`;
    const found = await violationsAfter(async (tx) => {
      await tx`update data.pending_bookings set total_minor = total_minor + 1 where booking_number = ${hold!.booking_number}`;
    });
    expect(found).toEqual([`booking ${hold!.booking_number}: total 2501 <> its items 2500`]);
  });

  test('a resource slot with seats but no unit allocated, and an allocation on a slot without a resource', async () => {
    const onResource = await slotWithAHold(await createResource(sql));
    const plain = await slotWithAHold();
    const found = await violationsAfter(async (tx) => {
      const [a] = await tx<{ unit_id: string; during: string }[]>`
        delete from data.resource_allocations where slot_id = ${onResource} returning unit_id, during`;
      await tx`insert into data.resource_allocations (unit_id, slot_id, during) values (${a!.unit_id}, ${plain}, ${a!.during})`;
    });
    expect(found.sort()).toEqual([`slot ${onResource}: 0 allocations with 1 seats`, `slot ${plain}: allocation without resource`].sort());
  });

  test('one unit allocated to two slots at once', async () => {
    // Two experiences at the same time on a resource of two units: one unit each.
    const resource = await createResource(sql, 2);
    const first = await slotWithAHold(resource);
    const second = await slotWithAHold(resource);
    const found = await violationsAfter(async (tx) => {
      await tx`alter table data.resource_allocations drop constraint resource_allocations_no_overlap`;
      const [a] = await tx<{ unit_id: string; during: string }[]>`select unit_id, during from data.resource_allocations where slot_id = ${first}`;
      await tx`update data.resource_allocations set unit_id = ${a!.unit_id}, during = ${a!.during} where slot_id = ${second}`;
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^allocations \d+ and \d+ overlap on one unit$/);
  });
});
