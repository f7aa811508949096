/**
 * Bookings in the staff area (db/migrations/0007_admin_bookings.sql) on real PostgreSQL: search
 * and filters, the detail, cancel (seats back; a refusal changes nothing), refund requests and
 * their amount rules, the refund job against the Stripe fake (partial refunds, exactly once),
 * resending a confirmation, and walk-in bookings racing customers for the last seats with the
 * invariants checked in SQL afterwards.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  bookingDetail,
  failStaffRefund,
  recordStaffRefund,
  searchBookings,
  staffCancelBooking,
  staffCreateBooking,
  staffRequestRefund,
  staffResendConfirmation,
  walkInSlots,
} from '@/db/admin-bookings';
import { AppError, fromDatabaseError } from '@/db/errors';
import { applyPayment, beginCheckout } from '@/db/payments';
import { reserveSeats } from '@/db/reservations';
import { handleRefundPayment, refundPayment } from '@/jobs/refund-payment';
import { reloadEnv } from '@/lib/env';
import { createWalkInBooking, requestRefund, resendConfirmation } from '@/lib/staff-bookings';
import { connect, createExperience, createResource, createSlot, invariantViolations, slotCounts } from '../helpers/fixtures';
import { databaseState } from '../helpers/http';
import { startStripeFake, type StripeFake } from '../helpers/stripe-fake';

const sql = connect(8);
let staffId: number;

beforeAll(async () => {
  const [row] = await sql<{ id: string }[]>`
    insert into data.staff_accounts (email, name, role, password_hash)
    values ('desk@example.com', 'Dana Desk', 'staff', '$argon2id$not-a-real-hash') returning id`;
  staffId = Number(row!.id);
});

afterEach(async () => {
  await sql`update data.clock set skew = '0'`;
  expect(await invariantViolations(sql)).toEqual([]);
});

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof AppError ? e.code : String(e)));

async function hold(slotId: number, quantity: number, clientKey: string | null = null) {
  const res = await reserveSeats({ slotId, quantity, clientKey: clientKey ?? undefined });
  if (!res.ok) throw new Error(`hold refused: ${res.code}`);
  return { bookingNumber: res.bookingNumber, holdToken: res.holdToken! };
}

/** A booking confirmed with payment due on arrival, as the customer site makes it. */
async function onArrival(slotId: number, quantity: number, contact = { name: 'Ada Lovelace', email: 'ada@example.com', phone: null }) {
  const h = await hold(slotId, quantity);
  await beginCheckout({ ...h, contact, stripeEnabled: false });
  return h.bookingNumber;
}

/** A booking paid through Stripe (the webhook's api.apply_payment), with a made-up payment intent. */
async function paidByStripe(slotId: number, quantity: number, paymentIntent = `pi_${Math.random().toString(36).slice(2)}`) {
  const h = await hold(slotId, quantity);
  const start = await beginCheckout({ ...h, contact: { name: 'Grace Hopper', email: 'grace@example.com', phone: null }, stripeEnabled: true });
  if (start.action !== 'create') throw new Error('expected a checkout');
  const paid = await sql.begin((tx) =>
    applyPayment({ bookingNumber: h.bookingNumber, sessionId: `cs_${paymentIntent}`, paymentIntent, amountMinor: start.totalMinor, currency: 'EUR' }, tx as never),
  );
  expect(paid.outcome).toBe('confirmed');
  return { bookingNumber: h.bookingNumber, paymentIntent, amountMinor: start.totalMinor };
}

async function bookingRow(bookingNumber: string) {
  const [row] = await sql<{ status: string; refunded_minor: string; paid_minor: string }[]>`
    select status, refunded_minor, paid_minor from data.pending_bookings where booking_number = ${bookingNumber}`;
  return { status: row!.status, refunded: Number(row!.refunded_minor), paid: Number(row!.paid_minor) };
}

async function jobsFor(queue: string, bookingNumber: string) {
  return sql<{ data: Record<string, unknown> }[]>`
    select data from pgboss.job where name = ${queue}
       and (data->>'bookingNumber' = ${bookingNumber}
            or (data->>'outboxId')::bigint in (select o.id from data.email_outbox o
                                                join data.pending_bookings b on b.id = o.booking_id
                                               where b.booking_number = ${bookingNumber}))
     order by created_on`;
}

