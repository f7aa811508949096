/**
 * Staff experiences, schedules, slots and the manifest (db/migrations/0008_admin_schedules.sql)
 * on real PostgreSQL: weekly schedules across the March and October/November daylight-saving
 * changes keep the local wall time (checked in SQL, with the database's tzdata — never Node's
 * Intl), exceptions are skipped, capacity never drops below what is held and booked (also while
 * many customers reserve at once), closing stops reservations, and the manifest and check-in.
 */
import { describe, expect, test } from 'vitest';
import {
  addSchedule,
  checkIn,
  manifest,
  saveExperience,
  setSlotCapacity,
  setSlotOpen,
  setSlotsOpen,
  staffExperience,
  type ExperienceInput,
} from '@/db/admin-schedules';
import type { Sql } from '@/db/client';
import { AppError } from '@/db/errors';
import { applyPayment, attachCheckoutSession, beginCheckout } from '@/db/payments';
import { releaseBooking, reserveSeats } from '@/db/reservations';
import { connect, createExperience, createSlot, invariantViolations, slotCounts } from '../helpers/fixtures';

const sql = connect(4);

let counter = 0;
const slugOf = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

async function staffId(role: 'owner' | 'staff' = 'owner'): Promise<number> {
  const [row] = await sql<{ id: string }[]>`
    insert into data.staff_accounts (email, name, role, password_hash)
    values (${`${slugOf('staff')}@example.com`}, 'Test Staff', ${role}, '$argon2id$v=19$m=19456,t=2,p=1$test$test')
    returning id`;
  return Number(row!.id);
}

function experience(slug: string, overrides: Partial<ExperienceInput> = {}): ExperienceInput {
  return {
    slug,
    name: 'Walking tour',
    description: 'Through the old town.',
    timezone: 'Europe/London',
    durationMinutes: 90,
    defaultCapacity: 8,
    priceMinor: 2500,
    currency: 'GBP',
    holdSeconds: 900,
    maxPeoplePerBooking: 6,
    cutoffMinutes: 0,
    paymentMode: 'auto',
    active: true,
    whatToBring: '',
    resourceSlug: null,
    ...overrides,
  };
}

async function errorOf(p: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> } | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, details: err.details };
    throw err;
  }
}

/** Every slot of an experience on its own clock, from the database: local date, time, ISO weekday, offset. */
async function localSlots(slug: string) {
  return sql<{ local: string; day: string; time: string; isodow: number; utc_time: string }[]>`
    select data.local_iso(s.starts_at, e.timezone) as local,
           to_char(s.starts_at at time zone e.timezone, 'YYYY-MM-DD') as day,
           to_char(s.starts_at at time zone e.timezone, 'HH24:MI') as time,
           extract(isodow from s.starts_at at time zone e.timezone)::int as isodow,
           to_char(s.starts_at at time zone 'UTC', 'HH24:MI') as utc_time
      from data.slots s join data.experiences e on e.id = s.experience_id
     where e.slug = ${slug}
     order by s.starts_at`;
}

/** A confirmed booking: on arrival (no Stripe), or paid through a Stripe session. */
async function confirmedBooking(
  slotId: number,
  quantity: number,
  contact: { name: string; email: string; phone: string | null },
  paid: 'on_arrival' | 'stripe',
): Promise<string> {
  const hold = await reserveSeats({ slotId, quantity });
  if (!hold.ok) throw new Error('no seats');
  const start = await beginCheckout(
    { bookingNumber: hold.bookingNumber, holdToken: hold.holdToken!, contact, stripeEnabled: paid === 'stripe' },
    sql,
  );
  if (paid === 'stripe') {
    const sessionId = `cs_test_${slugOf('s')}`;
    await attachCheckoutSession({ bookingNumber: hold.bookingNumber, generation: (start as { generation: number }).generation, sessionId, url: 'http://stripe.test/pay' }, sql);
    const outcome = await applyPayment(
      { bookingNumber: hold.bookingNumber, sessionId, paymentIntent: `pi_${slugOf('p')}`, amountMinor: hold.totalMinor, currency: hold.currency },
      sql,
    );
    expect(outcome.outcome).toBe('confirmed');
  }
  return hold.bookingNumber;
}

