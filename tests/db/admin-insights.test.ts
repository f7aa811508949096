/**
 * Staff metrics reproduce scripted scenarios exactly, through the real stored functions:
 * 10 hold attempts — 6 paid (4 on arrival, 2 through Stripe), 2 expired by the job, 1 released
 * by the beacon, 1 sold-out conflict — then late payments and refunds in a second period.
 * Also: the orphan count (lapsed but still reserved), half-open period boundaries, safe rates,
 * the daily series, and the outbox / Stripe event logs.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { metricsClock, staffEmail, staffMetrics, staffMetricsDays, staffOutbox, staffStripeEvents, type StaffMetrics } from '@/db/admin-insights';
import type { Sql } from '@/db/client';
import { AppError } from '@/db/errors';
import { connect, createExperience, createSlot, invariantViolations } from '../helpers/fixtures';

const sql = connect(2);

afterAll(async () => {
  await sql`update data.clock set skew = '0'`;
});

/**
 * A boundary between phases by the database's clock. A JS Date keeps milliseconds only, so the
 * boundary sits 2 ms clear of the events on either side, whatever the truncation.
 */
async function dbNow(): Promise<Date> {
  await sql`select pg_sleep(0.002)`;
  const [row] = await sql<{ t: Date }[]>`select clock_timestamp() as t`;
  await sql`select pg_sleep(0.002)`;
  return row!.t;
}

async function reserve(slotId: number): Promise<{ ok: boolean; bookingNumber: string; holdToken: string; code?: string }> {
  const [row] = await sql<{ r: { ok: boolean; bookingNumber: string; holdToken: string; code?: string } }[]>`
    select api.reserve_seats(p_slot_id => ${slotId}::bigint, p_quantity => 1) as r`;
  return row!.r;
}

async function payOnArrival(h: { bookingNumber: string; holdToken: string }): Promise<void> {
  const [row] = await sql<{ r: { action: string } }[]>`
    select api.begin_checkout(${h.bookingNumber}::text, ${h.holdToken}::text, 'Ada', 'ada@example.com', null::text, false) as r`;
  expect(row!.r.action).toBe('confirmed');
}

/** begin_checkout with Stripe, the session attached; returns the session id. */
async function startStripeCheckout(h: { bookingNumber: string; holdToken: string }): Promise<string> {
  const [row] = await sql<{ r: { action: string; generation: number } }[]>`
    select api.begin_checkout(${h.bookingNumber}::text, ${h.holdToken}::text, 'Bo', 'bo@example.com', null::text, true) as r`;
  expect(row!.r.action).toBe('create');
  const session = `cs_${h.bookingNumber}`;
  await sql`select api.attach_checkout_session(${h.bookingNumber}::text, ${row!.r.generation}::int, ${session}::text, 'https://pay.example/x')`;
  return session;
}

async function applyPayment(bookingNumber: string, session: string, amount = 2500): Promise<string> {
  const [row] = await sql<{ r: { outcome: string } }[]>`
    select api.apply_payment(${bookingNumber}::text, ${session}::text, ${'pi_' + bookingNumber}::text, ${amount}::bigint, 'eur') as r`;
  return row!.r.outcome;
}

const metrics = (from: Date, to: Date) => staffMetrics({ from, to });

function sumDaily(m: StaffMetrics) {
  const total = { attempts: 0, successes: 0, conflicts: 0, created: 0, confirmed: 0, releases: 0 };
  for (const d of m.daily) for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += d[k];
  return total;
}

const zeroReleases = { job: 0, sweep: 0, lazy: 0, beacon: 0, customer: 0, staff: 0, payment: 0, total: 0 };

// Boundaries between the phases, taken from the database's own clock between statements.
let t0: Date;
let t1: Date;
let t2: Date;