describe('api.admin_search_bookings', () => {
  test('searches number prefix, name and email; filters by status and by local start date; pages with a total', async () => {
    const marker = `zq${Date.now().toString(36)}`;
    // 23:30 in Vancouver is already the next day in UTC: the filter must use the local date.
    const exp = await createExperience(sql, { timezone: 'America/Vancouver', capacity: 20 });
    const [late] = await sql<{ id: string; day: string }[]>`
      insert into data.slots (experience_id, starts_at, ends_at, capacity)
      select ${exp.id}, t.s, t.s + interval '1 hour', 20
        from (select (((api.clock_now() at time zone 'America/Vancouver')::date + 3) + time '23:30') at time zone 'America/Vancouver' as s) t
      returning id, to_char(starts_at at time zone 'America/Vancouver', 'YYYY-MM-DD') as day`;
    const other = await createSlot(sql, exp.id, { startsInHours: 24 * 10 });
    const a = await onArrival(Number(late!.id), 2, { name: `Alice ${marker}`, email: `alice.${marker}@example.com`, phone: null });
    const b = await onArrival(other, 1, { name: `Bob ${marker}`, email: `bob.${marker}@example.com`, phone: null });
    const c = await hold(other, 1); // no contact yet: found by number only

    const byName = await searchBookings({ query: marker });
    expect(byName.rows.map((r) => r.bookingNumber)).toEqual([b, a]); // newest first
    expect(byName.total).toBe(2);
    expect((await searchBookings({ query: `ALICE ${marker.toUpperCase()}` })).rows.map((r) => r.bookingNumber)).toEqual([a]);
    expect((await searchBookings({ query: `bob.${marker}@` })).rows.map((r) => r.bookingNumber)).toEqual([b]);
    expect((await searchBookings({ query: c.bookingNumber.slice(0, 12).toLowerCase() })).rows.map((r) => r.bookingNumber)).toContain(c.bookingNumber);
    expect((await searchBookings({ query: c.bookingNumber })).rows.map((r) => r.bookingNumber)).toEqual([c.bookingNumber]);
    // LIKE wildcards typed by staff are literal.
    expect((await searchBookings({ query: `${marker}%` })).total).toBe(0);
    expect((await searchBookings({ query: '_' })).rows.every((r) => (r.customerName ?? '').includes('_') || (r.customerEmail ?? '').includes('_'))).toBe(true);

    const day = late!.day;
    const onDay = await searchBookings({ query: marker, from: day, to: day });
    expect(onDay.rows.map((r) => r.bookingNumber)).toEqual([a]);
    expect(onDay.rows[0]).toMatchObject({ people: 2, itemCount: 1, status: 'confirmed', paymentProvider: 'on_arrival' });
    expect(onDay.rows[0]!.localFirstStartsAt).toMatch(new RegExp(`^${day}T23:30:00-0[78]:00$`));
    const utcDay = new Date(onDay.rows[0]!.firstStartsAt!).toISOString().slice(0, 10);
    expect(utcDay).not.toBe(day);
    expect((await searchBookings({ query: marker, from: utcDay, to: utcDay })).total).toBe(0);

    expect((await searchBookings({ status: 'held', query: c.bookingNumber })).total).toBe(1);
    expect((await searchBookings({ status: 'confirmed', query: c.bookingNumber })).total).toBe(0);

    const page1 = await searchBookings({ query: marker, limit: 1 });
    const page2 = await searchBookings({ query: marker, limit: 1, offset: 1 });
    const past = await searchBookings({ query: marker, limit: 1, offset: 5 });
    expect([page1.rows[0]!.bookingNumber, page2.rows[0]!.bookingNumber]).toEqual([b, a]);
    expect([page1.total, page2.total, past.total, past.rows.length]).toEqual([2, 2, 2, 0]);

    expect(await codeOf(searchBookings({ from: '2026-02-10', to: '2026-02-01' }))).toBe('invalid_range');
    const bogus = await sql`select api.admin_search_bookings(p_status => 'bogus')`.then(() => 'ok', (e: unknown) => fromDatabaseError(e)?.code);
    expect(bogus).toBe('invalid_filter');
  });

  test('counts refund_due bookings whatever the filter, and filters them', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    const h = await hold(slot, 1);
    await beginCheckout({ ...h, contact: { name: 'Late Payer', email: 'late@example.com', phone: null }, stripeEnabled: true });
    await sql`select api.shift_clock('40 minutes')`;
    await sql`select api.expire_lapsed_holds()`;
    await sql`update data.slots set capacity = 0 where id = ${slot}`; // the seats are gone
    const late = await sql.begin((tx) =>
      applyPayment({ bookingNumber: h.bookingNumber, sessionId: 'cs_late', paymentIntent: 'pi_late', amountMinor: 2500, currency: 'EUR' }, tx as never),
    );
    expect(late.outcome).toBe('refund_due');
    const all = await searchBookings({ query: 'no such booking anywhere' });
    expect(all.refundDue).toBeGreaterThanOrEqual(1);
    const due = await searchBookings({ status: 'refund_due' });
    expect(due.rows.map((r) => r.bookingNumber)).toContain(h.bookingNumber);
    // Staff do not refund it again: the automatic refund is under way.
    expect(await codeOf(staffRequestRefund({ bookingNumber: h.bookingNumber, staffId, amountMinor: 100 }))).toBe('refund_not_allowed');
  });
});