describe('weekly schedules', () => {
  // 2027: Europe/London changes on 28 March and 31 October; America/New_York on 14 March and 7 November.
  for (const zone of [
    { timezone: 'Europe/London', winter: '+00:00', summer: '+01:00', winterUtc: ['09:00', '17:30'], summerUtc: ['08:00', '16:30'] },
    { timezone: 'America/New_York', winter: '-05:00', summer: '-04:00', winterUtc: ['14:00', '22:30'], summerUtc: ['13:00', '21:30'] },
  ]) {
    test(`${zone.timezone}: the same local start times every week across the March and autumn changes`, async () => {
      const staff = await staffId();
      const slug = slugOf('dst');
      await saveExperience({ ...experience(slug, { timezone: zone.timezone }), staffId: staff, create: true });
      // Saturdays and Sundays from 1 March to 30 November 2027, 09:00 and 17:30 local, two Saturdays skipped.
      const result = await addSchedule({
        slug, fromDate: '2027-03-01', toDate: '2027-11-30', localTimes: ['17:30', '09:00'], weekdays: [6, 7],
        exceptions: ['2027-03-13', '2027-10-30', '2027-04-07' /* a Wednesday: nothing to skip */], staffId: staff,
      });
      const slots = await localSlots(slug);
      // Weekend days in the range, in SQL (not Node): minus the two skipped Saturdays, two times each.
      const [weekend] = await sql<{ days: number }[]>`
        select count(*)::int as days from generate_series('2027-03-01'::date, '2027-11-30'::date, '1 day') d
         where extract(isodow from d) in (6, 7)`;
      const days = weekend!.days;
      expect(result.slotsCreated).toBe((days - 2) * 2);
      expect(slots).toHaveLength(result.slotsCreated);
      expect(result.shifted).toEqual([]);

      expect(new Set(slots.map((s) => s.time))).toEqual(new Set(['09:00', '17:30']));
      expect(new Set(slots.map((s) => s.isodow))).toEqual(new Set([6, 7]));
      expect(slots.filter((s) => s.day === '2027-03-13' || s.day === '2027-10-30')).toEqual([]);
      // Both offsets occur, and the UTC instants moved by the hour so the wall time did not.
      const offsets = new Set(slots.map((s) => s.local.slice(19)));
      expect(offsets).toEqual(new Set([zone.winter, zone.summer]));
      for (const s of slots) {
        const utc = s.local.endsWith(zone.winter) ? zone.winterUtc : zone.summerUtc;
        expect(utc, s.local).toContain(s.utc_time);
      }
      // The weekends either side of each change, as the database prints them.
      const around = (day: string) => slots.filter((s) => s.day === day).map((s) => s.local);
      if (zone.timezone === 'Europe/London') {
        expect(around('2027-03-27')).toEqual(['2027-03-27T09:00:00+00:00', '2027-03-27T17:30:00+00:00']);
        expect(around('2027-03-28')).toEqual(['2027-03-28T09:00:00+01:00', '2027-03-28T17:30:00+01:00']);
        expect(around('2027-10-31')).toEqual(['2027-10-31T09:00:00+00:00', '2027-10-31T17:30:00+00:00']);
        expect(around('2027-10-24')).toEqual(['2027-10-24T09:00:00+01:00', '2027-10-24T17:30:00+01:00']);
      } else {
        expect(around('2027-03-13')).toEqual([]); // skipped
        expect(around('2027-03-14')).toEqual(['2027-03-14T09:00:00-04:00', '2027-03-14T17:30:00-04:00']);
        expect(around('2027-11-06')).toEqual(['2027-11-06T09:00:00-04:00', '2027-11-06T17:30:00-04:00']);
        expect(around('2027-11-07')).toEqual(['2027-11-07T09:00:00-05:00', '2027-11-07T17:30:00-05:00']);
      }

      // The rule is kept for display; adding it again makes nothing new.
      const again = await addSchedule({
        slug, fromDate: '2027-03-01', toDate: '2027-11-30', localTimes: ['09:00', '17:30'], weekdays: [7, 6],
        exceptions: ['2027-03-13', '2027-10-30'], staffId: staff,
      });
      expect(again.slotsCreated).toBe(0);
      const detail = await staffExperience(slug);
      expect(detail.schedules).toHaveLength(2);
      expect(detail.schedules[1]).toMatchObject({
        fromDate: '2027-03-01', toDate: '2027-11-30', localTimes: ['09:00', '17:30'], weekdays: [6, 7],
        exceptions: ['2027-03-13', '2027-04-07', '2027-10-30'], slotsCreated: result.slotsCreated,
      });
      const [audit] = await sql`select count(*)::int as n from data.staff_audit a join data.experiences e on e.id = a.experience_id
                                 where e.slug = ${slug} and a.action = 'schedule_added' and a.staff_id = ${staff}`;
      expect(audit!.n).toBe(2);
    });
  }

  test('a time inside the spring-forward gap is placed an hour later and reported; the repeated hour takes standard time', async () => {
    const staff = await staffId();
    const slug = slugOf('gap');
    await saveExperience({ ...experience(slug), staffId: staff, create: true });
    const result = await addSchedule({
      slug, fromDate: '2027-03-27', toDate: '2027-03-29', localTimes: ['01:30'], weekdays: [1, 2, 3, 4, 5, 6, 7], exceptions: [], staffId: staff,
    });
    expect(result).toMatchObject({ slotsCreated: 3, shifted: ['2027-03-28T02:30:00+01:00'] });
    expect((await localSlots(slug)).map((s) => s.local)).toEqual([
      '2027-03-27T01:30:00+00:00', '2027-03-28T02:30:00+01:00', '2027-03-29T01:30:00+01:00',
    ]);
    const autumn = await addSchedule({
      slug, fromDate: '2027-10-31', toDate: '2027-10-31', localTimes: ['01:30'], weekdays: [7], exceptions: [], staffId: staff,
    });
    expect(autumn).toMatchObject({ slotsCreated: 1, shifted: [] });
    expect((await localSlots(slug)).at(-1)!.local).toBe('2027-10-31T01:30:00+00:00');
  });

  test('bad schedules are refused with the field named, and change nothing', async () => {
    const staff = await staffId();
    const slug = slugOf('bad');
    await saveExperience({ ...experience(slug), staffId: staff, create: true });
    const base = { slug, fromDate: '2027-05-01', toDate: '2027-05-31', localTimes: ['10:00'], weekdays: [1], exceptions: [], staffId: staff };
    expect(await errorOf(addSchedule({ ...base, weekdays: [8] }))).toMatchObject({ code: 'invalid_schedule', details: { field: 'weekdays' } });
    expect(await errorOf(addSchedule({ ...base, weekdays: [] }))).toMatchObject({ code: 'invalid_schedule', details: { field: 'weekdays' } });
    expect(await errorOf(addSchedule({ ...base, localTimes: [] }))).toMatchObject({ code: 'invalid_schedule', details: { field: 'localTimes' } });
    expect(await errorOf(addSchedule({ ...base, toDate: '2027-04-30' }))).toMatchObject({ code: 'invalid_schedule', details: { field: 'toDate' } });
    expect(await errorOf(addSchedule({ ...base, toDate: '2030-01-01' }))).toMatchObject({ code: 'invalid_schedule', details: { field: 'toDate' } });
    expect(await errorOf(addSchedule({ ...base, slug: 'no-such-experience' }))).toMatchObject({ code: 'experience_not_found' });
    expect(await localSlots(slug)).toEqual([]);
    expect((await staffExperience(slug)).schedules).toEqual([]);
  });
});