describe('api.staff_metrics', () => {
  test('10 holds: 6 paid, 2 expired by job, 1 released by beacon, 1 conflict → the expected numbers', async () => {
    const exp = await createExperience(sql, { capacity: 9, priceMinor: 2500, holdDuration: '15 minutes' });
    const slot = await createSlot(sql, exp.id);
    t0 = await dbNow();

    const holds = [];
    for (let i = 0; i < 9; i++) {
      const h = await reserve(slot);
      expect(h.ok).toBe(true);
      holds.push(h);
    }
    const conflict = await reserve(slot); // the tenth: sold out
    expect(conflict).toMatchObject({ ok: false, code: 'sold_out' });

    for (const h of holds.slice(0, 4)) await payOnArrival(h);
    for (const h of holds.slice(4, 6)) expect(await applyPayment(h.bookingNumber, await startStripeCheckout(h))).toBe('confirmed');
    const [beacon] = await sql`select api.release_booking(${holds[6]!.bookingNumber}::text, ${holds[6]!.holdToken}::text, 'beacon') as r`;
    expect(beacon!.r.status).toBe('released');

    // The last two lapse: orphaned (still reserved, past expires_at) until the job comes.
    await sql`select api.shift_clock('16 minutes')`;
    const orphaned = await metrics(t0, new Date(t0.getTime() + 86_400_000));
    expect(orphaned.orphanedHolds.count).toBe(2);
    expect(orphaned.orphanedHolds.oldestExpiresAt).not.toBeNull();
    for (const h of holds.slice(7, 9)) {
      const [row] = await sql`select api.expire_booking(${h.bookingNumber}::text, 'job') as r`;
      expect(row!.r).toBe(true);
    }
    t1 = await dbNow();

    const m = await metrics(t0, t1);
    expect(m.reservations).toEqual({ attempts: 10, successes: 9, conflicts: 1, successRate: 0.9, conflictsByCode: { sold_out: 1 } });
    expect(m.releases).toEqual({ ...zeroReleases, job: 2, beacon: 1, total: 3 });
    expect(m.orphanedHolds).toEqual({ count: 0, oldestExpiresAt: null });
    expect(m.bookings).toMatchObject({ created: 9, converted: 6, abandoned: 3 });
    expect(m.bookings.conversionRate).toBeCloseTo(6 / 9, 12);
    expect(m.bookings.abandonmentRate).toBeCloseTo(3 / 9, 12);
    expect(m.payments).toEqual({ confirmed: 6, checkoutsStarted: 2, latePaymentsReacquired: 0, refundDue: 0, refunds: [] });
    expect(sumDaily(m)).toEqual({ attempts: 10, successes: 9, conflicts: 1, created: 9, confirmed: 6, releases: 3 });
    expect(await invariantViolations(sql)).toEqual([]);
  });

  test('late payments and refunds: one late payment re-takes its seats, one finds them gone and is refunded', async () => {
    const exp = await createExperience(sql, { capacity: 1, priceMinor: 2500, holdDuration: '15 minutes' });
    const slotA = await createSlot(sql, exp.id, { startsInHours: 30 });
    const slotB = await createSlot(sql, exp.id, { startsInHours: 31 });

    const a = await reserve(slotA);
    const b = await reserve(slotB);
    const sessionA = await startStripeCheckout(a);
    const sessionB = await startStripeCheckout(b);
    await sql`select api.shift_clock('40 minutes')`; // both checkouts lapse (33 minutes)
    await sql`select api.expire_booking(${a.bookingNumber}::text, 'job')`;
    await sql`select api.expire_lapsed_holds(p_batch_size => 100, p_tier => 'sweep')`; // takes B
    const c = await reserve(slotB); // someone else takes B's seat
    expect(c.ok).toBe(true);

    expect(await applyPayment(a.bookingNumber, sessionA)).toBe('late_confirmed');
    expect(await applyPayment(b.bookingNumber, sessionB)).toBe('refund_due');
    await sql`select api.record_refund(${b.bookingNumber}::text, ${'pi_' + b.bookingNumber}::text, 're_b', 2500)`;
    // A's customer asks for their money back at Stripe: charge.refunded, full.
    await sql`select api.apply_charge_refunded(${'pi_' + a.bookingNumber}::text, 2500, true)`;
    t2 = await dbNow();

    const m = await metrics(t1, t2);
    expect(m.reservations).toEqual({ attempts: 3, successes: 3, conflicts: 0, successRate: 1, conflictsByCode: {} });
    expect(m.releases).toEqual({ ...zeroReleases, job: 1, sweep: 1, total: 2 });
    // A converted (late); B paid late (refund_due) so it was not abandoned; C is still held.
    expect(m.bookings).toMatchObject({ created: 3, converted: 1, abandoned: 0, abandonmentRate: 0 });
    expect(m.bookings.conversionRate).toBeCloseTo(1 / 3, 12);
    expect(m.payments).toEqual({
      confirmed: 1,
      checkoutsStarted: 2,
      latePaymentsReacquired: 1,
      refundDue: 1,
      refunds: [{ currency: 'EUR', count: 2, amountMinor: 5000 }],
    });
    expect(await invariantViolations(sql)).toEqual([]);
  });

  test('periods are half-open on the event time; both phases add up; an empty period has null rates', async () => {
    const both = await metrics(t0, t2);
    expect(both.reservations).toMatchObject({ attempts: 13, successes: 12, conflicts: 1 });
    expect(both.releases).toEqual({ ...zeroReleases, job: 3, sweep: 1, beacon: 1, total: 5 });
    expect(both.bookings).toMatchObject({ created: 12, converted: 7, abandoned: 3 });
    expect(both.payments).toMatchObject({ confirmed: 7, latePaymentsReacquired: 1, refundDue: 1 });

    const before = await metrics(new Date(t0.getTime() - 86_400_000), t0);
    expect(before.reservations).toEqual({ attempts: 0, successes: 0, conflicts: 0, successRate: null, conflictsByCode: {} });
    expect(before.bookings).toEqual({ created: 0, converted: 0, abandoned: 0, conversionRate: null, abandonmentRate: null });
    expect(before.releases).toEqual(zeroReleases);
    expect(before.daily.length).toBeGreaterThanOrEqual(1);

    // The first event's own time (to the microsecond, so in SQL): excluded as the end of a
    // period, included as its start.
    const [edge] = await sql<{ before: string; from: string }[]>`
      with first as (select min(occurred_at) as at from data.booking_events where occurred_at >= ${t0})
      select api.staff_metrics(${t0}, (select at from first))->'reservations'->>'attempts' as before,
             api.staff_metrics((select at from first), ${t1})->'reservations'->>'attempts' as from`;
    expect(edge).toEqual({ before: '0', from: '10' });
  });

  test('the daily series has one row per UTC day of the period, zero-filled (api.staff_metrics, instants)', async () => {
    const from = new Date('2026-01-01T00:00:00Z');
    const m = await metrics(from, new Date('2026-01-08T00:00:00Z'));
    expect(m.daily.map((d) => d.day)).toEqual(['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05', '2026-01-06', '2026-01-07']);
    expect(m.daily.every((d) => d.attempts === 0 && d.created === 0)).toBe(true);
  });

  test('a period that runs backwards, is empty or spans more than 400 days is refused (invalid_period)', async () => {
    const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof AppError ? e.code : String(e)));
    const now = new Date();
    expect(await codeOf(metrics(now, new Date(now.getTime() - 1000)))).toBe('invalid_period');
    expect(await codeOf(metrics(now, now))).toBe('invalid_period');
    expect(await codeOf(metrics(new Date(now.getTime() - 401 * 86_400_000), now))).toBe('invalid_period');
    expect(await codeOf(metrics(new Date(now.getTime() - 400 * 86_400_000), now))).toBe('ok');
  });
});

