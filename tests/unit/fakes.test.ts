/**
 * The Stripe and Resend fakes speak the real SDKs: every call here goes through stripe 23 and
 * resend 6 exactly as Holdfast's code will, only to 127.0.0.1 instead of the internet.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Resend } from 'resend';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startResendFake, type ResendFake } from '../helpers/resend-fake';
import { startStripeFake, type StripeFake } from '../helpers/stripe-fake';

const WEBHOOK_SECRET = 'whsec_fakes_test';

/** A tiny webhook receiver: keeps each request's raw body and stripe-signature header. */
interface Receiver {
  url: string;
  received: { body: string; signature: string }[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ body, signature: String(req.headers['stripe-signature']) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/stripe/webhook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function stripeFor(fake: StripeFake, key = 'sk_test_holdfast'): Stripe {
  return new Stripe(key, { host: fake.host, port: fake.port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
}

function sessionParams(overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}): Stripe.Checkout.SessionCreateParams {
  return {
    mode: 'payment',
    line_items: [
      { quantity: 2, price_data: { currency: 'eur', unit_amount: 4500, product_data: { name: 'Adult — Harbour tour 10:00' } } },
      { quantity: 1, price_data: { currency: 'eur', unit_amount: 2000, product_data: { name: 'Child — Harbour tour 10:00' } } },
    ],
    metadata: { booking_number: 'HF-7Q2K9' },
    client_reference_id: 'HF-7Q2K9',
    customer_email: 'ada@example.test',
    expires_at: Math.floor(Date.now() / 1000) + 31 * 60,
    success_url: 'http://127.0.0.1:3000/bookings/HF-7Q2K9?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://127.0.0.1:3000/bookings/HF-7Q2K9?cancelled=1',
    ...overrides,
  };
}

describe('Stripe fake with the real stripe SDK', () => {
  let receiver: Receiver;
  let fake: StripeFake;
  let stripe: Stripe;

  beforeAll(async () => {
    receiver = await startReceiver();
    fake = await startStripeFake({ webhookUrl: receiver.url, webhookSecret: WEBHOOK_SECRET });
    stripe = stripeFor(fake);
  });

  afterAll(async () => {
    await fake.close();
    await receiver.close();
  });

  it('creates a checkout session from form-encoded line items and reads it back', async () => {
    const created = await stripe.checkout.sessions.create(sessionParams());
    expect(created.id).toMatch(/^cs_test_/);
    expect(created).toMatchObject({
      object: 'checkout.session',
      status: 'open',
      payment_status: 'unpaid',
      payment_intent: null,
      amount_total: 2 * 4500 + 2000,
      currency: 'eur',
      metadata: { booking_number: 'HF-7Q2K9' },
      client_reference_id: 'HF-7Q2K9',
      url: `${fake.url}/pay/${created.id}`,
    });
    // The wire format really was bracketed form fields, parsed back into numbers by the fake.
    expect(fake.requests.at(-1)?.params).toMatchObject({ line_items: [{ price_data: { unit_amount: '4500' } }, { quantity: '1' }] });
    expect(fake.sessions.get(created.id)?.line_items[0]?.price_data.unit_amount).toBe(4500);

    const read = await stripe.checkout.sessions.retrieve(created.id);
    expect(read.id).toBe(created.id);
    expect(read.line_items).toBeUndefined();
    const expanded = await stripe.checkout.sessions.retrieve(created.id, { expand: ['line_items'] });
    expect(expanded.line_items?.data.map((item) => item.amount_total)).toEqual([9000, 2000]);
  });

  it('refuses expires_at outside 30 minutes .. 24 hours', async () => {
    const tooSoon = Math.floor(Date.now() / 1000) + 10 * 60;
    const error = await stripe.checkout.sessions.create(sessionParams({ expires_at: tooSoon })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error', param: 'expires_at' });
  });

  it('replays an idempotent request and refuses the key with other parameters', async () => {
    const params = sessionParams();
    const first = await stripe.checkout.sessions.create(params, { idempotencyKey: 'booking-HF-7Q2K9-checkout' });
    const sessionsBefore = fake.sessions.size;
    const again = await stripe.checkout.sessions.create(params, { idempotencyKey: 'booking-HF-7Q2K9-checkout' });
    expect(again.id).toBe(first.id);
    expect(fake.sessions.size).toBe(sessionsBefore);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(fake.requests.at(-1)).toMatchObject({ idempotencyKey: 'booking-HF-7Q2K9-checkout', replayed: true, status: 200 });

    const error = await stripe.checkout.sessions
      .create(sessionParams({ metadata: { booking_number: 'HF-OTHER' } }), { idempotencyKey: 'booking-HF-7Q2K9-checkout' })
      .catch((e: unknown) => e);
    // stripe 23: `type` is the class name, `rawType` what the API sent.
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ type: 'StripeIdempotencyError', rawType: 'idempotency_error', statusCode: 400 });
  });

  it('expires an open session once', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ status: 'expired', url: null });
    const again = await stripe.checkout.sessions.expire(session.id).catch((e: unknown) => e);
    expect(again).toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400 });
  });

  it('refunds a paid session, and refuses unknown or over-refunded payment intents', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const paid = fake.complete(session.id);
    const paymentIntent = paid.payment_intent!;
    expect(paymentIntent).toMatch(/^pi_/);

    const partial = await stripe.refunds.create({ payment_intent: paymentIntent, amount: 4500, metadata: { booking_number: 'HF-7Q2K9' } });
    expect(partial).toMatchObject({ object: 'refund', amount: 4500, currency: 'eur', payment_intent: paymentIntent, status: 'succeeded' });
    expect(partial.id).toMatch(/^re_/);
    const rest = await stripe.refunds.create({ payment_intent: paymentIntent, reason: 'requested_by_customer' });
    expect(rest.amount).toBe(11_000 - 4500);
    expect(fake.chargeFor(paymentIntent)).toMatchObject({ amount: 11_000, amount_refunded: 11_000, refunded: true, payment_intent: paymentIntent });

    const over = await stripe.refunds.create({ payment_intent: paymentIntent, amount: 1 }).catch((e: unknown) => e);
    expect(over).toMatchObject({ type: 'StripeInvalidRequestError', code: 'charge_already_refunded' });
    const unknown = await stripe.refunds.create({ payment_intent: 'pi_unknown' }).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ type: 'StripeInvalidRequestError', code: 'resource_missing', param: 'payment_intent' });
  });

  it('answers injected failures with the status, then recovers', async () => {
    fake.failNext('/v1/checkout/sessions', 503);
    const error = await stripe.checkout.sessions.create(sessionParams()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error).toMatchObject({ statusCode: 503, rawType: 'api_error' });
    await expect(stripe.checkout.sessions.create(sessionParams())).resolves.toMatchObject({ status: 'open' });
  });

  it('refuses a key that is not a test secret key', async () => {
    const error = await stripeFor(fake, 'sk_live_nope').checkout.sessions.retrieve('cs_test_x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error).toMatchObject({ statusCode: 401 });
  });

  it('signs events that constructEvent accepts, and a tampered payload fails', () => {
    const session = fake.sessions.values().next().value!;
    const event = fake.event('checkout.session.completed', { id: session.id, object: 'checkout.session' });
    const { payload, signature } = fake.signed(event);
    const verified = stripe.webhooks.constructEvent(payload, signature, WEBHOOK_SECRET);
    expect(verified).toMatchObject({ id: event.id, type: 'checkout.session.completed', api_version: Stripe.API_VERSION });
    expect(() => stripe.webhooks.constructEvent(payload.replace(session.id, 'cs_test_forged'), signature, WEBHOOK_SECRET))
      .toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(() => stripe.webhooks.constructEvent(payload, signature, 'whsec_wrong')).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  it('delivers a signed event to a webhook URL', async () => {
    const session = fake.complete((await stripe.checkout.sessions.create(sessionParams())).id);
    const before = receiver.received.length;
    const response = await fake.deliver(fake.event('charge.refunded', fake.chargeFor(session.payment_intent!, { amountRefunded: 2000 })));
    expect(response.status).toBe(200);
    const delivery = receiver.received[before]!;
    const event = stripe.webhooks.constructEvent(delivery.body, delivery.signature, WEBHOOK_SECRET);
    expect(event.type).toBe('charge.refunded');
    expect(event.data.object).toMatchObject({ object: 'charge', payment_intent: session.payment_intent, amount_refunded: 2000, refunded: false });
  });

  it('serves a payment page whose Pay completes the session, delivers the event and redirects', async () => {
    const session = await stripe.checkout.sessions.create(sessionParams());
    const page = await fetch(session.url!);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('Adult — Harbour tour 10:00');
    expect(html).toContain('110.00 EUR');
    expect(html).toMatch(/<button[^>]*>Pay<\/button>/);

    const cancel = await fetch(session.url!, { method: 'POST', body: new URLSearchParams({ action: 'cancel' }), redirect: 'manual' });
    expect(cancel.status).toBe(303);
    expect(cancel.headers.get('location')).toBe(session.cancel_url);
    expect(fake.sessions.get(session.id)?.status).toBe('open');

    const before = receiver.received.length;
    const pay = await fetch(session.url!, { method: 'POST', body: new URLSearchParams({ action: 'pay' }), redirect: 'manual' });
    expect(pay.status).toBe(303);
    expect(pay.headers.get('location')).toBe(`http://127.0.0.1:3000/bookings/HF-7Q2K9?session_id=${session.id}`);

    const delivery = receiver.received[before]!;
    const event = stripe.webhooks.constructEvent(delivery.body, delivery.signature, WEBHOOK_SECRET);
    expect(event.type).toBe('checkout.session.completed');
    if (event.type !== 'checkout.session.completed') return;
    expect(event.data.object).toMatchObject({
      id: session.id,
      status: 'complete',
      payment_status: 'paid',
      metadata: { booking_number: 'HF-7Q2K9' },
      amount_total: 11_000,
    });
    expect(event.data.object.payment_intent).toMatch(/^pi_/);
    expect(fake.deliveries.at(-1)).toMatchObject({ url: receiver.url, status: 200, error: null });
    // Once paid the session has no payment page any more, as with Stripe.
    await expect(stripe.checkout.sessions.retrieve(session.id)).resolves.toMatchObject({ status: 'complete', url: null });
  });
});

describe('Resend fake with the real resend SDK', () => {
  let fake: ResendFake;
  let resend: Resend;

  beforeAll(async () => {
    fake = await startResendFake();
    resend = new Resend('re_test_key', { baseUrl: fake.url });
  });

  afterAll(() => fake.close());

  const email = {
    from: 'Holdfast <bookings@holdfast.test>',
    to: 'ada@example.test',
    subject: 'Your booking HF-7Q2K9',
    html: '<p>See you at 10:00.</p>',
    text: 'See you at 10:00.',
    headers: { 'X-Entity-Ref-ID': 'HF-7Q2K9' },
    tags: [{ name: 'kind', value: 'confirmation' }],
  };

  it('accepts an email once per idempotency key', async () => {
    const first = await resend.emails.send(email, { idempotencyKey: 'confirmation/HF-7Q2K9' });
    expect(first.error).toBeNull();
    const again = await resend.emails.send(email, { idempotencyKey: 'confirmation/HF-7Q2K9' });
    expect(again.data?.id).toBe(first.data?.id);
    expect(fake.deliveries).toHaveLength(1);
    expect(fake.requests.at(-1)).toMatchObject({ idempotencyKey: 'confirmation/HF-7Q2K9', replayed: true, status: 200 });
    expect(fake.deliveries[0]?.body).toMatchObject({ subject: 'Your booking HF-7Q2K9', headers: { 'X-Entity-Ref-ID': 'HF-7Q2K9' }, tags: email.tags });
    expect(fake.deliveries[0]?.headers.authorization).toBe('Bearer re_test_key');

    const other = await resend.emails.send({ ...email, subject: 'Something else' }, { idempotencyKey: 'confirmation/HF-7Q2K9' });
    expect(other.error).toMatchObject({ statusCode: 409, name: 'invalid_idempotent_request' });
  });

  it('returns errors as values, not exceptions, until the failures run out', async () => {
    fake.failNext(500, 2);
    const results = [];
    for (let attempt = 0; attempt < 3; attempt++) results.push(await resend.emails.send(email, { idempotencyKey: 'reminder/HF-7Q2K9' }));
    expect(results.map((r) => r.error?.statusCode ?? null)).toEqual([500, 500, null]);
    expect(results[0]).toMatchObject({ data: null, error: { name: 'internal_server_error' } });
    expect(results[2]?.data?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.deliveries.filter((d) => d.idempotencyKey === 'reminder/HF-7Q2K9')).toHaveLength(1);
  });

  it('resolves with an error, without throwing, when nothing answers', async () => {
    const nowhere = new Resend('re_test_key', { baseUrl: 'http://127.0.0.1:9' });
    const result = await nowhere.emails.send(email);
    expect(result).toMatchObject({ data: null, error: { statusCode: null, name: 'application_error' } });
  });

  it('carries an attachment’s bytes intact as base64', async () => {
    const bytes = Buffer.from('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\u00e9\u0000\u00ff END:VCALENDAR\r\n', 'latin1');
    const sent = await resend.emails.send({ ...email, attachments: [{ filename: 'booking.ics', content: bytes, contentType: 'text/calendar' }] });
    expect(sent.error).toBeNull();
    const attachment = fake.deliveries.find((d) => d.id === sent.data?.id)?.body.attachments?.[0];
    expect(attachment).toMatchObject({ filename: 'booking.ics', content_type: 'text/calendar' });
    expect(Buffer.from(attachment!.content!, 'base64').equals(bytes)).toBe(true);
  });
});
