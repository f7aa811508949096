/**
 * POST /api/create-checkout-session and POST /api/webhook against a local Stripe fake spoken to
 * by the real Stripe SDK, with webhook payloads signed by the SDK's own test-header helper:
 * the full flow, duplicates and disorder, late payments (both branches), refunds, signatures,
 * payments of a basket that has changed since, and changing a booking while paying
 * (DELETE /api/booking/checkout).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DELETE as cancelCheckout } from '@/app/api/booking/checkout/route';
import { PATCH as changeItem } from '@/app/api/booking/items/[itemId]/route';
import { POST as resume } from '@/app/api/booking/resume/route';
import { GET as getBooking } from '@/app/api/booking/route';
import { POST as cleanup } from '@/app/api/cleanup-expired/route';
import { POST as createCheckoutSession } from '@/app/api/create-checkout-session/route';
import reserveAvailabilityRoute from '@/pages/api/reserve-availability';
import { POST as webhook } from '@/app/api/webhook/route';
import { reloadEnv } from '@/lib/env';
import { startWorker, type Worker } from '@/jobs/worker';
import { connect, createExperience, createResource, createSlot, invariantViolations, slotCounts } from '../helpers/fixtures';
import { databaseState, json, request, nodeRoute } from '../helpers/http';
import { until } from '../helpers/poll';
import { startStripeFake, type Session, type StripeFake } from '../helpers/stripe-fake';

const reserveAvailability = nodeRoute(reserveAvailabilityRoute);

const sql = connect(8);
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

afterEach(async () => {
  await sql`update data.clock set skew = '0'`;
  expect(await invariantViolations(sql)).toEqual([]);
});

interface Hold {
  bookingNumber: string;
  holdToken: string;
}

async function hold(slotId: number, quantity: number, into?: Hold): Promise<Hold> {
  const res = await json(await reserveAvailability(request('POST', '/api/reserve-availability', { body: { slotId, quantity, ...into } })));
  expect(res.status).toBe(into ? 200 : 201);
  return into ?? { bookingNumber: res.body.bookingNumber as string, holdToken: res.body.holdToken as string };
}

const contact = { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0000' };

async function checkout(h: Hold, extra: Record<string, unknown> = {}) {
  return json(await createCheckoutSession(request('POST', '/api/create-checkout-session', { body: { ...h, ...contact, ...extra } })));
}

function sessionOf(bookingNumber: string): Session {
  const found = [...stripe.sessions.values()].filter((s) => s.metadata.booking_number === bookingNumber);
  expect(found.length).toBeGreaterThan(0);
  return found.at(-1)!;
}

async function deliver(event: object, options: { secret?: string; tamper?: (payload: string) => string } = {}) {
  const { payload, signature } = stripe.signed(event, options.secret);
  const body = options.tamper ? options.tamper(payload) : payload;
  return json(
    await webhook(
      new Request('http://localhost/api/webhook', {
        method: 'POST',
        headers: { 'stripe-signature': signature, 'content-type': 'application/json' },
        body,
      }),
    ),
  );
}

async function booking(bookingNumber: string) {
  const [row] = await sql<{ status: string; availability_reserved: boolean; expires_at: Date; paid_minor: string; payment_intent_id: string | null }[]>`
    select status, availability_reserved, expires_at, paid_minor, payment_intent_id
      from data.pending_bookings where booking_number = ${bookingNumber}`;
  return row!;
}

async function outbox(bookingNumber: string) {
  return sql<{ kind: string; status: string }[]>`
    select o.kind, o.status from data.email_outbox o join data.pending_bookings b on b.id = o.booking_id
     where b.booking_number = ${bookingNumber} order by o.kind`;
}

async function emailJobs(bookingNumber: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from pgboss.job j
     where j.name = 'send-email'
       and (j.data->>'outboxId')::bigint in (
         select o.id from data.email_outbox o join data.pending_bookings b on b.id = o.booking_id
          where b.booking_number = ${bookingNumber})`;
  return row!.n;
}

/**
 * Runs `act` while every update of one booking fails inside the transaction (after the event row
 * was written): a fault in the middle of processing a webhook.
 */
async function failingUpdatesOf<T>(bookingNumber: string, act: () => Promise<T>): Promise<T> {
  await sql.unsafe(`
    create function pg_temp_fail() returns trigger language plpgsql as $$
    begin raise exception 'injected fault'; end $$;
    create trigger inject_fault before update on data.pending_bookings for each row
      when (new.booking_number = '${bookingNumber}') execute function pg_temp_fail();`);
  try {
    return await act();
  } finally {
    await sql.unsafe('drop trigger inject_fault on data.pending_bookings; drop function pg_temp_fail()');
  }
}