describe('api.admin_booking_detail', () => {
  test('items with local times, emails and every event in order; null for an unknown number', async () => {
    const exp = await createExperience(sql, { timezone: 'Asia/Kolkata' });
    const slot = await createSlot(sql, exp.id);
    const number = await onArrival(slot, 2);
    await staffResendConfirmation({ bookingNumber: number, staffId });
    const detail = (await bookingDetail(number))!;
    expect(detail).toMatchObject({ bookingNumber: number, status: 'confirmed', customerName: 'Ada Lovelace', zone: 'Asia/Kolkata' });
    expect(detail.items[0]!.localStartsAt).toMatch(/\+05:30$/);
    expect(detail.localCreatedAt).toMatch(/\+05:30$/);
    expect(detail.events.map((e) => e.type)).toEqual(['reserved', 'confirmed', 'confirmation_resent']);
    expect(detail.events.at(-1)).toMatchObject({ tier: 'staff', staffName: 'Dana Desk' });
    expect(detail.emails.map((e) => e.kind)).toEqual(['confirmation', 'staff_notification', 'confirmation']);
    const [events] = await sql<{ n: number }[]>`
      select count(*)::int as n from data.booking_events e join data.pending_bookings b on b.id = e.booking_id
       where b.booking_number = ${number}`;
    expect(detail.events).toHaveLength(events!.n);
    expect(await bookingDetail('BK-000000-AAAAAA')).toBeNull();
  });
});

describe('api.staff_cancel_booking', () => {
  test('a confirmed booking: cancelled, its seats and resource unit freed, the staff member logged', async () => {
    const boat = await createResource(sql, 1);
    const exp = await createExperience(sql, { capacity: 5, resourceId: boat });
    const slot = await createSlot(sql, exp.id);
    const number = await onArrival(slot, 3);
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 3 });

    const result = await staffCancelBooking({ bookingNumber: number, staffId, reason: 'Customer phoned' });
    expect(result).toMatchObject({ outcome: 'cancelled', status: 'cancelled', refundableMinor: 0 });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 0 });
    expect(await sql`select 1 from data.resource_allocations where slot_id = ${slot}`).toHaveLength(0);
    const [event] = await sql`
      select e.tier, e.quantity, e.detail from data.booking_events e join data.pending_bookings b on b.id = e.booking_id
       where b.booking_number = ${number} and e.type = 'cancelled'`;
    expect(event).toMatchObject({ tier: 'staff', quantity: 3, detail: { staffId, reason: 'Customer phoned' } });

    // Twice is harmless.
    const before = await databaseState(sql);
    expect((await staffCancelBooking({ bookingNumber: number, staffId })).outcome).toBe('unchanged');
    expect(await databaseState(sql)).toEqual(before);
  });

  test('a live hold is released with tier staff', async () => {
    const exp = await createExperience(sql, { capacity: 4 });
    const slot = await createSlot(sql, exp.id);
    const h = await hold(slot, 2);
    const result = await staffCancelBooking({ bookingNumber: h.bookingNumber, staffId });
    expect(result).toMatchObject({ outcome: 'released', status: 'released' });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0 });
    const [event] = await sql`
      select e.tier, e.detail->>'staffId' as staff from data.booking_events e
        join data.pending_bookings b on b.id = e.booking_id where b.booking_number = ${h.bookingNumber} and e.type = 'released'`;
    expect(event).toMatchObject({ tier: 'staff', staff: String(staffId) });
  });

  test('a paid booking keeps its money: cancelling does not refund', async () => {
    const exp = await createExperience(sql, { capacity: 4, priceMinor: 3000 });
    const slot = await createSlot(sql, exp.id);
    const paid = await paidByStripe(slot, 2);
    const result = await staffCancelBooking({ bookingNumber: paid.bookingNumber, staffId });
    expect(result).toMatchObject({ outcome: 'cancelled', refundableMinor: 6000 });
    expect(await bookingRow(paid.bookingNumber)).toEqual({ status: 'cancelled', refunded: 0, paid: 6000 });
    expect(await jobsFor('refund-payment', paid.bookingNumber)).toHaveLength(0);
  });

  test('refuses expired, refunded and unknown bookings, changing nothing', async () => {
    const exp = await createExperience(sql, { capacity: 4 });
    const slot = await createSlot(sql, exp.id);
    const h = await hold(slot, 1);
    await sql`select api.shift_clock('16 minutes')`;
    await sql`select api.expire_lapsed_holds()`;
    const refunded = await onArrival(await createSlot(sql, exp.id, { startsInHours: 30 }), 1);
    await sql`update data.pending_bookings set status = 'refunded', updated_at = now() where booking_number = ${refunded}`;
    await sql`update data.slots s set booked = booked - 1 from data.booking_items i join data.pending_bookings b on b.id = i.booking_id
               where b.booking_number = ${refunded} and s.id = i.slot_id`;
    for (const [number, code] of [
      [h.bookingNumber, 'booking_not_cancellable'],
      [refunded, 'booking_not_cancellable'],
      ['BK-000000-AAAAAA', 'booking_not_found'],
    ] as const) {
      const before = await databaseState(sql);
      expect(await codeOf(staffCancelBooking({ bookingNumber: number, staffId }))).toBe(code);
      expect(await databaseState(sql)).toEqual(before);
    }
  });
});

