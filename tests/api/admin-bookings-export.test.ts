/**
 * GET /api/admin/bookings/export through the real route handler: staff only; the CSV holds the
 * bookings the list shows for the same filters, every page of them, newest first, read back by a
 * real CSV parser (commas, quotes and line breaks survive; a name typed as a formula is kept as
 * text); bad filters are refused and nothing is exported; over the limit it says it stopped.
 */
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, test } from 'vitest';
import { GET } from '@/app/api/admin/bookings/export/route';
import { exportBookings, searchBookings, staffCreateBooking } from '@/db/admin-bookings';
import { createStaffAccount } from '@/db/staff';
import { hashPassword, signIn, STAFF_COOKIE } from '@/lib/staff-auth';
import { connect, createExperience, createSlot } from '../helpers/fixtures';
import { request } from '../helpers/http';

const sql = connect(2);
let cookie = '';
let staffId = 0;

const download = (query = '', headers: Record<string, string> = { cookie }) => GET(request('GET', `/api/admin/bookings/export${query}`, { headers }));

async function csvOf(res: Response): Promise<Record<string, string>[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  return parse(await res.text(), { columns: true, bom: true }) as Record<string, string>[];
}

const NAMES = ['Ada Lovelace', 'Smith, "Jo"', 'Line\nbreak', '=HYPERLINK("http://evil.example","click")', '@SUM(A1)'];

beforeAll(async () => {
  await createStaffAccount({ email: 'export@example.com', name: 'Export Staff', role: 'staff', passwordHash: await hashPassword('export password') });
  const session = (await signIn('export@example.com', 'export password'))!;
  cookie = `${STAFF_COOKIE}=${session.token}`;
  const [row] = await sql<{ id: string }[]>`select id from data.staff_accounts where email = 'export@example.com'`;
  staffId = Number(row!.id);

  const exp = await createExperience(sql, { capacity: 1000, priceMinor: 2550, currency: 'EUR', paymentMode: 'on_arrival' });
  const slot = await createSlot(sql, exp.id);
  for (const name of NAMES) {
    await staffCreateBooking({ items: [{ slotId: slot, quantity: 2 }], name, email: null, phone: '+44 20 7946 0018', channel: 'phone', staffId });
  }
  // 230 holds: more than one page of the list (200).
  await sql`select api.reserve_seats(${slot}::bigint, 1) from generate_series(1, 230)`;
});

describe('GET /api/admin/bookings/export', () => {
  test('refuses visitors who are not staff, with 401 and no CSV', async () => {
    for (const headers of [{}, { cookie: `${STAFF_COOKIE}=${'a'.repeat(64)}` }, { cookie: 'hf_hold=BK-1.token' }] as Record<string, string>[]) {
      const res = await download('', headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/json');
    }
  });

  test('every booking the list holds, every page, newest first, each once', async () => {
    const res = await download();
    const rows = await csvOf(res);
    const list = await searchBookings({ limit: 200 });
    expect(rows).toHaveLength(list.total);
    expect(list.total).toBe(235);
    expect(res.headers.get('x-holdfast-total')).toBe('235');
    expect(res.headers.get('x-holdfast-truncated')).toBe('false');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="holdfast-bookings.csv"');
    expect(new Set(rows.map((r) => r.booking_number)).size).toBe(235);
    expect(rows.slice(0, 200).map((r) => r.booking_number)).toEqual(list.rows.map((r) => r.bookingNumber));
    const created = rows.map((r) => Date.parse(r.created_at_utc!));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(Object.keys(rows[0]!)).toEqual([
      'booking_number', 'status', 'created_at_utc', 'first_start_local', 'time_zone', 'experiences', 'people', 'start_times',
      'customer_name', 'customer_email', 'customer_phone', 'payment', 'currency', 'total', 'paid', 'refunded',
    ]);
  });

  test('text survives as typed; what a spreadsheet would run as a formula is kept as text; amounts in the currency\'s units', async () => {
    const rows = await csvOf(await download('?status=confirmed'));
    expect(rows).toHaveLength(NAMES.length);
    expect(rows.map((r) => r.customer_name).sort()).toEqual(
      ['Ada Lovelace', 'Smith, "Jo"', 'Line\nbreak', `'=HYPERLINK("http://evil.example","click")`, `'@SUM(A1)`].sort(),
    );
    const ada = rows.find((r) => r.customer_name === 'Ada Lovelace')!;
    expect(ada).toMatchObject({
      status: 'confirmed', people: '2', start_times: '1', customer_phone: `'+44 20 7946 0018`, payment: 'on_arrival',
      currency: 'EUR', total: '51.00', paid: '0.00', refunded: '0.00', time_zone: 'Europe/Lisbon',
    });
    expect(ada.first_start_local).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  });

  test('bad filters are refused with 422 and a code; no file', async () => {
    for (const query of ['?status=paid', '?from=tomorrow', '?from=2027-02-02&to=2027-02-01', '?colour=blue']) {
      const res = await download(query);
      expect(res.status, query).toBe(422);
      expect(((await res.json()) as { code: string }).code).toBe('invalid_request');
    }
    // A NUL character PostgreSQL cannot store in text: a 400 with a code, not a 500.
    const nul = await download('?q=%00');
    expect(nul.status).toBe(400);
    expect(((await nul.json()) as { code: string }).code).toBe('invalid_input');
  });

  test('over the limit, the newest are exported and the answer says it stopped', async () => {
    const { rows, total, truncated } = await exportBookings({}, sql, 150);
    expect([rows.length, total, truncated]).toEqual([150, 235, true]);
    expect(rows.map((r) => r.bookingNumber)).toEqual((await searchBookings({ limit: 150 })).rows.map((r) => r.bookingNumber));
  });
});