/** Holds, checks out and pays at the fake; returns the completed session (not yet delivered). */
async function paidSession(slotId: number, quantity: number): Promise<{ h: Hold; session: Session }> {
  const h = await hold(slotId, quantity);
  const res = await checkout(h);
  expect(res.status).toBe(200);
  const session = stripe.complete(sessionOf(h.bookingNumber).id);
  return { h, session };
}

describe('POST /api/create-checkout-session', () => {
  test('builds the session from database prices, one line item per item, and freezes the basket', async () => {
    const tour = await createExperience(sql, { priceMinor: 4500, currency: 'GBP', timezone: 'Europe/London' });
    const other = await createExperience(sql, { priceMinor: 1200, currency: 'GBP', timezone: 'Europe/London' });
    const a = await createSlot(sql, tour.id);
    const b = await createSlot(sql, other.id, { startsInHours: 30 });
    const h = await hold(a, 2);
    await hold(b, 1, h);

    // A client trying to set its own prices: the extra fields are dropped, not trusted.
    const res = await checkout(h, { totalMinor: 1, unitPriceMinor: 1, items: [{ unitPriceMinor: 1 }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ bookingNumber: h.bookingNumber, status: 'checkout', paymentProvider: 'stripe' });
    const session = sessionOf(h.bookingNumber);
    expect(res.body.url).toBe(session.url);
    expect(session.amount_total).toBe(2 * 4500 + 1200);
    expect(session.line_items.map((i) => [i.price_data.product_data.name, Number(i.quantity), Number(i.price_data.unit_amount)])).toEqual([
      [`Experience ${tour.slug}`, 2, 4500],
      [`Experience ${other.slug}`, 1, 1200],
    ]);
    // The line item names the start on the experience's clock as the database gives it.
    const description = session.line_items[0]!.price_data.product_data.description;
    expect(description).toMatch(/\(Europe\/London, GMT(\+1)?\)$/);
    const [local] = await sql<{ start: string }[]>`select data.local_iso(starts_at, 'Europe/London') as start from data.slots where id = ${a}`;
    expect(description).toMatch(new RegExp(`, ${local!.start.slice(11, 16)} ?–`));
    expect(session.client_reference_id).toBe(h.bookingNumber);
    expect(session.customer_email).toBe(contact.email);
    const create = stripe.requests.find((r) => r.path === '/v1/checkout/sessions' && r.method === 'POST' && !r.replayed)!;
    expect(create.idempotencyKey).toBe(`holdfast-checkout-${h.bookingNumber}-1`);

    // The hold outlives the session (Stripe's minimum is 30 minutes); the basket is frozen.
    const row = await booking(h.bookingNumber);
    expect(row.status).toBe('checkout');
    expect(row.expires_at.getTime()).toBeGreaterThan(session.expires_at * 1000);
    const add = await reserveAvailability(request('POST', '/api/reserve-availability', { body: { slotId: b, quantity: 1, ...h } }));
    expect((await json(add)).body.code).toBe('booking_not_editable');
  });

  test('a second call returns the open session instead of making another', async () => {
    const exp = await createExperience(sql);
    const h = await hold(await createSlot(sql, exp.id), 1);
    const first = await checkout(h);
    const before = stripe.sessions.size;
    const second = await checkout(h);
    expect(second.status).toBe(200);
    expect(second.body.url).toBe(first.body.url);
    expect(stripe.sessions.size).toBe(before);
  });

  test('Stripe down: 503 payment_unavailable, the basket unfreezes, a retry makes one session', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    const h = await hold(slot, 1);
    // Three failures: the SDK's first try and its two retries (with the same idempotency key).
    stripe.failNext('/v1/checkout/sessions', 500, 3);
    const failed = await checkout(h);
    expect({ status: failed.status, code: failed.body.code }).toEqual({ status: 503, code: 'payment_unavailable' });
    expect((await booking(h.bookingNumber)).status).toBe('held');

    await hold(slot, 1, h); // the basket can change again
    const ok = await checkout(h);
    expect(ok.status).toBe(200);
    const sessions = [...stripe.sessions.values()].filter((s) => s.metadata.booking_number === h.bookingNumber);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.amount_total).toBe(2 * 2500);
  });

  test('refuses without the token, with a wrong token, with bad contact details, or after the hold lapsed — changing nothing', async () => {
    const exp = await createExperience(sql);
    const h = await hold(await createSlot(sql, exp.id), 1);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ bookingNumber: h.bookingNumber, ...contact }, 403, 'invalid_hold_token'],
      [{ ...h, holdToken: 'f'.repeat(64), ...contact }, 403, 'invalid_hold_token'],
      [{ ...h, ...contact, email: 'not-an-email' }, 422, 'invalid_request'],
      [{ ...h, ...contact, name: '   ' }, 422, 'invalid_request'],
      [{ ...h, ...contact, phone: '<script>' }, 422, 'invalid_request'],
      [{ ...h, bookingNumber: 'BK-000000-AAAAAA', ...contact }, 404, 'booking_not_found'],
    ];
    for (const [body, status, code] of cases) {
      const before = await databaseState(sql);
      const sessions = stripe.sessions.size;
      const res = await json(await createCheckoutSession(request('POST', '/api/create-checkout-session', { body })));
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      expect(await databaseState(sql)).toEqual(before);
      expect(stripe.sessions.size).toBe(sessions);
    }
    await sql`select api.shift_clock('16 minutes')`;
    const lapsed = await checkout(h);
    expect({ status: lapsed.status, code: lapsed.body.code }).toEqual({ status: 410, code: 'hold_expired' });
  });

  test('pay-on-arrival experiences are confirmed at once even with Stripe configured', async () => {
    const exp = await createExperience(sql, { paymentMode: 'on_arrival' });
    const slot = await createSlot(sql, exp.id);
    const h = await hold(slot, 3);
    const res = await checkout(h);
    expect(res.body).toMatchObject({ status: 'confirmed', paymentProvider: 'on_arrival', redirectUrl: `/booking/${h.bookingNumber}` });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 3 });
    expect(await outbox(h.bookingNumber)).toEqual([
      { kind: 'confirmation', status: 'queued' },
      { kind: 'staff_notification', status: 'queued' },
    ]);
    expect(await emailJobs(h.bookingNumber)).toBe(2);
  });
});