describe('saving experiences', () => {
  test('creates, updates, validates each field by name; web name and currency are fixed once booked', async () => {
    const staff = await staffId();
    const slug = slugOf('exp');
    const created = await saveExperience({ ...experience(slug, { holdSeconds: 600, cutoffMinutes: 30 }), staffId: staff, create: true });
    expect(created).toMatchObject({ slug, timezone: 'Europe/London', holdSeconds: 600, cutoffMinutes: 30, durationMinutes: 90, hasBookings: false });
    expect(await errorOf(saveExperience({ ...experience(slug), staffId: staff, create: true }))).toMatchObject({ code: 'experience_slug_taken' });
    expect(await errorOf(saveExperience({ ...experience(slugOf('none')), staffId: staff, create: false }))).toMatchObject({ code: 'experience_not_found' });

    for (const [field, overrides] of [
      ['timezone', { timezone: 'Europe/Atlantis' }],
      ['name', { name: '  ' }],
      ['duration', { durationMinutes: 0 }],
      ['currency', { currency: 'euro' }],
      ['holdDuration', { holdSeconds: 0 }],
      ['maxPeoplePerBooking', { maxPeoplePerBooking: 0 }],
      ['defaultCapacity', { defaultCapacity: -1 }],
      ['resource', { resourceSlug: 'no-such-boat' }],
      ['slug', { newSlug: 'Not A Slug' }],
    ] as const) {
      expect(await errorOf(saveExperience({ ...experience(slug, overrides), staffId: staff, create: false })), field)
        .toMatchObject({ code: 'invalid_experience', details: { field } });
    }
    expect((await staffExperience(slug)).name).toBe('Walking tour'); // nothing changed

    // Without bookings the web name may change.
    const renamed = slugOf('renamed');
    expect(await saveExperience({ ...experience(slug, { newSlug: renamed, name: 'Evening walk', priceMinor: 3000 }), staffId: staff, create: false }))
      .toMatchObject({ slug: renamed, name: 'Evening walk', priceMinor: 3000 });

    // With one booking (any state) it may not, nor may the currency; the price may.
    const slot = await createSlot(sql, (await staffExperience(renamed)).id);
    const hold = await reserveSeats({ slotId: slot, quantity: 1 });
    if (!hold.ok) throw new Error('no seats');
    await releaseBooking({ bookingNumber: hold.bookingNumber, holdToken: hold.holdToken!, tier: 'customer' });
    expect(await errorOf(saveExperience({ ...experience(renamed, { newSlug: slugOf('again') }), staffId: staff, create: false })))
      .toMatchObject({ code: 'experience_in_use', details: { field: 'slug' } });
    expect(await errorOf(saveExperience({ ...experience(renamed, { currency: 'EUR' }), staffId: staff, create: false })))
      .toMatchObject({ code: 'experience_in_use', details: { field: 'currency' } });
    expect(await saveExperience({ ...experience(renamed, { priceMinor: 3500 }), staffId: staff, create: false }))
      .toMatchObject({ slug: renamed, priceMinor: 3500, hasBookings: true });
    const audit = await sql`select action from data.staff_audit a join data.experiences e on e.id = a.experience_id
                             where e.slug = ${renamed} order by a.id`;
    expect(audit.map((a) => a.action)).toEqual(['experience_created', 'experience_updated', 'experience_updated']);
  });
});