describe('staff refunds', () => {
  test('amount rules: more than 0, at most paid − refunded − in flight; Stripe bookings only; refusals change nothing', async () => {
    const exp = await createExperience(sql, { capacity: 6, priceMinor: 2000 });
    const slot = await createSlot(sql, exp.id);
    const paid = await paidByStripe(slot, 2); // 4000
    const cash = await onArrival(slot, 1);
    const n = paid.bookingNumber;

    const refuse = async (run: () => Promise<unknown>, code: string) => {
      const before = await databaseState(sql);
      const [requests] = await sql`select count(*)::int as n from data.refund_requests`;
      expect(await codeOf(run())).toBe(code);
      expect(await databaseState(sql)).toEqual(before);
      expect((await sql`select count(*)::int as n from data.refund_requests`)[0]).toEqual(requests);
    };
    await refuse(() => staffRequestRefund({ bookingNumber: n, staffId, amountMinor: 0 }), 'invalid_refund_amount');
    await refuse(() => staffRequestRefund({ bookingNumber: n, staffId, amountMinor: -5 }), 'invalid_refund_amount');
    await refuse(() => staffRequestRefund({ bookingNumber: n, staffId, amountMinor: 4001 }), 'invalid_refund_amount');
    await refuse(() => staffRequestRefund({ bookingNumber: cash, staffId, amountMinor: 100 }), 'refund_not_allowed');
    await refuse(() => staffRequestRefund({ bookingNumber: 'BK-000000-AAAAAA', staffId, amountMinor: 100 }), 'booking_not_found');

    const first = await staffRequestRefund({ bookingNumber: n, staffId, amountMinor: 1500, reason: 'Late start' });
    expect(first).toMatchObject({ bookingNumber: n, paymentIntent: paid.paymentIntent, amountMinor: 1500, currency: 'EUR' });
    // In flight counts: 2500 are left, not 4000.
    const tooMuch = await codeOf(staffRequestRefund({ bookingNumber: n, staffId, amountMinor: 2501 }));
    expect(tooMuch).toBe('invalid_refund_amount');
    const err = await staffRequestRefund({ bookingNumber: n, staffId, amountMinor: 2501 }).catch((e: AppError) => e);
    expect((err as AppError).details).toMatchObject({ maxMinor: 2500 });

    // Stripe refused it: the amount is refundable again.
    await failStaffRefund({ requestId: first.requestId, error: 'amount_too_large: no' });
    expect((await bookingDetail(n))!.refundableMinor).toBe(4000);

    const second = await staffRequestRefund({ bookingNumber: n, staffId, amountMinor: 1000 });
    expect(await recordStaffRefund({ requestId: second.requestId, refundId: 're_1', amountMinor: 1000 })).toMatchObject({ outcome: 'recorded', status: 'confirmed', refundedMinor: 1000 });
    expect(await recordStaffRefund({ requestId: second.requestId, refundId: 're_1', amountMinor: 1000 })).toMatchObject({ outcome: 'duplicate' });
    expect(await bookingRow(n)).toEqual({ status: 'confirmed', refunded: 1000, paid: 4000 });
    expect(await slotCounts(sql, slot)).toMatchObject({ booked: 3 });

    // The rest: a full refund ends the booking refunded and frees its seats (as charge.refunded would).
    const rest = await staffRequestRefund({ bookingNumber: n, staffId, amountMinor: 3000 });
    await recordStaffRefund({ requestId: rest.requestId, refundId: 're_2', amountMinor: 3000 });
    expect(await bookingRow(n)).toEqual({ status: 'refunded', refunded: 4000, paid: 4000 });
    expect(await slotCounts(sql, slot)).toMatchObject({ booked: 1 });
    await refuse(() => staffRequestRefund({ bookingNumber: n, staffId, amountMinor: 1 }), 'refund_not_allowed');

    const detail = (await bookingDetail(n))!;
    expect(detail.refundRequests.map((r) => [r.amountMinor, r.status])).toEqual([[1500, 'failed'], [1000, 'succeeded'], [3000, 'succeeded']]);
    expect(detail.events.filter((e) => e.type.startsWith('refund')).map((e) => e.type)).toEqual([
      'refund_requested', 'refund_failed', 'refund_requested', 'refunded', 'refund_requested', 'refunded',
    ]);
  });

  test('a cancelled paid booking can be refunded; in full it ends refunded', async () => {
    const exp = await createExperience(sql, { capacity: 6, priceMinor: 1000 });
    const slot = await createSlot(sql, exp.id);
    const paid = await paidByStripe(slot, 1);
    await staffCancelBooking({ bookingNumber: paid.bookingNumber, staffId });
    const r = await staffRequestRefund({ bookingNumber: paid.bookingNumber, staffId, amountMinor: 1000 });
    await recordStaffRefund({ requestId: r.requestId, refundId: 're_c', amountMinor: 1000 });
    expect(await bookingRow(paid.bookingNumber)).toEqual({ status: 'refunded', refunded: 1000, paid: 1000 });
    expect(await slotCounts(sql, slot)).toMatchObject({ booked: 0 });
  });

  test('two staff asking for the rest at once: one gets it, the other is told', async () => {
    const exp = await createExperience(sql, { capacity: 6, priceMinor: 1000 });
    const slot = await createSlot(sql, exp.id);
    const paid = await paidByStripe(slot, 3);
    const results = await Promise.all(
      Array.from({ length: 6 }, () => codeOf(staffRequestRefund({ bookingNumber: paid.bookingNumber, staffId, amountMinor: 2000 }))),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'invalid_refund_amount')).toHaveLength(5);
  });
});