describe('POST /api/webhook', () => {
  test('full flow: hold → session → signed checkout.session.completed → booked seats, emails queued', async () => {
    const exp = await createExperience(sql, { capacity: 5 });
    const slot = await createSlot(sql, exp.id);
    const { h, session } = await paidSession(slot, 2);
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 2, booked: 0 });

    const res = await deliver(stripe.event('checkout.session.completed', session));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, duplicate: false, outcome: 'confirmed' });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 2 });
    expect(await booking(h.bookingNumber)).toMatchObject({
      status: 'confirmed',
      availability_reserved: false,
      paid_minor: '5000',
      payment_intent_id: session.payment_intent,
    });
    expect(await outbox(h.bookingNumber)).toEqual([
      { kind: 'confirmation', status: 'queued' },
      { kind: 'staff_notification', status: 'queued' },
    ]);
    expect(await emailJobs(h.bookingNumber)).toBe(2);
  });

  test('the same completed event 5 times at once, plus expired before and after: booked once, one confirmation', async () => {
    for (const expiredFirst of [false, true]) {
      const exp = await createExperience(sql, { capacity: 4 });
      const slot = await createSlot(sql, exp.id);
      const { h, session } = await paidSession(slot, 3);
      const completed = stripe.event('checkout.session.completed', session);
      const expired = stripe.event('checkout.session.expired', { ...session, status: 'expired', payment_status: 'unpaid' });

      if (expiredFirst) expect((await deliver(expired)).body.outcome).toBe('released');
      const results = await Promise.all(Array.from({ length: 5 }, () => deliver(completed)));
      if (!expiredFirst) expect((await deliver(expired)).body.outcome).toBe('ignored');
      await deliver(expired);

      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
      expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 3 });
      expect((await booking(h.bookingNumber)).status).toBe('confirmed');
      expect(await outbox(h.bookingNumber)).toEqual([
        { kind: 'confirmation', status: 'queued' },
        { kind: 'staff_notification', status: 'queued' },
      ]);
      expect(await emailJobs(h.bookingNumber)).toBe(2);
      const [event] = await sql<{ deliveries: number; processed: boolean }[]>`
        select deliveries, processed_at is not null as processed from data.stripe_events where id = ${completed.id}`;
      expect(event).toEqual({ deliveries: 5, processed: true });
    }
  });

  test('late payment, seats still free: the same seats are taken again and the booking confirmed', async () => {
    const exp = await createExperience(sql, { capacity: 3 });
    const slot = await createSlot(sql, exp.id);
    const { h, session } = await paidSession(slot, 2);
    await sql`select api.shift_clock('40 minutes')`;
    await sql`select api.expire_lapsed_holds()`;
    expect(await booking(h.bookingNumber)).toMatchObject({ status: 'expired', availability_reserved: false });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 0 });

    const res = await deliver(stripe.event('checkout.session.completed', session));
    expect(res.body.outcome).toBe('late_confirmed');
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 2 });
    expect((await booking(h.bookingNumber)).status).toBe('confirmed');
    const events = await sql`
      select type from data.booking_events e join data.pending_bookings b on b.id = e.booking_id
       where b.booking_number = ${h.bookingNumber} order by e.id`;
    expect(events.map((e) => e.type)).toEqual(['reserved', 'checkout_started', 'expired', 'late_payment_reacquired', 'confirmed']);
  });

  describe('with a worker running', () => {
    let worker: Worker;
    beforeAll(async () => {
      worker = await startWorker();
    });
    afterAll(async () => {
      await worker.stop();
    });

    test('late payment, seats taken: refund_due, one refund at Stripe with an idempotency key, refund email, never oversold', async () => {
      const exp = await createExperience(sql, { capacity: 2 });
      const slot = await createSlot(sql, exp.id);
      const { h, session } = await paidSession(slot, 2);
      await sql`select api.shift_clock('40 minutes')`;
      // Someone else takes the seats; reserving releases the lapsed hold on the spot.
      await hold(slot, 2);
      expect((await booking(h.bookingNumber)).status).toBe('expired');

      // Stripe is down for the refund job's first attempt (the SDK's try and two retries).
      stripe.failNext('/v1/refunds', 503, 3);
      const completed = stripe.event('checkout.session.completed', session);
      const res = await deliver(completed);
      expect(res.body.outcome).toBe('refund_due');
      expect(await slotCounts(sql, slot)).toMatchObject({ held: 2, booked: 0, capacity: 2 });
      expect((await outbox(h.bookingNumber)).map((o) => o.kind)).toEqual(['refund_notice']);

      const refund = await until(
        'the refund at Stripe (after a retry)',
        async () => [...stripe.refunds.values()].find((r) => r.payment_intent === session.payment_intent),
        60_000,
      );
      expect(refund.amount).toBe(session.amount_total);
      await until('the booking to be refunded', async () => (await booking(h.bookingNumber)).status === 'refunded');

      // Stripe delivers the payment again: nothing more happens.
      await deliver(completed);
      await deliver(stripe.event('charge.refunded', stripe.chargeFor(session.payment_intent!, { amountRefunded: session.amount_total })));
      expect(stripe.requests.filter((r) => r.path === '/v1/refunds' && r.status === 503)).toHaveLength(3);
      const refundCalls = stripe.requests.filter((r) => r.path === '/v1/refunds' && r.status === 200);
      expect(refundCalls.filter((r) => !r.replayed)).toHaveLength(1);
      expect(refundCalls[0]!.idempotencyKey).toBe(`holdfast-refund-${session.payment_intent}`);
      expect([...stripe.refunds.values()].filter((r) => r.payment_intent === session.payment_intent)).toHaveLength(1);
      expect((await booking(h.bookingNumber)).status).toBe('refunded');
      expect(await slotCounts(sql, slot)).toMatchObject({ held: 2, booked: 0 });
    });

    test('a second payment for a paid booking is refunded as a duplicate', async () => {
      const exp = await createExperience(sql);
      const slot = await createSlot(sql, exp.id);
      const { h, session } = await paidSession(slot, 1);
      await deliver(stripe.event('checkout.session.completed', session));
      const second = { ...session, id: 'cs_test_second', payment_intent: 'pi_second_payment' };
      const res = await deliver(stripe.event('checkout.session.completed', second));
      expect(res.body.outcome).toBe('duplicate_payment');
      // The fake only refunds payment intents it has seen paid, so this refund is refused there:
      // the job retries, and the booking's own payment stays untouched.
      expect((await booking(h.bookingNumber)).status).toBe('confirmed');
      const [job] = await sql<{ data: { reason: string; paymentIntent: string } }[]>`
        select data from pgboss.job where name = 'refund-payment' and data->>'bookingNumber' = ${h.bookingNumber}`;
      expect(job!.data).toMatchObject({ reason: 'duplicate_payment', paymentIntent: 'pi_second_payment' });
    });
  });

  test('charge.refunded in full cancels the booking and frees its seats; a partial refund only records it', async () => {
    const exp = await createExperience(sql, { capacity: 4 });
    const slot = await createSlot(sql, exp.id);
    const { h, session } = await paidSession(slot, 2);
    await deliver(stripe.event('checkout.session.completed', session));
    const pi = session.payment_intent!;

    const partial = await deliver(stripe.event('charge.refunded', stripe.chargeFor(pi, { amountRefunded: 1000 })));
    expect(partial.body.outcome).toBe('partially_refunded');
    expect(await slotCounts(sql, slot)).toMatchObject({ booked: 2 });

    const full = await deliver(stripe.event('charge.refunded', stripe.chargeFor(pi, { amountRefunded: session.amount_total })));
    expect(full.body.outcome).toBe('refunded');
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 0 });
    expect((await booking(h.bookingNumber)).status).toBe('refunded');
  });

  test('checkout.session.expired releases the hold it was waiting on', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    const h = await hold(slot, 2);
    await checkout(h);
    const session = sessionOf(h.bookingNumber);
    const res = await deliver(stripe.event('checkout.session.expired', { ...session, status: 'expired' }));
    expect(res.body.outcome).toBe('released');
    expect(await booking(h.bookingNumber)).toMatchObject({ status: 'released', availability_reserved: false });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0 });
  });

  test('tampered body, wrong secret or no signature: 400 and nothing changed', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    const { session } = await paidSession(slot, 1);
    const event = stripe.event('checkout.session.completed', session);
    const before = await databaseState(sql);
    const [events] = await sql`select count(*)::int as n from data.stripe_events`;

    const tampered = await deliver(event, {
      tamper: (p) => {
        const changed = p.replace(/"amount_total":\s*\d+/, '"amount_total": 1');
        expect(changed).not.toBe(p);
        return changed;
      },
    });
    const wrongSecret = await deliver(event, { secret: 'whsec_not_the_right_one' });
    const unsigned = await json(await webhook(new Request('http://localhost/api/webhook', { method: 'POST', body: JSON.stringify(event) })));
    for (const res of [tampered, wrongSecret, unsigned]) {
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'invalid_signature' });
    }
    expect(await databaseState(sql)).toEqual(before);
    expect((await sql`select count(*)::int as n from data.stripe_events`)[0]).toEqual(events);
  });

  test('a failure while processing rolls everything back, answers 500, and the redelivery applies it once', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    const { h, session } = await paidSession(slot, 2);
    const event = stripe.event('checkout.session.completed', session);
    const before = await databaseState(sql);
    const failed = await failingUpdatesOf(h.bookingNumber, () => deliver(event));
    expect({ status: failed.status, code: failed.body.code }).toEqual({ status: 500, code: 'internal_error' });
    expect(await databaseState(sql)).toEqual(before);
    expect(await outbox(h.bookingNumber)).toEqual([]);
    const [row] = await sql`select processed_at, last_error from data.stripe_events where id = ${event.id}`;
    expect(row).toMatchObject({ processed_at: null, last_error: expect.stringContaining('injected fault') });

    const retried = await deliver(event);
    expect(retried.body).toMatchObject({ duplicate: false, outcome: 'confirmed' });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 2 });
    expect((await outbox(h.bookingNumber)).map((o) => o.kind)).toEqual(['confirmation', 'staff_notification']);
  });

  test('a refund Stripe reports while its payment awaits redelivery waits for it: the payment confirms, then the refund cancels', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    const { h, session } = await paidSession(slot, 2);
    const completed = stripe.event('checkout.session.completed', session);
    expect((await failingUpdatesOf(h.bookingNumber, () => deliver(completed))).status).toBe(500);
    // Refunded in Stripe's dashboard before Stripe delivers the payment again.
    const refunded = stripe.event('charge.refunded', stripe.chargeFor(session.payment_intent!, { amountRefunded: session.amount_total }));
    const early = await deliver(refunded);
    expect({ status: early.status, code: early.body.code }).toEqual({ status: 503, code: 'refund_before_payment' });
    const [waiting] = await sql`select processed_at, last_error from data.stripe_events where id = ${refunded.id}`;
    expect(waiting).toMatchObject({ processed_at: null, last_error: expect.stringContaining('has not been applied yet') });

    expect((await deliver(completed)).body.outcome).toBe('confirmed');
    expect((await deliver(refunded)).body.outcome).toBe('refunded');
    expect((await booking(h.bookingNumber)).status).toBe('refunded');
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 0 });
  });

  test('unknown event types are recorded and answered 200', async () => {
    const event = stripe.event('customer.created', { id: 'cus_123', object: 'customer' });
    const res = await deliver(event);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ duplicate: false, outcome: 'ignored' });
    const [row] = await sql`select type, outcome, processed_at is not null as processed from data.stripe_events where id = ${event.id}`;
    expect(row).toEqual({ type: 'customer.created', outcome: 'ignored', processed: true });
  });
});