describe('metrics on the business\'s days (0022)', () => {
  class Rollback extends Error {}

  /**
   * Runs `body` in a transaction where every existing experience is off sale and the given ones
   * are on sale, so the metrics' clock is theirs; everything is rolled back afterwards.
   */
  async function withExperiences(zones: string[], body: (tx: Sql, slotId: number) => Promise<void>): Promise<void> {
    await sql
      .begin(async (tx) => {
        const db = tx as unknown as Sql;
        await db`update data.experiences set active = false`;
        let slotId = 0;
        for (const timezone of zones) {
          const exp = await createExperience(db, { timezone });
          slotId = await createSlot(db, exp.id);
        }
        await body(db, slotId);
        throw new Rollback();
      })
      .catch((err: unknown) => {
        if (!(err instanceof Rollback)) throw err;
      });
  }

  /** A conflict event at an instant of our choosing (occurred_at is the transaction's start otherwise). */
  const conflictAt = (tx: Sql, slotId: number, at: string) => tx`
    insert into data.booking_events (slot_id, type, quantity, detail, occurred_at)
    values (${slotId}, 'conflict', 1, '{"code": "sold_out", "remaining": 0}', ${at}::timestamptz)`;

  test('the clock is the time zone most experiences on sale use, and today is its date', async () => {
    await withExperiences(['Pacific/Auckland', 'Europe/London', 'Pacific/Auckland'], async (tx) => {
      const clock = await metricsClock(tx);
      const [expected] = await tx<{ today: string }[]>`select to_char(api.clock_now() at time zone 'Pacific/Auckland', 'YYYY-MM-DD') as today`;
      expect(clock).toEqual({ timezone: 'Pacific/Auckland', today: expected!.today });
    });
    // With none on sale, the zone most experiences use, whatever it is; never an error.
    expect((await metricsClock()).timezone).toMatch(/^[A-Za-z_]+(\/[A-Za-z_+-]+)*$/);
  });

  test('an evening in Los Angeles counts on its own day, not the next UTC day; a daylight-saving day has 23 hours', async () => {
    await withExperiences(['America/Los_Angeles'], async (tx, slotId) => {
      await conflictAt(tx, slotId, '2027-01-10T07:30:00Z'); // 23:30 on 9 January in Los Angeles (UTC−8)
      await conflictAt(tx, slotId, '2027-01-10T08:30:00Z'); // 00:30 on 10 January
      await conflictAt(tx, slotId, '2027-03-14T09:30:00Z'); // 01:30 PST on 14 March, the spring-forward day
      await conflictAt(tx, slotId, '2027-03-15T06:59:00Z'); // 23:59 PDT on 14 March
      await conflictAt(tx, slotId, '2027-03-15T07:00:00Z'); // 00:00 PDT on 15 March

      const ninth = await staffMetricsDays({ from: '2027-01-09', to: '2027-01-09' }, tx);
      expect(ninth.timezone).toBe('America/Los_Angeles');
      expect([Date.parse(ninth.from), Date.parse(ninth.to)]).toEqual([Date.parse('2027-01-09T08:00:00Z'), Date.parse('2027-01-10T08:00:00Z')]);
      expect(ninth.reservations.conflicts).toBe(1);
      expect(ninth.daily.map((d) => [d.day, d.conflicts])).toEqual([['2027-01-09', 1]]);
      expect((await staffMetricsDays({ from: '2027-01-10', to: '2027-01-10' }, tx)).reservations.conflicts).toBe(1);
      // On UTC days (api.staff_metrics, as before) both fall on the 10th.
      const [utc] = await tx<{ m: StaffMetrics }[]>`select api.staff_metrics('2027-01-10T00:00Z', '2027-01-11T00:00Z') as m`;
      expect(utc!.m.daily.map((d) => [d.day, d.conflicts])).toEqual([['2027-01-10', 2]]);
      expect(utc!.m.timezone).toBe('UTC');

      const spring = await staffMetricsDays({ from: '2027-03-14', to: '2027-03-15' }, tx);
      expect(spring.daily.map((d) => [d.day, d.conflicts])).toEqual([['2027-03-14', 2], ['2027-03-15', 1]]);
      expect(Date.parse(spring.to) - Date.parse(spring.from)).toBe(47 * 3_600_000);
    });
  });

  // Los Angeles, not Vancouver: British Columbia's rules differ between the tzdata of PostgreSQL 18's
  // embedded build (no change from November 2026) and Debian's; California's are the same in both.
  test('local days that run backwards or span more than 400 are refused; 400 across two autumn changes are not', async () => {
    const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof AppError ? e.code : String(e)));
    expect(await codeOf(staffMetricsDays({ from: '2027-01-10', to: '2027-01-09' }))).toBe('invalid_period');
    expect(await codeOf(staffMetricsDays({ from: '2027-01-01', to: '2028-02-05' }))).toBe('invalid_period');
    expect(await codeOf(staffMetricsDays({ from: '2027-01-01', to: '2028-02-04' }))).toBe('ok');
    await withExperiences(['America/Los_Angeles'], async (tx) => {
      // 31 October 2026 to 4 December 2027: 400 days, two autumn changes and one spring, 400 days and an hour.
      const long = await staffMetricsDays({ from: '2026-10-31', to: '2027-12-04' }, tx);
      expect(long.daily).toHaveLength(400);
      expect(Date.parse(long.to) - Date.parse(long.from)).toBe(400 * 86_400_000 + 3_600_000);
    });
  });
});

