/** GET /api/check-availability through the real route handler. */
import { beforeAll, describe, expect, test } from 'vitest';
import { GET } from '@/app/api/check-availability/route';
import { POST as reserve } from '@/app/api/reserve-availability/route';
import { connect, createExperience } from '../helpers/fixtures';
import { json, request } from '../helpers/http';

const sql = connect(2);
const check = async (query: string) => json(await GET(request('GET', `/api/check-availability?${query}`)));
let slug: string;
let day: string;

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
    const slots = res.body.slots as { slotId: number; startsAt: string; remaining: number }[];
    expect(slots).toHaveLength(2);
    expect(slots.map((s) => new Date(s.startsAt).toLocaleTimeString('en-GB', { timeZone: 'America/New_York', hour: '2-digit', minute: '2-digit' }))).toEqual([
      '09:00',
      '13:00',
    ]);
    const held = await reserve(request('POST', '/api/reserve-availability', { body: { slotId: slots[0]!.slotId, quantity: 4 } }));
    expect(held.status).toBe(201);
    const after = await check(`experience=${slug}&from=${day}&to=${day}`);
    expect((after.body.slots as { remaining: number; held: number }[])[0]).toMatchObject({ remaining: 2, held: 4 });
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