/** The hold cookie a browser carries for a hold. */
const cookieOf = (h: Hold) => `hf_hold=${h.bookingNumber}.${h.holdToken}`;

async function changePeople(h: Hold, slotId: number, quantity: number) {
  const [row] = await sql<{ id: string }[]>`
    select i.id from data.booking_items i join data.pending_bookings b on b.id = i.booking_id
     where b.booking_number = ${h.bookingNumber} and i.slot_id = ${slotId}`;
  const req = request('PATCH', `/api/booking/items/${row!.id}`, { body: { quantity }, headers: { cookie: cookieOf(h) } });
  return json(await changeItem(req, { params: Promise.resolve({ itemId: row!.id }) }));
}

async function cancel(h: Hold) {
  return json(await cancelCheckout(request('DELETE', '/api/booking/checkout', { headers: { cookie: cookieOf(h) } })));
}

/** The booking as its holder's browser reads it (GET /api/booking). */
async function holderView(h: Hold) {
  return (await json(await getBooking(request('GET', '/api/booking', { headers: { cookie: cookieOf(h) } })))).body;
}

async function eventTypes(bookingNumber: string): Promise<string[]> {
  const rows = await sql<{ type: string }[]>`
    select e.type from data.booking_events e join data.pending_bookings b on b.id = e.booking_id
     where b.booking_number = ${bookingNumber} order by e.id`;
  return rows.map((r) => r.type);
}