describe('refund-payment job: staff refunds through the Stripe fake', () => {
  let stripe: StripeFake;

  beforeAll(async () => {
    stripe = await startStripeFake();
    process.env.STRIPE_SECRET_KEY = 'sk_test_holdfast';
    process.env.STRIPE_WEBHOOK_SECRET = stripe.webhookSecret;
    process.env.STRIPE_API_BASE = stripe.url;
    reloadEnv();
  });

  afterAll(async () => {
    delete process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_WEBHOOK_SECRET;
    delete process.env.STRIPE_API_BASE;
    reloadEnv();
    await stripe.close();
  });

  /** A payment the fake knows about: a session made through the SDK and completed at the fake. */
  async function paidAtFake(slotId: number, quantity: number) {
    const { stripe: client } = await import('@/lib/stripe');
    const h = await hold(slotId, quantity);
    const start = await beginCheckout({ ...h, contact: { name: 'Grace Hopper', email: 'grace@example.com', phone: null }, stripeEnabled: true });
    if (start.action !== 'create') throw new Error('expected a checkout');
    const session = await client()!.checkout.sessions.create({
      mode: 'payment',
      success_url: 'http://localhost/ok',
      line_items: [{ quantity: 1, price_data: { currency: 'eur', unit_amount: start.totalMinor, product_data: { name: 'Seats' } } }],
      metadata: { booking_number: h.bookingNumber },
      expires_at: Math.floor(Date.now() / 1000) + 31 * 60,
    });
    const completed = stripe.complete(session.id);
    const paymentIntent = completed.payment_intent!;
    await sql.begin((tx) =>
      applyPayment({ bookingNumber: h.bookingNumber, sessionId: session.id, paymentIntent, amountMinor: start.totalMinor, currency: 'EUR' }, tx as never),
    );
    return { bookingNumber: h.bookingNumber, paymentIntent, amountMinor: start.totalMinor };
  }

  async function runRefundJobs(bookingNumber: string, times = 1, retryCount = 0) {
    const jobs = await jobsFor('refund-payment', bookingNumber);
    for (let i = 0; i < times; i++) {
      await handleRefundPayment(jobs.map((j, n) => ({ id: `job-${n}`, data: j.data, retryCount })));
    }
    return jobs;
  }

  test('two partial refunds of the same amount are two refunds; a job run twice refunds once', async () => {
    const exp = await createExperience(sql, { capacity: 6, priceMinor: 2500 });
    const slot = await createSlot(sql, exp.id);
    const paid = await paidAtFake(slot, 2); // 5000
    const a = await requestRefund({ bookingNumber: paid.bookingNumber, staffId, amountMinor: 1000, reason: 'Rain' });
    const b = await requestRefund({ bookingNumber: paid.bookingNumber, staffId, amountMinor: 1000 });
    const jobs = await runRefundJobs(paid.bookingNumber, 2);
    expect(jobs.map((j) => j.data)).toEqual([
      { bookingNumber: paid.bookingNumber, paymentIntent: paid.paymentIntent, amountMinor: 1000, reason: 'staff_refund', refundRequestId: a.requestId },
      { bookingNumber: paid.bookingNumber, paymentIntent: paid.paymentIntent, amountMinor: 1000, reason: 'staff_refund', refundRequestId: b.requestId },
    ]);
    const made = [...stripe.refunds.values()].filter((r) => r.payment_intent === paid.paymentIntent);
    expect(made.map((r) => r.amount)).toEqual([1000, 1000]);
    const calls = stripe.requests.filter((r) => r.path === '/v1/refunds' && r.params.payment_intent === paid.paymentIntent);
    expect(new Set(calls.map((c) => c.idempotencyKey))).toEqual(
      new Set([`holdfast-refund-${paid.paymentIntent}-staff-${a.requestId}`, `holdfast-refund-${paid.paymentIntent}-staff-${b.requestId}`]),
    );
    expect(calls.filter((c) => !c.replayed)).toHaveLength(2);
    expect(await bookingRow(paid.bookingNumber)).toEqual({ status: 'confirmed', refunded: 2000, paid: 5000 });
    expect(await slotCounts(sql, slot)).toMatchObject({ booked: 2 });
  });

  test('a refund Stripe refuses marks the request failed instead of retrying for days', async () => {
    const exp = await createExperience(sql, { capacity: 6, priceMinor: 2500 });
    const slot = await createSlot(sql, exp.id);
    const paid = await paidAtFake(slot, 1);
    // Someone refunded most of it in Stripe's dashboard; Holdfast has not heard yet.
    const { stripe: client } = await import('@/lib/stripe');
    await client()!.refunds.create({ payment_intent: paid.paymentIntent, amount: 2000 });
    await requestRefund({ bookingNumber: paid.bookingNumber, staffId, amountMinor: 2500 });
    await runRefundJobs(paid.bookingNumber);
    const detail = (await bookingDetail(paid.bookingNumber))!;
    expect(detail.refundRequests[0]).toMatchObject({ status: 'failed', lastError: expect.stringContaining('amount_too_large') });
    expect(detail.refundableMinor).toBe(2500);
    expect(detail.status).toBe('confirmed');
  });

  test('on its last attempt a staff refund ends as made (found at Stripe) or failed, never "requested" for ever', async () => {
    const exp = await createExperience(sql, { capacity: 6, priceMinor: 2500 });
    const slot = await createSlot(sql, exp.id);
    const last = refundPayment.options.retryLimit;

    // Stripe answers 500 to every try of the last attempt: nothing was made, the request fails.
    const lost = await paidAtFake(slot, 1);
    await requestRefund({ bookingNumber: lost.bookingNumber, staffId, amountMinor: 1000 });
    stripe.failNext('/v1/refunds', 500, 3); // the SDK's try and its two retries, of the POST only
    await runRefundJobs(lost.bookingNumber, 1, last);
    let detail = (await bookingDetail(lost.bookingNumber))!;
    expect(detail.refundRequests[0]).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/^Gave up after \d+ attempts/) });
    expect(detail.refundableMinor).toBe(2500);

    // An earlier attempt made the refund but its answer was lost: found, and recorded as made.
    const made = await paidAtFake(slot, 1);
    const request = await requestRefund({ bookingNumber: made.bookingNumber, staffId, amountMinor: 1500 });
    const { stripe: client } = await import('@/lib/stripe');
    await client()!.refunds.create({ payment_intent: made.paymentIntent, amount: 1500, metadata: { holdfast_refund_request: String(request.requestId) } });
    stripe.failNext('/v1/refunds', 500, 3);
    await runRefundJobs(made.bookingNumber, 1, last);
    detail = (await bookingDetail(made.bookingNumber))!;
    expect(detail.refundRequests[0]).toMatchObject({ status: 'succeeded' });
    expect(detail.refundableMinor).toBe(1000);
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === made.paymentIntent)).toHaveLength(1);

    // Before the last attempt, a failure is left for pg-boss to retry.
    const retried = await paidAtFake(slot, 1);
    await requestRefund({ bookingNumber: retried.bookingNumber, staffId, amountMinor: 500 });
    stripe.failNext('/v1/refunds', 500, 3);
    await expect(runRefundJobs(retried.bookingNumber, 1, last - 1)).rejects.toThrow();
    expect((await bookingDetail(retried.bookingNumber))!.refundRequests[0]).toMatchObject({ status: 'requested' });
  });
});