describe('api.staff_metrics and reloads', () => {
  test('a hold given back by a reload and taken up again is not abandoned; one given back for good is', async () => {
    const exp = await createExperience(sql, { capacity: 10 });
    const slot = await createSlot(sql, exp.id, { startsInHours: 40 });
    const from = await dbNow();
    const [reloaded, left, reloadedThenLeft] = [await reserve(slot), await reserve(slot), await reserve(slot)];
    const beacon = (h: { bookingNumber: string; holdToken: string }) =>
      sql`select api.release_booking(${h.bookingNumber}::text, ${h.holdToken}::text, 'beacon')`;
    const resume = (h: { bookingNumber: string; holdToken: string }) =>
      sql`select api.resume_hold(${h.bookingNumber}::text, ${h.holdToken}::text)`;
    await beacon(reloaded);
    await resume(reloaded);
    await beacon(left);
    await beacon(reloadedThenLeft);
    await resume(reloadedThenLeft);
    await beacon(reloadedThenLeft);
    const to = await dbNow();

    const m = await metrics(from, to);
    expect(m.bookings).toMatchObject({ created: 3, converted: 0, abandoned: 2 });
    expect(m.releases).toEqual({ ...zeroReleases, beacon: 4, total: 4 });
    expect(await invariantViolations(sql)).toEqual([]);
  });
});