describe('a payment pays for what its session was made for', () => {
  test('an earlier attempt\'s session paid after the basket grew: refunded in full, nothing confirmed, the booking still payable', async () => {
    const exp = await createExperience(sql, { capacity: 10 });
    const slot = await createSlot(sql, exp.id);
    const h = await hold(slot, 1);
    expect((await checkout(h)).status).toBe(200);
    const first = sessionOf(h.bookingNumber); // for 1 seat, still open at Stripe
    // A second attempt (new contact details) fails at Stripe: the basket unfreezes.
    stripe.failNext('/v1/checkout/sessions', 500, 3);
    expect((await checkout(h, { email: 'ada@example.org' })).body.code).toBe('payment_unavailable');
    expect((await booking(h.bookingNumber)).status).toBe('held');
    expect((await changePeople(h, slot, 8)).status).toBe(200);

    const res = await deliver(stripe.event('checkout.session.completed', stripe.complete(first.id)));
    expect(res.body.outcome).toBe('payment_mismatch');
    expect(await booking(h.bookingNumber)).toMatchObject({ status: 'held', availability_reserved: true, payment_intent_id: null });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 8, booked: 0 });
    const [job] = await sql<{ data: Record<string, unknown> }[]>`
      select data from pgboss.job where name = 'refund-payment' and data->>'bookingNumber' = ${h.bookingNumber}`;
    expect(job!.data).toMatchObject({ reason: 'payment_mismatch', paymentIntent: stripe.sessions.get(first.id)!.payment_intent, amountMinor: 2500 });
    const [logged] = await sql`
      select e.detail from data.booking_events e join data.pending_bookings b on b.id = e.booking_id
       where b.booking_number = ${h.bookingNumber} and e.type = 'payment_mismatch'`;
    expect(logged!.detail).toMatchObject({ amountMinor: 2500, totalMinor: 8 * 2500, sessionId: first.id });
    expect(await holderView(h)).toMatchObject({ status: 'held', refusedPayment: { amountMinor: 2500, reason: 'payment_mismatch' } });

    // Paid as it is now, it is confirmed as it is.
    expect((await checkout(h)).status).toBe(200);
    const second = stripe.complete(sessionOf(h.bookingNumber).id);
    expect(second.amount_total).toBe(8 * 2500);
    expect((await deliver(stripe.event('checkout.session.completed', second))).body.outcome).toBe('confirmed');
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 8 });
  });

  test('a hold given back while paying and taken up again is still paying: its basket stays frozen', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    const h = await hold(slot, 1);
    await checkout(h);
    const session = sessionOf(h.bookingNumber);
    const beacon = await json(await cleanup(request('POST', '/api/cleanup-expired', { body: { bookingNumber: h.bookingNumber, reason: 'beacon' }, headers: { cookie: cookieOf(h) } })));
    expect(beacon.status).toBe(200);
    expect((await booking(h.bookingNumber)).status).toBe('released');

    const resumed = await json(await resume(request('POST', '/api/booking/resume', { body: { bookingNumber: h.bookingNumber }, headers: { cookie: cookieOf(h) } })));
    expect(resumed.body).toMatchObject({ status: 'checkout', availabilityReserved: true });
    const more = await changePeople(h, slot, 5);
    expect({ status: more.status, code: more.body.code }).toEqual({ status: 409, code: 'booking_not_editable' });

    expect((await deliver(stripe.event('checkout.session.completed', stripe.complete(session.id)))).body.outcome).toBe('confirmed');
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 1 });
  });

  test('a payment for a hold staff gave back while its payment page was open is refunded; the booking stays released', async () => {
    const [staff] = await sql<{ id: string }[]>`
      insert into data.staff_accounts (email, name, role, password_hash)
      values (${`desk-${Date.now()}@example.com`}, 'Dana Desk', 'staff', '$argon2id$not-a-real-hash') returning id`;
    const exp = await createExperience(sql, { capacity: 4 });
    const slot = await createSlot(sql, exp.id);
    const { h, session } = await paidSession(slot, 2); // paid at Stripe, the webhook not yet here
    await sql`select api.staff_release_booking(${h.bookingNumber}::text, ${staff!.id}::bigint)`;
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 0 });

    const res = await deliver(stripe.event('checkout.session.completed', session));
    expect(res.body.outcome).toBe('released_by_staff');
    expect(await booking(h.bookingNumber)).toMatchObject({ status: 'released', availability_reserved: false });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 0 });
    const [job] = await sql<{ data: Record<string, unknown> }[]>`
      select data from pgboss.job where name = 'refund-payment' and data->>'bookingNumber' = ${h.bookingNumber}`;
    expect(job!.data).toMatchObject({ reason: 'released_by_staff', paymentIntent: session.payment_intent, amountMinor: 2 * 2500 });
    expect(await eventTypes(h.bookingNumber)).toEqual(['reserved', 'checkout_started', 'released', 'payment_after_release']);
    expect(await holderView(h)).toMatchObject({ status: 'released', refusedPayment: { amountMinor: 2 * 2500, reason: 'payment_after_release' } });
  });

  test('people added after a price change pay their item\'s price: the total stays the sum of the items, and the payment confirms', async () => {
    const exp = await createExperience(sql, { capacity: 6, priceMinor: 2500 });
    const slot = await createSlot(sql, exp.id);
    const h = await hold(slot, 1);
    await sql`update data.experiences set price_minor = 4000 where id = ${exp.id}`; // staff raise the price
    await hold(slot, 1, h); // one more person on the same start time
    expect(await holderView(h)).toMatchObject({ totalMinor: 2 * 2500, items: [{ quantity: 2, unitPriceMinor: 2500 }] });
    await checkout(h);
    const session = stripe.complete(sessionOf(h.bookingNumber).id);
    expect(session.amount_total).toBe(2 * 2500);
    expect((await deliver(stripe.event('checkout.session.completed', session))).body.outcome).toBe('confirmed');
  });

  test('a late payment takes its boat back from an expired hold that still had it, rather than being refunded', async () => {
    const boat = await createResource(sql, 1);
    const tour = await createExperience(sql, { resourceId: boat, duration: '2 hours' });
    const charter = await createExperience(sql, { resourceId: boat, capacity: 1, duration: '4 hours' });
    const tourSlot = await createSlot(sql, tour.id, { startsInHours: 30 });
    const charterSlot = await createSlot(sql, charter.id, { startsInHours: 29 });
    const { h, session } = await paidSession(tourSlot, 2); // paid at Stripe; the webhook is late
    await sql`select api.shift_clock('40 minutes')`;
    await sql`select api.expire_lapsed_holds()`; // the tour's hold lapsed and was released: the boat is free
    await hold(charterSlot, 1); // a charter takes the boat …
    await sql`select api.shift_clock('80 minutes')`; // … and its hold lapses too, unswept

    expect((await deliver(stripe.event('checkout.session.completed', session))).body.outcome).toBe('late_confirmed');
    expect(await slotCounts(sql, tourSlot)).toMatchObject({ held: 0, booked: 2 });
    expect(await slotCounts(sql, charterSlot)).toMatchObject({ held: 0, booked: 0 });
    const [units] = await sql`select array_agg(slot_id)::bigint[] as slots from data.resource_allocations a
                               join data.resource_units u on u.id = a.unit_id where u.resource_id = ${boat}`;
    expect(units!.slots.map(Number)).toEqual([tourSlot]);
  });

  test('a payment in another currency than the booking\'s is refunded, not confirmed', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    const { h, session } = await paidSession(slot, 1);
    const res = await deliver(stripe.event('checkout.session.completed', { ...session, currency: 'usd' }));
    expect(res.body.outcome).toBe('payment_mismatch');
    expect(await booking(h.bookingNumber)).toMatchObject({ status: 'checkout', availability_reserved: true });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 1, booked: 0 });
  });
});