describe('resending the confirmation', () => {
  test('a new outbox row each time with its own key, and a send-email job for it', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    const number = await onArrival(slot, 1);
    const first = await resendConfirmation({ bookingNumber: number, staffId });
    const second = await resendConfirmation({ bookingNumber: number, staffId });
    const rows = await sql<{ id: string; dedupe_key: string; kind: string }[]>`
      select o.id, o.dedupe_key, o.kind from data.email_outbox o join data.pending_bookings b on b.id = o.booking_id
       where b.booking_number = ${number} order by o.id`;
    expect(rows.map((r) => r.dedupe_key)).toEqual([
      `${number}:confirmation`, `${number}:staff_notification`, `${number}:confirmation:resend:1`, `${number}:confirmation:resend:2`,
    ]);
    expect([first.outboxId, second.outboxId]).toEqual(rows.slice(2).map((r) => Number(r.id)));
    const jobs = await jobsFor('send-email', number);
    expect(jobs.map((j) => j.data.outboxId)).toEqual(expect.arrayContaining([first.outboxId, second.outboxId]));
  });

  test('refused for a booking that is not confirmed or has no email, changing nothing', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    const h = await hold(slot, 1);
    const noEmail = await staffCreateBooking({ items: [{ slotId: slot, quantity: 1 }], name: 'No Mail', email: null, phone: '+1 555 0100', channel: 'phone', staffId });
    for (const number of [h.bookingNumber, noEmail.bookingNumber]) {
      const before = await databaseState(sql);
      const [outbox] = await sql`select count(*)::int as n from data.email_outbox`;
      expect(await codeOf(resendConfirmation({ bookingNumber: number, staffId }))).toBe('resend_not_possible');
      expect(await databaseState(sql)).toEqual(before);
      expect((await sql`select count(*)::int as n from data.email_outbox`)[0]).toEqual(outbox);
    }
  });
});