describe('staff logs', () => {
  test('the outbox lists every email newest first with counts per status; an email opens with its stored parts', async () => {
    // The scenarios above queued confirmations and staff notifications (7 confirmed) and one refund notice.
    const all = await staffOutbox({ limit: 200 });
    expect(all.total).toBe(15);
    expect(all.byStatus).toEqual({ queued: 15, sent: 0, not_sent: 0, failed: 0 });
    expect(all.items.map((i) => i.id)).toEqual([...all.items.map((i) => i.id)].sort((x, y) => y - x));
    expect(all.items.filter((i) => i.kind === 'refund_notice')).toHaveLength(1);

    const id = all.items[0]!.id;
    expect(await staffEmail(id)).toMatchObject({ id, html: null, text: null, status: 'queued' });
    await sql`select api.store_rendered_email(${id}::bigint, 'ada@example.com', 'Your booking', '<p>Hello <b>Ada</b></p>', 'Hello Ada', '[{"filename":"a.ics","contentType":"text/calendar","content":"QQ=="}]'::jsonb)`;
    await sql`select api.record_email_attempt(${id}::bigint, 'failed', null, 'provider said no')`;
    expect(await staffEmail(id)).toMatchObject({
      html: '<p>Hello <b>Ada</b></p>',
      text: 'Hello Ada',
      subject: 'Your booking',
      status: 'failed',
      attempts: 1,
      lastError: 'provider said no',
      attachments: [{ filename: 'a.ics', contentType: 'text/calendar' }],
    });
    expect(await staffEmail(999_999)).toBeNull();

    const failed = await staffOutbox({ filter: 'failed' });
    expect(failed).toMatchObject({ total: 1, items: [{ id, status: 'failed', lastError: 'provider said no', rendered: true }] });
    expect((await staffOutbox({ limit: 2, offset: 2 })).items.map((i) => i.id)).toEqual(all.items.slice(2, 4).map((i) => i.id));
    await expect(staffOutbox({ filter: 'lost' as never })).rejects.toMatchObject({ code: 'invalid_email_status' });
  });

  test('the Stripe event log lists deliveries, outcome and the last error, filterable by type', async () => {
    await sql`select api.record_stripe_event('evt_1', 'checkout.session.completed', '{}'::jsonb)`;
    await sql`select api.record_stripe_event('evt_1', 'checkout.session.completed', '{}'::jsonb)`;
    await sql`select api.finish_stripe_event('evt_1', 'confirmed', 'BK-1')`;
    await sql`select api.fail_stripe_event('evt_2', 'charge.refunded', '{}'::jsonb, 'boom')`;
    const page = await staffStripeEvents();
    expect(page.total).toBe(2);
    expect(page.byType).toEqual({ 'checkout.session.completed': 1, 'charge.refunded': 1 });
    expect(page.items.find((e) => e.id === 'evt_1')).toMatchObject({ deliveries: 2, outcome: 'confirmed', bookingNumber: 'BK-1', lastError: null });
    expect(page.items.find((e) => e.id === 'evt_2')).toMatchObject({ processedAt: null, lastError: 'boom' });
    expect((await staffStripeEvents({ filter: 'charge.refunded' })).items.map((e) => e.id)).toEqual(['evt_2']);
  });
});