describe('changing an experience\'s time zone', () => {
  test('start times to come keep their local times on the new clock, across a daylight-saving change; begun ones stay; refused while any has seats taken', async () => {
    const staff = await staffId();
    const slug = slugOf('zone');
    const exp = await saveExperience({ ...experience(slug), staffId: staff, create: true });
    // Hourly, an hour apart: moved in one step, 10:00 London would land on 09:00 London's instant.
    await addSchedule({ slug, fromDate: '2027-03-26', toDate: '2027-03-29', localTimes: ['09:00', '10:00', '11:00'], weekdays: [1, 2, 3, 4, 5, 6, 7], exceptions: [], staffId: staff });
    const begun = await createSlot(sql, exp.id, { startsInHours: -1 });
    const [before] = await sql<{ starts_at: Date }[]>`select starts_at from data.slots where id = ${begun}`;
    const london = await localSlots(slug);
    expect(london.filter((x) => x.day >= '2027-03-26').map((x) => x.local.slice(11))).toEqual([
      '09:00:00+00:00', '10:00:00+00:00', '11:00:00+00:00', '09:00:00+00:00', '10:00:00+00:00', '11:00:00+00:00', // 26, 27 Mar
      '09:00:00+01:00', '10:00:00+01:00', '11:00:00+01:00', '09:00:00+01:00', '10:00:00+01:00', '11:00:00+01:00', // 28, 29 Mar (BST)
    ]);

    await saveExperience({ ...experience(slug, { timezone: 'Europe/Paris' }), staffId: staff, create: false });
    const paris = (await localSlots(slug)).filter((x) => x.day >= '2027-03-26');
    expect(paris.map((x) => `${x.day} ${x.local.slice(11)}`)).toEqual(
      london.filter((x) => x.day >= '2027-03-26').map((x) => `${x.day} ${x.local.slice(11, 19)}${x.day < '2027-03-28' ? '+01:00' : '+02:00'}`),
    );
    expect(paris.map((x) => x.utc_time).slice(0, 3)).toEqual(['08:00', '09:00', '10:00']);
    const [after] = await sql<{ starts_at: Date }[]>`select starts_at from data.slots where id = ${begun}`;
    expect(after!.starts_at).toEqual(before!.starts_at);
    // The schedule, added again on the new clock, finds its start times there already.
    expect((await addSchedule({ slug, fromDate: '2027-03-26', toDate: '2027-03-29', localTimes: ['09:00', '10:00', '11:00'], weekdays: [1, 2, 3, 4, 5, 6, 7], exceptions: [], staffId: staff })).slotsCreated).toBe(0);

    // A seat held on one start time to come: the zone stays, nothing moves.
    const [held] = await sql<{ id: string }[]>`
      select s.id from data.slots s where s.experience_id = ${exp.id} and s.starts_at > api.clock_now() order by s.starts_at limit 1`;
    expect((await reserveSeats({ slotId: Number(held!.id), quantity: 1 })).ok).toBe(true);
    const state = await localSlots(slug);
    expect(await errorOf(saveExperience({ ...experience(slug, { timezone: 'Europe/London' }), staffId: staff, create: false })))
      .toMatchObject({ code: 'experience_in_use', details: { field: 'timezone', startTimes: 1 } });
    expect(await localSlots(slug)).toEqual(state);
    expect((await staffExperience(slug)).timezone).toBe('Europe/Paris');
  });
});

describe('slot capacity and closing', () => {
  test('capacity below held + booked is refused with the minimum, and nothing changes; lapsed holds count as free', async () => {
    const staff = await staffId();
    const exp = await createExperience(sql, { capacity: 6, paymentMode: 'on_arrival' });
    const slot = await createSlot(sql, exp.id);
    await confirmedBooking(slot, 2, { name: 'Ada', email: 'ada@example.com', phone: null }, 'on_arrival');
    const hold = await reserveSeats({ slotId: slot, quantity: 1 });
    expect(hold.ok).toBe(true);

    expect(await errorOf(setSlotCapacity({ slotId: slot, capacity: 2, staffId: staff })))
      .toEqual({ code: 'capacity_below_taken', details: { minimum: 3, held: 1, booked: 2 } });
    expect(await slotCounts(sql, slot)).toEqual({ capacity: 6, held: 1, booked: 2 });
    expect(await sql`select 1 from data.staff_audit where slot_id = ${slot}`).toHaveLength(0);

    expect(await setSlotCapacity({ slotId: slot, capacity: 3, staffId: staff })).toMatchObject({ capacity: 3, remaining: 0 });
    expect(await errorOf(setSlotCapacity({ slotId: slot, capacity: -1, staffId: staff }))).toMatchObject({ code: 'invalid_experience', details: { field: 'capacity' } });
    expect(await errorOf(setSlotCapacity({ slotId: 999_999_999, capacity: 3, staffId: staff }))).toMatchObject({ code: 'slot_not_found' });

    // The hold lapses: it no longer counts, so capacity 2 is allowed and the hold is released (lazy).
    await sql`select api.shift_clock('20 minutes')`;
    try {
      expect(await setSlotCapacity({ slotId: slot, capacity: 2, staffId: staff })).toMatchObject({ capacity: 2, held: 0, booked: 2 });
    } finally {
      await sql`select api.shift_clock('-20 minutes')`;
    }
    const audit = await sql`select detail from data.staff_audit where slot_id = ${slot} and action = 'slot_capacity' order by id`;
    expect(audit.map((a) => a.detail)).toEqual([{ from: 6, to: 3 }, { from: 3, to: 2 }]);
    expect(await invariantViolations(sql)).toEqual([]);
  });

  test('a closed slot takes no reservations; holds on it stay; reopening lets customers in again', async () => {
    const staff = await staffId();
    const exp = await createExperience(sql, { capacity: 4 });
    const slot = await createSlot(sql, exp.id);
    const held = await reserveSeats({ slotId: slot, quantity: 1 });
    expect(held.ok).toBe(true);
    expect(await setSlotOpen({ slotId: slot, open: false, staffId: staff })).toMatchObject({ open: false, held: 1 });
    expect(await errorOf(reserveSeats({ slotId: slot, quantity: 1 }))).toMatchObject({ code: 'booking_closed' });
    await setSlotOpen({ slotId: slot, open: false, staffId: staff }); // idempotent, logged once
    expect(await setSlotOpen({ slotId: slot, open: true, staffId: staff })).toMatchObject({ open: true });
    expect((await reserveSeats({ slotId: slot, quantity: 1 })).ok).toBe(true);
    const audit = await sql`select action from data.staff_audit where slot_id = ${slot} order by id`;
    expect(audit.map((a) => a.action)).toEqual(['slot_closed', 'slot_opened']);
  });

  test('capacity changes racing 60 customers on their own connections never oversell', async () => {
    const staff = await staffId();
    const exp = await createExperience(sql, { capacity: 30 });
    const clients: Sql[] = Array.from({ length: 60 }, () => connect(1));
    const staffClients: Sql[] = Array.from({ length: 6 }, () => connect(1));
    await Promise.all([...clients, ...staffClients].map((c) => c`select 1`));
    for (let round = 0; round < 5; round++) {
      const slot = await createSlot(sql, exp.id, { startsInHours: 30 + round });
      let go!: () => void;
      const start = new Promise<void>((r) => (go = r));
      const reservations = clients.map(async (c) => {
        await start;
        return reserveSeats({ slotId: slot, quantity: 1 }, c);
      });
      const changes = staffClients.map(async (c, i) => {
        await start;
        const outcomes: string[] = [];
        for (const capacity of [10 + i * 3, 25 - i * 2, 12 + i]) {
          const r = await errorOf(setSlotCapacity({ slotId: slot, capacity, staffId: staff }, c));
          outcomes.push(r === 'ok' ? 'ok' : r.code);
        }
        return outcomes;
      });
      go();
      const [reserved, changed] = await Promise.all([Promise.all(reservations), Promise.all(changes)]);
      expect(new Set(changed.flat())).toSatisfy((codes: Set<string>) => [...codes].every((c) => c === 'ok' || c === 'capacity_below_taken'));
      const counts = await slotCounts(sql, slot);
      expect(counts.held).toBe(reserved.filter((r) => r.ok).length);
      expect(counts.held + counts.booked).toBeLessThanOrEqual(counts.capacity);
      expect(await invariantViolations(sql)).toEqual([]);
    }
  });
});