describe('api.staff_create_booking (phone and walk-in)', () => {
  test('confirmed at once, paid on arrival, seats booked, emails queued with their jobs', async () => {
    const exp = await createExperience(sql, { capacity: 8, priceMinor: 1500, maxPeople: 2 });
    const a = await createSlot(sql, exp.id);
    const b = await createSlot(sql, exp.id, { startsInHours: 48 });
    const booking = await createWalkInBooking({
      items: [{ slotId: a, quantity: 3 }, { slotId: b, quantity: 1 }, { slotId: a, quantity: 1 }],
      name: '  Walk In  ', email: 'Walk@Example.com', phone: null, channel: 'walk_in', staffId,
    });
    // Staff may go past the people-per-booking limit meant for customers (2 here).
    expect(booking).toMatchObject({ status: 'confirmed', paymentProvider: 'on_arrival', totalMinor: 5 * 1500, availabilityReserved: false });
    expect(booking.items.map((i) => [i.slotId, i.quantity])).toEqual([[a, 4], [b, 1]]);
    expect(await slotCounts(sql, a)).toMatchObject({ held: 0, booked: 4 });
    expect(await slotCounts(sql, b)).toMatchObject({ held: 0, booked: 1 });
    const detail = (await bookingDetail(booking.bookingNumber))!;
    expect(detail).toMatchObject({ customerName: 'Walk In', customerEmail: 'walk@example.com' });
    expect(detail.events.map((e) => [e.type, e.tier])).toEqual([['reserved', 'staff'], ['reserved', 'staff'], ['confirmed', 'staff']]);
    expect(detail.emails.map((e) => e.kind)).toEqual(['confirmation', 'staff_notification']);
    const jobs = await jobsFor('send-email', booking.bookingNumber);
    expect(jobs.map((j) => j.data.outboxId).sort()).toEqual(booking.emails.slice().sort());

    // It shows on the walk-in form's list of start times.
    const [day] = await sql<{ d: string }[]>`select to_char(starts_at at time zone 'Europe/Lisbon', 'YYYY-MM-DD') as d from data.slots where id = ${a}`;
    const list = await walkInSlots({ experienceSlug: exp.slug, date: day!.d });
    expect(list.slots.find((s) => s.slotId === a)).toMatchObject({ booked: 4, remaining: 4, bookable: true });
  });

  test('all or nothing: too many people, a closed or started slot, bad contact details change nothing', async () => {
    const exp = await createExperience(sql, { capacity: 3 });
    const ok = await createSlot(sql, exp.id);
    const closed = await createSlot(sql, exp.id, { startsInHours: 30, open: false });
    const started = await createSlot(sql, exp.id, { startsInHours: -1 });
    const other = await createExperience(sql, { currency: 'GBP' });
    const gbp = await createSlot(sql, other.id);
    const input = { name: 'Walk In', email: null, phone: null, channel: 'walk_in' as const, staffId };
    const cases: [Parameters<typeof staffCreateBooking>[0], string][] = [
      [{ ...input, items: [{ slotId: ok, quantity: 2 }, { slotId: ok, quantity: 2 }] }, 'sold_out'],
      [{ ...input, items: [{ slotId: ok, quantity: 1 }, { slotId: closed, quantity: 1 }] }, 'booking_closed'],
      [{ ...input, items: [{ slotId: started, quantity: 1 }] }, 'booking_closed'],
      [{ ...input, items: [{ slotId: ok, quantity: 1 }, { slotId: gbp, quantity: 1 }] }, 'currency_mismatch'],
      [{ ...input, items: [{ slotId: 99_999_999, quantity: 1 }] }, 'slot_not_found'],
      [{ ...input, items: [] }, 'invalid_walk_in'],
      [{ ...input, name: '   ', items: [{ slotId: ok, quantity: 1 }] }, 'invalid_walk_in'],
      [{ ...input, email: 'not-an-email', items: [{ slotId: ok, quantity: 1 }] }, 'invalid_walk_in'],
    ];
    for (const [body, code] of cases) {
      const before = await databaseState(sql);
      expect({ body, code: await codeOf(staffCreateBooking(body)) }).toEqual({ body, code });
      expect(await databaseState(sql)).toEqual(before);
    }
    const err = await staffCreateBooking({ ...input, items: [{ slotId: ok, quantity: 4 }] }).catch((e: AppError) => e);
    expect((err as AppError).details).toMatchObject({ slotId: ok, remaining: 3 });
  });

  test('lapsed holds do not block a walk-in; a resource taken elsewhere does', async () => {
    const boat = await createResource(sql, 1);
    const tour = await createExperience(sql, { capacity: 2, resourceId: boat, duration: '2 hours' });
    const charter = await createExperience(sql, { capacity: 1, resourceId: boat, duration: '4 hours' });
    const tourSlot = await createSlot(sql, tour.id, { startsInHours: 50 });
    const charterSlot = await createSlot(sql, charter.id, { startsInHours: 49 });
    await hold(tourSlot, 2);
    await sql`select api.shift_clock('16 minutes')`; // the hold lapses but nobody released it
    const walkIn = await staffCreateBooking({ items: [{ slotId: tourSlot, quantity: 2 }], name: 'Late Walker', email: null, phone: null, channel: 'walk_in', staffId });
    expect(walkIn.status).toBe('confirmed');
    expect(await slotCounts(sql, tourSlot)).toMatchObject({ held: 0, booked: 2 });
    const before = await databaseState(sql);
    expect(await codeOf(staffCreateBooking({ items: [{ slotId: charterSlot, quantity: 1 }], name: 'Charter', email: null, phone: null, channel: 'phone', staffId }))).toBe('resource_unavailable');
    expect(await databaseState(sql)).toEqual(before);
    await staffCancelBooking({ bookingNumber: walkIn.bookingNumber, staffId });
    const charterBooking = await staffCreateBooking({ items: [{ slotId: charterSlot, quantity: 1 }], name: 'Charter', email: null, phone: null, channel: 'phone', staffId });
    expect(charterBooking.status).toBe('confirmed');
  });

  test('50 concurrent walk-ins (and customers) for 10 seats: exactly 10 seats go, never more', async () => {
    const racers = connect(50);
    const exp = await createExperience(sql, { capacity: 10 });
    const slot = await createSlot(sql, exp.id);
    const attempts = Array.from({ length: 50 }, (_, i) =>
      i % 5 === 4
        ? reserveSeats({ slotId: slot, quantity: 1, clientKey: `racer-${i}` }, racers).then((r) => (r.ok ? 'ok' : r.code), (e: unknown) => (e instanceof AppError ? e.code : String(e)))
        : codeOf(staffCreateBooking({ items: [{ slotId: slot, quantity: 1 }], name: `Walker ${i}`, email: null, phone: null, channel: 'walk_in', staffId }, racers)),
    );
    const results = await Promise.all(attempts);
    expect(results.filter((r) => r === 'ok')).toHaveLength(10);
    expect(results.filter((r) => r !== 'ok').every((r) => r === 'sold_out')).toBe(true);
    const counts = await slotCounts(sql, slot);
    expect(counts.held + counts.booked).toBe(10);
    expect(await invariantViolations(sql)).toEqual([]);

    // Walk-ins of several people on two slots at once, in either order: no deadlock, no oversell.
    const x = await createSlot(sql, exp.id, { startsInHours: 70 });
    const y = await createSlot(sql, exp.id, { startsInHours: 71 });
    const mixed = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        codeOf(staffCreateBooking({ items: i % 2 ? [{ slotId: x, quantity: 2 }, { slotId: y, quantity: 1 }] : [{ slotId: y, quantity: 1 }, { slotId: x, quantity: 1 }], name: `Group ${i}`, email: null, phone: null, channel: 'phone', staffId }, racers)),
      ),
    );
    expect(mixed.every((r) => r === 'ok' || r === 'sold_out')).toBe(true);
    const [cx, cy] = [await slotCounts(sql, x), await slotCounts(sql, y)];
    expect(cx.booked).toBeLessThanOrEqual(10);
    expect(cy.booked).toBeLessThanOrEqual(10);
    expect(cy.booked).toBe(mixed.filter((r) => r === 'ok').length);
    expect(await invariantViolations(sql)).toEqual([]);
  });
});
