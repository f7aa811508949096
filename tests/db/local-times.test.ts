/**
 * data.local_iso and the local fields it feeds: the database, whose time-zone data placed the
 * slots, is the one that says their wall-clock times. Each local string must denote exactly the
 * instant it was made from (to the second), with the offset PostgreSQL itself knows.
 */
import { describe, expect, test } from 'vitest';
import { listExperiences } from '@/db/reservations';
import { EmailBooking } from '@/emails/email-booking';
import { connect, createExperience, createSlot } from '../helpers/fixtures';

const sql = connect(2);

const LOCAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

// Half-hour and 45-minute offsets, negative ones, one past +12, both hemispheres' DST, and UTC.
const ZONES = [
  'UTC',
  'Europe/London',
  'America/Vancouver',
  'America/St_Johns', // −03:30 / −02:30
  'America/Sao_Paulo',
  'Asia/Kolkata', // +05:30
  'Asia/Kathmandu', // +05:45
  'Australia/Lord_Howe', // +10:30 / +11:00, a half-hour DST shift
  'Pacific/Kiritimati', // +14:00
  'Pacific/Pago_Pago', // −11:00
];

describe('data.local_iso', () => {
  test('known answers: offsets with minutes, negative offsets, either side of a DST change', async () => {
    const [row] = await sql<Record<string, string | null>[]>`
      select data.local_iso('2026-07-01T12:00:00Z', 'Asia/Kolkata') as kolkata,
             data.local_iso('2026-01-01T00:00:00Z', 'America/St_Johns') as st_johns,
             data.local_iso('2026-01-01T00:00:00Z', 'Asia/Kathmandu') as kathmandu,
             data.local_iso('2027-03-28T00:59:59Z', 'Europe/London') as before_change,
             data.local_iso('2027-03-28T01:00:00Z', 'Europe/London') as after_change,
             data.local_iso('2026-07-01T12:00:00.999Z', 'UTC') as fraction,
             data.local_iso(null, 'Europe/London') as nothing`;
    expect(row).toEqual({
      kolkata: '2026-07-01T17:30:00+05:30',
      st_johns: '2025-12-31T20:30:00-03:30',
      kathmandu: '2026-01-01T05:45:00+05:45',
      before_change: '2027-03-28T00:59:59+00:00',
      after_change: '2027-03-28T02:00:00+01:00',
      fraction: '2026-07-01T12:00:00+00:00', // to the second
      nothing: null,
    });
  });

  test('round-trips: the string denotes the input instant, in every zone, all year round', async () => {
    // Every 7 hours 13 minutes through 2026–2027 (so every hour of the day comes round), plus the
    // seconds either side of each zone's transitions in that span.
    const rows = await sql<{ zone: string; at: string; local: string; parsed_back: boolean; wall: string }[]>`
      with instants as (
        select generate_series('2026-01-01T00:00:00Z'::timestamptz, '2027-12-31T00:00:00Z', '7 hours 13 minutes') as at
      ), zones as (
        select unnest(${ZONES}::text[]) as zone
      ), transitions as (
        -- An instant just before and at each change of offset found by the series above.
        select z.zone, t.at
          from zones z
         cross join lateral (
           select i.at, (i.at at time zone z.zone) - (i.at at time zone 'UTC') as off,
                  lag((i.at at time zone z.zone) - (i.at at time zone 'UTC')) over (order by i.at) as prev_off
             from instants i) c
         cross join lateral (values (c.at), (c.at - interval '7 hours 13 minutes')) t(at)
         where c.prev_off is not null and c.off <> c.prev_off
      ), cases as (
        select z.zone, i.at from zones z cross join instants i
        union all
        select zone, at from transitions
      )
      select zone, to_json(at)#>>'{}' as at, data.local_iso(at, zone) as local,
             data.local_iso(at, zone)::timestamptz = at as parsed_back,
             to_char(at at time zone zone, 'YYYY-MM-DD"T"HH24:MI:SS') as wall
        from cases`;
    expect(rows.length).toBeGreaterThan(ZONES.length * 2000);
    const bad = rows.filter(
      (r) => !LOCAL_ISO.test(r.local) || !r.parsed_back || Date.parse(r.local) !== Date.parse(r.at) || r.local.slice(0, 19) !== r.wall,
    );
    expect(bad.slice(0, 5)).toEqual([]);
    // Each zone showed its offsets, including the odd ones.
    const offsets = new Set(rows.map((r) => `${r.zone} ${r.local.slice(19)}`));
    for (const seen of [
      'Asia/Kolkata +05:30',
      'Asia/Kathmandu +05:45',
      'America/St_Johns -03:30',
      'America/St_Johns -02:30',
      'Australia/Lord_Howe +10:30',
      'Australia/Lord_Howe +11:00',
      'Pacific/Kiritimati +14:00',
      'Pacific/Pago_Pago -11:00',
      'Europe/London +00:00',
      'Europe/London +01:00',
      'UTC +00:00',
    ]) {
      expect(offsets).toContain(seen);
    }
  });
});

describe('local fields beside the UTC ones', () => {
  test('api.list_experiences: localNextStartsAt is the next start on the experience’s clock', async () => {
    const exp = await createExperience(sql, { timezone: 'Asia/Kolkata' });
    const slot = await createSlot(sql, exp.id, { startsInHours: 30 });
    const [row] = await sql<{ starts_at: Date }[]>`select starts_at from data.slots where id = ${slot}`;
    const listed = (await listExperiences(sql)).find((e) => e.slug === exp.slug)!;
    expect(listed.localNextStartsAt).toMatch(/\+05:30$/);
    expect(Date.parse(listed.localNextStartsAt!)).toBe(Math.floor(row!.starts_at.getTime() / 1000) * 1000);
    expect(Date.parse(listed.nextStartsAt!)).toBe(row!.starts_at.getTime());

    const none = await createExperience(sql, { timezone: 'America/Vancouver' });
    expect((await listExperiences(sql)).find((e) => e.slug === none.slug)).toMatchObject({ nextStartsAt: null, localNextStartsAt: null });
  });

  test('data.booking_json and api.email_content: each item has localStartsAt and localEndsAt', async () => {
    const exp = await createExperience(sql, { timezone: 'America/St_Johns', duration: '2 hours' });
    const slot = await createSlot(sql, exp.id, { startsAt: new Date('2027-01-15T13:00:00Z') });
    const [held] = await sql<{ result: { bookingNumber: string; items: Record<string, string>[] } }[]>`
      select api.reserve_seats(p_slot_id => ${slot}::bigint, p_quantity => 2) as result`;
    const item = held!.result.items[0]!;
    expect(item).toMatchObject({
      timezone: 'America/St_Johns',
      localStartsAt: '2027-01-15T09:30:00-03:30',
      localEndsAt: '2027-01-15T11:30:00-03:30',
    });

    // An outbox row for the booking, as confirming it would queue, read back as the email job does.
    const [outbox] = await sql<{ id: string }[]>`
      select data.queue_email(id, 'confirmation', 'test-' || booking_number) as id
        from data.pending_bookings where booking_number = ${held!.result.bookingNumber}`;
    const [content] = await sql<{ result: { booking: Record<string, unknown> } }[]>`
      select api.email_content(${outbox!.id}::bigint) as result`;
    const booking = EmailBooking.parse({ ...content!.result.booking, siteUrl: 'https://book.example.com' });
    expect(booking.items[0]).toMatchObject({ localStartsAt: '2027-01-15T09:30:00-03:30', localEndsAt: '2027-01-15T11:30:00-03:30' });
  });
});