describe('closing start times together', () => {
  /** Open or closed, by local start, for every start time of an experience (from the database). */
  async function openByLocal(slug: string): Promise<Record<string, boolean>> {
    const rows = await sql<{ local: string; is_open: boolean }[]>`
      select data.local_iso(s.starts_at, e.timezone) as local, s.is_open
        from data.slots s join data.experiences e on e.id = s.experience_id
       where e.slug = ${slug} order by s.starts_at`;
    return Object.fromEntries(rows.map((r) => [r.local, r.is_open]));
  }

  async function slotAt(slug: string, local: string): Promise<number> {
    const [row] = await sql<{ id: string }[]>`
      select s.id from data.slots s join data.experiences e on e.id = s.experience_id
       where e.slug = ${slug} and data.local_iso(s.starts_at, e.timezone) = ${local}`;
    return Number(row!.id);
  }

  test('closes the start times asked for on the experience\'s clock, across a daylight-saving change; holds and bookings stay and are listed; reopening undoes it', async () => {
    const staff = await staffId();
    const slug = slugOf('bulk');
    const other = slugOf('bulk-other');
    await saveExperience({ ...experience(slug, { paymentMode: 'on_arrival' }), staffId: staff, create: true });
    await saveExperience({ ...experience(other), staffId: staff, create: true });
    const every = [1, 2, 3, 4, 5, 6, 7];
    // 25 March to 3 April 2027, 09:00 and 14:00 in London (clocks go forward on Sunday 28 March).
    for (const s of [slug, other]) {
      await addSchedule({ slug: s, fromDate: '2027-03-25', toDate: '2027-04-03', localTimes: ['09:00', '14:00'], weekdays: every, exceptions: [], staffId: staff });
    }
    const sat = await slotAt(slug, '2027-03-27T09:00:00+00:00');
    const sun = await slotAt(slug, '2027-03-28T09:00:00+01:00');
    const booking = await confirmedBooking(sat, 2, { name: 'Ada', email: 'ada@example.com', phone: null }, 'on_arrival');
    const hold = await reserveSeats({ slotId: sun, quantity: 3 });
    expect(hold.ok).toBe(true);

    // The weekend's mornings, either side of the change.
    const closed = await setSlotsOpen({ slug, fromDate: '2027-03-27', toDate: '2027-03-28', localTimes: ['09:00'], weekdays: [6, 7], open: false, staffId: staff });
    expect(closed).toEqual({
      matched: 2,
      changed: 2,
      withPeople: [
        { slotId: sat, localStartsAt: '2027-03-27T09:00:00+00:00', booked: 2, held: 0 },
        { slotId: sun, localStartsAt: '2027-03-28T09:00:00+01:00', booked: 0, held: 3 },
      ],
    });
    const state = await openByLocal(slug);
    expect(Object.entries(state).filter(([, open]) => !open).map(([local]) => local)).toEqual([
      '2027-03-27T09:00:00+00:00', '2027-03-28T09:00:00+01:00',
    ]);
    expect(Object.values(await openByLocal(other)).every(Boolean)).toBe(true);
    // Closed: no new reservations; the booking and the hold are as they were.
    expect(await errorOf(reserveSeats({ slotId: sat, quantity: 1 }))).toMatchObject({ code: 'booking_closed' });
    expect(await slotCounts(sql, sat)).toMatchObject({ booked: 2, held: 0 });
    expect(await slotCounts(sql, sun)).toMatchObject({ booked: 0, held: 3 });
    const [b] = await sql`select status from data.pending_bookings where booking_number = ${booking}`;
    expect(b!.status).toBe('confirmed');

    // Asked again: matched, nothing changed, nothing logged twice.
    expect(await setSlotsOpen({ slug, fromDate: '2027-03-27', toDate: '2027-03-28', localTimes: ['09:00'], weekdays: [6, 7], open: false, staffId: staff }))
      .toEqual({ matched: 2, changed: 0, withPeople: [] });
    // No times given: every start time of those days and weekdays; only Sundays here.
    expect(await setSlotsOpen({ slug, fromDate: '2027-03-25', toDate: '2027-04-03', localTimes: [], weekdays: [7], open: false, staffId: staff }))
      .toMatchObject({ matched: 2, changed: 1 });
    expect(Object.entries(await openByLocal(slug)).filter(([, open]) => !open).map(([local]) => local)).toEqual([
      '2027-03-27T09:00:00+00:00', '2027-03-28T09:00:00+01:00', '2027-03-28T14:00:00+01:00',
    ]);

    // Reopen the whole range: the three come back, and customers get in again.
    expect(await setSlotsOpen({ slug, fromDate: '2027-03-25', toDate: '2027-04-03', localTimes: [], weekdays: every, open: true, staffId: staff }))
      .toEqual({ matched: 20, changed: 3, withPeople: [] });
    expect(Object.values(await openByLocal(slug)).every(Boolean)).toBe(true);
    expect((await reserveSeats({ slotId: sat, quantity: 1 })).ok).toBe(true);

    const audit = await sql<{ slot_id: string; action: string; detail: { together: { fromDate: string; weekdays: number[]; localTimes: string[] } } }[]>`
      select a.slot_id, a.action, a.detail from data.staff_audit a join data.experiences e on e.id = a.experience_id
       where e.slug = ${slug} and a.action in ('slot_closed', 'slot_opened') order by a.id`;
    expect(audit.map((a) => [Number(a.slot_id), a.action])).toEqual([
      [sat, 'slot_closed'], [sun, 'slot_closed'], [await slotAt(slug, '2027-03-28T14:00:00+01:00'), 'slot_closed'],
      [sat, 'slot_opened'], [sun, 'slot_opened'], [await slotAt(slug, '2027-03-28T14:00:00+01:00'), 'slot_opened'],
    ]);
    expect(audit[0]!.detail.together).toEqual({ fromDate: '2027-03-27', toDate: '2027-03-28', weekdays: [6, 7], localTimes: ['09:00'] });
    expect(await invariantViolations(sql)).toEqual([]);
  });

  test('start times that have begun are left alone', async () => {
    const staff = await staffId();
    const exp = await createExperience(sql, { timezone: 'UTC' });
    const begun = await createSlot(sql, exp.id, { startsInHours: -1 });
    const later = await createSlot(sql, exp.id, { startsInHours: 49 });
    const [range] = await sql<{ from: string; to: string }[]>`
      select to_char(api.clock_now() at time zone 'UTC' - interval '1 day', 'YYYY-MM-DD') as from,
             to_char(api.clock_now() at time zone 'UTC' + interval '3 days', 'YYYY-MM-DD') as to`;
    const result = await setSlotsOpen({ slug: exp.slug, fromDate: range!.from, toDate: range!.to, localTimes: [], weekdays: [1, 2, 3, 4, 5, 6, 7], open: false, staffId: staff });
    expect(result).toMatchObject({ matched: 1, changed: 1 });
    const rows = await sql`select id, is_open from data.slots where id in (${begun}, ${later}) order by id`;
    expect(rows.map((r) => [Number(r.id), r.is_open])).toEqual([[begun, true], [later, false]]);
  });

  test('bad requests are refused with the field named, and change nothing', async () => {
    const staff = await staffId();
    const slug = slugOf('bulk-bad');
    await saveExperience({ ...experience(slug), staffId: staff, create: true });
    await addSchedule({ slug, fromDate: '2027-05-01', toDate: '2027-05-07', localTimes: ['10:00'], weekdays: [1, 2, 3, 4, 5, 6, 7], exceptions: [], staffId: staff });
    const base = { slug, fromDate: '2027-05-01', toDate: '2027-05-07', localTimes: ['10:00'], weekdays: [1, 2, 3, 4, 5, 6, 7], open: false, staffId: staff };
    const field = (f: string) => ({ code: 'invalid_schedule', details: { field: f } });
    expect(await errorOf(setSlotsOpen({ ...base, weekdays: [] }))).toMatchObject(field('weekdays'));
    expect(await errorOf(setSlotsOpen({ ...base, weekdays: [0] }))).toMatchObject(field('weekdays'));
    expect(await errorOf(setSlotsOpen({ ...base, toDate: '2027-04-30' }))).toMatchObject(field('toDate'));
    expect(await errorOf(setSlotsOpen({ ...base, toDate: '2030-01-01' }))).toMatchObject(field('toDate'));
    expect(await errorOf(setSlotsOpen({ ...base, slug: 'no-such-experience' }))).toMatchObject({ code: 'experience_not_found' });
    expect(await errorOf(setSlotsOpen({ ...base, toDate: null as unknown as string }))).toMatchObject(field('toDate'));
    expect(await errorOf(setSlotsOpen({ ...base, fromDate: null as unknown as string }))).toMatchObject(field('fromDate'));
    expect(await errorOf(setSlotsOpen({ ...base, open: null as unknown as boolean }))).toMatchObject({ code: 'invalid_experience', details: { field: 'open' } });
    expect(Object.values(await openByLocal(slug)).every(Boolean)).toBe(true);
    const [audit] = await sql`select count(*)::int as n from data.staff_audit a join data.experiences e on e.id = a.experience_id
                               where e.slug = ${slug} and a.action in ('slot_closed', 'slot_opened')`;
    expect(audit!.n).toBe(0);
  });

  test('closing a day while 40 customers reserve on their own connections: after the close no reservation gets in; two staff closing at once change each start time once', async () => {
    const staff = await staffId();
    const exp = await createExperience(sql, { timezone: 'UTC', capacity: 1000 });
    const customers: Sql[] = Array.from({ length: 40 }, () => connect(1));
    const staffClients: Sql[] = Array.from({ length: 2 }, () => connect(1));
    await Promise.all([...customers, ...staffClients].map((c) => c`select 1`));
    for (let round = 0; round < 10; round++) {
      // Six start times on one UTC day of their own, 10 + round days ahead, from 08:00.
      const midnight = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + (10 + round) * 86_400_000);
      const day = midnight.toISOString().slice(0, 10);
      const slots: number[] = [];
      for (let h = 0; h < 6; h++) {
        slots.push(await createSlot(sql, exp.id, { startsAt: new Date(midnight.getTime() + (8 + h) * 3_600_000) }));
      }
      const inDay = slots.length;
      let go!: () => void;
      const start = new Promise<void>((r) => (go = r));
      let closedAt = 0;
      // Each customer reserves on the day's start times in turn until one says it is closed;
      // every outcome is stamped with the order in which it came back.
      let answered = 0;
      const outcomes = customers.map(async (c, i) => {
        await start;
        const seen: { slot: number; outcome: string; at: number; sent: number }[] = [];
        for (let k = 0; k < 40; k++) {
          const slot = slots[(i + k) % slots.length]!;
          const sent = answered;
          const outcome = await reserveSeats({ slotId: slot, quantity: 1 }, c).then(
            (r) => (r.ok ? 'ok' : `refused: ${JSON.stringify(r)}`),
            (err: unknown) => (err instanceof AppError ? err.code : Promise.reject(err)),
          );
          seen.push({ slot, outcome, at: ++answered, sent });
          if (outcome === 'booking_closed' && seen.filter((s) => s.outcome === 'booking_closed').length >= slots.length) break;
        }
        return seen;
      });
      const closes = staffClients.map(async (c) => {
        await start;
        await new Promise((r) => setTimeout(r, 5));
        const result = await setSlotsOpen({ slug: exp.slug, fromDate: day, toDate: day, localTimes: [], weekdays: [1, 2, 3, 4, 5, 6, 7], open: false, staffId: staff }, c);
        closedAt = Math.max(closedAt, ++answered);
        return result;
      });
      go();
      const [seen, results] = await Promise.all([Promise.all(outcomes), Promise.all(closes)]);
      const all = seen.flat();

      // Both staff calls matched the day; between them each start time changed exactly once.
      expect(results.map((r) => r.matched)).toEqual([inDay, inDay]);
      expect(results[0]!.changed + results[1]!.changed).toBe(inDay);
      const audit = await sql`select slot_id, count(*)::int as n from data.staff_audit where slot_id = any (${slots}) group by slot_id`;
      expect(audit.map((a) => a.n)).toEqual(audit.map(() => 1));
      expect(audit).toHaveLength(inDay);
      // Only two outcomes: a seat, or closed.
      expect(new Set(all.map((s) => s.outcome))).toSatisfy((o: Set<string>) => [...o].every((x) => x === 'ok' || x === 'booking_closed'));
      // A reservation sent after both closes had answered never got a seat on the closed day.
      const closedSlots = new Set((await sql`select id from data.slots where id = any (${slots}) and not is_open`).map((r) => Number(r.id)));
      expect(closedSlots.size).toBe(inDay);
      expect(all.filter((s) => s.sent >= closedAt && closedSlots.has(s.slot) && s.outcome === 'ok')).toEqual([]);
      // Once a customer was told a start time is closed, it stays closed for them.
      for (const mine of seen) {
        for (const slot of closedSlots) {
          const outcomesOnSlot = mine.filter((s) => s.slot === slot).map((s) => s.outcome);
          const firstClosed = outcomesOnSlot.indexOf('booking_closed');
          if (firstClosed >= 0) expect(outcomesOnSlot.slice(firstClosed).every((o) => o === 'booking_closed')).toBe(true);
        }
      }
      // Every seat granted is held, counted once, on its slot.
      for (const slot of slots) {
        expect((await slotCounts(sql, slot)).held).toBe(all.filter((s) => s.slot === slot && s.outcome === 'ok').length);
      }
      expect(await invariantViolations(sql)).toEqual([]);
    }
  });
});

