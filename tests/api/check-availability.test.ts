/** GET /api/check-availability through the real route handler. */
import { beforeAll, describe, expect, test } from 'vitest';
import { GET } from '@/app/api/check-availability/route';
import reserveAvailabilityRoute from '@/pages/api/reserve-availability';
import { connect, createExperience } from '../helpers/fixtures';
import { json, request, nodeRoute } from '../helpers/http';

const reserve = nodeRoute(reserveAvailabilityRoute);

const sql = connect(2);
const check = async (query: string) => json(await GET(request('GET', `/api/check-availability?${query}`)));
let slug: string;
let day: string;

const LOCAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
interface Slot {
  slotId: number;
  startsAt: string;
  endsAt: string;
  localStartsAt: string;
  localEndsAt: string;
  heldUntil: string | null;
  localHeldUntil: string | null;
  remaining: number;
  held: number;
}

beforeAll(async () => {
  slug = (await createExperience(sql, { timezone: 'America/New_York', capacity: 6 })).slug;
  const [row] = await sql`select to_char((api.clock_now() at time zone 'America/New_York')::date + 2, 'YYYY-MM-DD') as day`;
  day = row!.day as string;
  await sql`select api.generate_slots(${slug}, ${day}::date, ${day}::date, array['09:00', '13:00']::time[])`;
});

describe('GET /api/check-availability', () => {
  test('200: start times of the local day, with live numbers', async () => {
    const res = await check(`experience=${slug}&from=${day}&to=${day}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toBe('application/json');
    const slots = res.body.slots as Slot[];
    expect(slots).toHaveLength(2);
    expect(slots.map((s) => s.localStartsAt)).toEqual([`${day}T09:00:00${slots[0]!.localStartsAt.slice(19)}`, `${day}T13:00:00${slots[1]!.localStartsAt.slice(19)}`]);
    expect(slots.map((s) => new Date(s.startsAt).toLocaleTimeString('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit' }))).toEqual([
      '09:00',
      '13:00',
    ]);
    const held = await reserve(request('POST', '/api/reserve-availability', { body: { slotId: slots[0]!.slotId, quantity: 4 } }));
    expect(held.status).toBe(201);
    const after = await check(`experience=${slug}&from=${day}&to=${day}`);
    const [first, second] = after.body.slots as Slot[];
    expect(first).toMatchObject({ remaining: 2, held: 4 });
    // "may free at": the hold's end on the experience's clock, the same instant to the second.
    expect(first!.localHeldUntil).toMatch(LOCAL_ISO);
    expect(Date.parse(first!.localHeldUntil!)).toBe(Math.floor(Date.parse(first!.heldUntil!) / 1000) * 1000);
    expect(second).toMatchObject({ heldUntil: null, localHeldUntil: null });
  });

  test('customers asking at once get the same answer, each a response of its own', async () => {
    const responses = await Promise.all(Array.from({ length: 12 }, () => check(`experience=${slug}&from=${day}&to=${day}`)));
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([200]));
    for (const r of responses) expect(r.body).toEqual(responses[0]!.body);
    expect((responses[0]!.body.slots as Slot[]).map((s) => s.slotId)).toHaveLength(2);
  });

  test('local times come from PostgreSQL, with their offset, either side of a DST change', async () => {
    // The UK goes to summer time at 01:00 GMT on Sunday 28 March 2027.
    const london = (await createExperience(sql, { timezone: 'Europe/London', duration: '90 minutes' })).slug;
    await sql`select api.generate_slots(${london}, '2027-03-27', '2027-03-28', array['00:30', '09:00']::time[])`;
    const res = await check(`experience=${london}&from=2027-03-27&to=2027-03-28`);
    expect(res.status).toBe(200);
    const slots = res.body.slots as Slot[];
    expect(slots.map((s) => s.localStartsAt)).toEqual([
      '2027-03-27T00:30:00+00:00',
      '2027-03-27T09:00:00+00:00',
      '2027-03-28T00:30:00+00:00',
      '2027-03-28T09:00:00+01:00',
    ]);
    // What PostgreSQL itself prints for each instant in the zone (to_char with the session zone
    // set, an independent path from data.local_iso's arithmetic).
    const expected = await sql.begin(async (tx) => {
      await tx`set local time zone 'Europe/London'`;
      return tx<{ starts: string; ends: string }[]>`
        select to_char(s.starts_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') as starts,
               to_char(s.ends_at, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM') as ends
          from data.slots s join data.experiences e on e.id = s.experience_id
         where e.slug = ${london} order by s.starts_at`;
    });
    expect(slots.map((s) => [s.localStartsAt, s.localEndsAt])).toEqual(expected.map((r) => [r.starts, r.ends]));
    for (const s of slots) {
      expect(Date.parse(s.localStartsAt)).toBe(Date.parse(s.startsAt));
      expect(Date.parse(s.localEndsAt)).toBe(Date.parse(s.endsAt));
      expect(s.localHeldUntil).toBeNull();
    }
  });

  test('defaults to the next 30 days from today in the experience’s time zone', async () => {
    const res = await check(`experience=${slug}`);
    expect(res.status).toBe(200);
    expect((res.body.slots as unknown[]).length).toBe(2);
  });

  test('errors: 422 missing or malformed parameters, 404 unknown experience, 422 bad range', async () => {
    const cases: [string, number, string][] = [
      ['', 422, 'invalid_request'],
      ['experience=Bad Slug!', 422, 'invalid_request'],
      [`experience=${slug}&from=tomorrow`, 422, 'invalid_request'],
      [`experience=${slug}&from=2030-02-30`, 422, 'invalid_request'],
      [`experience=${slug}&extra=1`, 422, 'invalid_request'],
      ['experience=no-such-experience', 404, 'experience_not_found'],
      [`experience=${slug}&from=2030-03-01&to=2030-02-01`, 422, 'invalid_range'],
      [`experience=${slug}&from=2030-01-01&to=2030-12-31`, 422, 'invalid_range'],
    ];
    for (const [query, status, code] of cases) {
      const res = await check(query);
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status, code });
      expect(typeof res.body.message).toBe('string');
    }
  });
});