describe('DELETE /api/booking/checkout: change the booking while paying', () => {
  test('expires the session at Stripe, holds the booking again for a hold duration, and the changed basket is paid as it is', async () => {
    const exp = await createExperience(sql, { capacity: 6, holdDuration: '15 minutes' });
    const slot = await createSlot(sql, exp.id);
    const h = await hold(slot, 2);
    await checkout(h);
    const first = sessionOf(h.bookingNumber);
    expect((await booking(h.bookingNumber)).expires_at.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);

    const res = await cancel(h);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ bookingNumber: h.bookingNumber, status: 'held', availabilityReserved: true });
    expect(stripe.sessions.get(first.id)!.status).toBe('expired');
    const [clock] = await sql<{ now: Date }[]>`select api.clock_now() as now`;
    const expires = (await booking(h.bookingNumber)).expires_at.getTime();
    expect(expires).toBeLessThanOrEqual(clock!.now.getTime() + 15 * 60_000 + 1000);
    expect(expires).toBeGreaterThan(clock!.now.getTime() + 14 * 60_000);
    expect(await eventTypes(h.bookingNumber)).toEqual(['reserved', 'checkout_started', 'checkout_cancelled']);
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 2 });

    // The session's own expiry event finds nothing waiting on it; the hold stays.
    const expired = await deliver(stripe.event('checkout.session.expired', stripe.sessions.get(first.id)!));
    expect(expired.body.outcome).toBe('ignored');
    expect((await changePeople(h, slot, 3)).status).toBe(200);
    expect((await cancel(h)).body).toMatchObject({ status: 'held' }); // nothing to cancel: as it is

    expect((await checkout(h)).status).toBe(200);
    const second = stripe.complete(sessionOf(h.bookingNumber).id);
    expect(second.id).not.toBe(first.id);
    expect(second.amount_total).toBe(3 * 2500);
    expect((await deliver(stripe.event('checkout.session.completed', second))).body.outcome).toBe('confirmed');
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 0, booked: 3 });
  });

  test('the session\'s expiry event arriving while Stripe answers waits for the change, then leaves the hold alone', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    const h = await hold(slot, 2);
    await checkout(h);
    const session = sessionOf(h.bookingNumber);
    const paused = stripe.pauseNext(`/v1/checkout/sessions/${session.id}/expire`);
    const cancelling = cancel(h);
    await paused.reached; // the booking is locked, Stripe has not answered
    const delivering = deliver(stripe.event('checkout.session.expired', { ...session, status: 'expired' }));
    await until('the expiry event to wait on the booking', async () => {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
         where wait_event_type in ('Lock', 'Advisory') and query like '%release_checkout%'`;
      return row!.n === 1;
    });
    paused.release();
    expect((await cancelling).body).toMatchObject({ status: 'held' });
    expect((await delivering).body.outcome).toBe('ignored');
    expect(await booking(h.bookingNumber)).toMatchObject({ status: 'held', availability_reserved: true });
    expect(await slotCounts(sql, slot)).toMatchObject({ held: 2 });
  });

  test('refused, changing nothing: a session already paid (409), Stripe down (503), no hold in this browser (404), a lapsed hold (410)', async () => {
    const exp = await createExperience(sql);
    const slot = await createSlot(sql, exp.id);
    const { h, session } = await paidSession(slot, 1);
    let before = await databaseState(sql);
    const paid = await cancel(h);
    expect({ status: paid.status, code: paid.body.code }).toEqual({ status: 409, code: 'payment_completed' });
    expect(await databaseState(sql)).toEqual(before);
    expect((await deliver(stripe.event('checkout.session.completed', session))).body.outcome).toBe('confirmed');

    const other = await hold(slot, 1);
    await checkout(other);
    // The SDK's try and its one retry.
    stripe.failNext(`/v1/checkout/sessions/${sessionOf(other.bookingNumber).id}/expire`, 500, 2);
    before = await databaseState(sql);
    const down = await cancel(other);
    expect({ status: down.status, code: down.body.code }).toEqual({ status: 503, code: 'payment_unavailable' });
    expect(await databaseState(sql)).toEqual(before);
    expect(await booking(other.bookingNumber)).toMatchObject({ status: 'checkout' });
    expect(stripe.sessions.get(sessionOf(other.bookingNumber).id)!.status).toBe('open');
    expect(stripe.requests.filter((r) => r.path.endsWith(`${sessionOf(other.bookingNumber).id}/expire`)).map((r) => r.status)).toEqual([500, 500]);

    for (const cookie of [undefined, 'hf_hold=%E0%A4%A', `hf_hold=${other.bookingNumber}`]) {
      const none = await json(await cancelCheckout(request('DELETE', '/api/booking/checkout', { headers: cookie ? { cookie } : {} })));
      expect({ status: none.status, code: none.body.code }).toEqual({ status: 404, code: 'booking_not_found' });
    }
    const forged = await cancel({ ...other, holdToken: 'a'.repeat(64) });
    expect({ status: forged.status, code: forged.body.code }).toEqual({ status: 403, code: 'invalid_hold_token' });

    await sql`select api.shift_clock('40 minutes')`;
    const lapsed = await cancel(other);
    expect({ status: lapsed.status, code: lapsed.body.code }).toEqual({ status: 410, code: 'hold_expired' });
    expect(await databaseState(sql)).toEqual(before);
  });
});