describe('manifest and check-in', () => {
  test('confirmed parties with contact, people, paid or due; live holds counted; released bookings absent', async () => {
    const exp = await createExperience(sql, { capacity: 10, priceMinor: 2000, currency: 'EUR' });
    const slot = await createSlot(sql, exp.id);
    const arriving = await confirmedBooking(slot, 3, { name: 'Grace Hopper', email: 'grace@example.com', phone: '+44 20 7946 0000' }, 'on_arrival');
    const paid = await confirmedBooking(slot, 2, { name: 'Alan Turing', email: 'alan@example.com', phone: null }, 'stripe');
    const live = await reserveSeats({ slotId: slot, quantity: 1 });
    const gone = await reserveSeats({ slotId: slot, quantity: 4 });
    if (!live.ok || !gone.ok) throw new Error('no seats');
    await releaseBooking({ bookingNumber: gone.bookingNumber, holdToken: gone.holdToken!, tier: 'customer' });

    const m = await manifest(slot);
    expect(m.slot).toMatchObject({ slotId: slot, capacity: 10, booked: 5, held: 1, remaining: 4, experienceSlug: exp.slug });
    expect(m.liveHolds).toEqual({ bookings: 1, people: 1 });
    expect(m.bookings).toEqual([
      { bookingNumber: arriving, name: 'Grace Hopper', email: 'grace@example.com', phone: '+44 20 7946 0000', people: 3,
        paymentProvider: 'on_arrival', paid: false, amountMinor: 6000, currency: 'EUR', checkedIn: false, checkedInAt: null },
      { bookingNumber: paid, name: 'Alan Turing', email: 'alan@example.com', phone: null, people: 2,
        paymentProvider: 'stripe', paid: true, amountMinor: 4000, currency: 'EUR', checkedIn: false, checkedInAt: null },
    ]);
    expect(m.totals).toEqual({ people: 5, checkedInPeople: 0, dueMinor: 6000 });
    expect(await errorOf(manifest(999_999_999))).toMatchObject({ code: 'slot_not_found' });
  });

  test('check-in toggles, is idempotent, is logged in booking_events with the staff id; only manifest parties', async () => {
    const staff = await staffId('staff');
    const exp = await createExperience(sql, { capacity: 10 });
    const slot = await createSlot(sql, exp.id);
    const other = await createSlot(sql, exp.id, { startsInHours: 48 });
    const booking = await confirmedBooking(slot, 2, { name: 'Mary', email: 'mary@example.com', phone: null }, 'on_arrival');
    const live = await reserveSeats({ slotId: slot, quantity: 1 });
    if (!live.ok) throw new Error('no seats');

    const first = await checkIn({ bookingNumber: booking, slotId: slot, staffId: staff, checkedIn: true });
    expect(first).toMatchObject({ checkedIn: true, changed: true, checkedInAt: expect.any(String) });
    expect(await checkIn({ bookingNumber: booking, slotId: slot, staffId: staff, checkedIn: true })).toMatchObject({ checkedIn: true, changed: false });
    expect((await manifest(slot)).bookings[0]).toMatchObject({ checkedIn: true });
    expect((await manifest(slot)).totals.checkedInPeople).toBe(2);

    expect(await checkIn({ bookingNumber: booking, slotId: slot, staffId: staff, checkedIn: false })).toMatchObject({ checkedIn: false, changed: true, checkedInAt: null });
    expect((await manifest(slot)).bookings[0]).toMatchObject({ checkedIn: false });
    expect(await checkIn({ bookingNumber: booking, slotId: slot, staffId: staff, checkedIn: true })).toMatchObject({ checkedIn: true });

    const events = await sql`
      select e.type, e.tier, e.slot_id, e.detail->>'staffId' as staff from data.booking_events e
        join data.pending_bookings b on b.id = e.booking_id
       where b.booking_number = ${booking} and e.type in ('checked_in', 'check_in_undone') order by e.id`;
    expect(events.map((e) => ({ ...e }))).toEqual([
      { type: 'checked_in', tier: 'staff', slot_id: String(slot), staff: String(staff) },
      { type: 'check_in_undone', tier: 'staff', slot_id: String(slot), staff: String(staff) },
      { type: 'checked_in', tier: 'staff', slot_id: String(slot), staff: String(staff) },
    ]);

    expect(await errorOf(checkIn({ bookingNumber: live.bookingNumber, slotId: slot, staffId: staff, checkedIn: true })))
      .toMatchObject({ code: 'not_on_manifest', details: { status: 'held' } });
    expect(await errorOf(checkIn({ bookingNumber: booking, slotId: other, staffId: staff, checkedIn: true }))).toMatchObject({ code: 'not_on_manifest' });
    expect(await errorOf(checkIn({ bookingNumber: 'BK-000000-AAAAAA', slotId: slot, staffId: staff, checkedIn: true }))).toMatchObject({ code: 'booking_not_found' });
  });
});
