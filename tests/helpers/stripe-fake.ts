/**
 * A local stand-in for the few Stripe endpoints Holdfast calls, spoken to by the REAL stripe SDK.
 *
 * The test machines have no internet and there is no stripe-mock to install, so the SDK is
 * pointed here instead of api.stripe.com (checked against stripe 23.1.0):
 *
 *   new Stripe('sk_test_…', { host: fake.host, port: fake.port, protocol: 'http',
 *                             maxNetworkRetries: 0, telemetry: false })
 *
 * stripe 23 sends requests through node:http (keep-alive agent) with form-encoded bodies such as
 * `line_items[0][price_data][unit_amount]=4500`; `qs` turns them back into objects, with every
 * leaf a string. The SDK also puts `Idempotency-Key: stripe-node-retry-<uuid>` on EVERY POST, even
 * with retries off, so every POST here carries a key; a caller's `{ idempotencyKey }` replaces it.
 *
 * Modelled: Checkout Sessions (create, retrieve, expire, `expand: ['line_items']`), refunds by
 * payment intent (create; list filtered by payment intent), Stripe-style idempotency, signed
 * webhook events, a browser payment page, and injected failures. Deliberately not modelled:
 * other endpoints, sessions expiring by themselves at `expires_at`, webhook retries, automatic
 * `checkout.session.expired` events (send them with `deliver(event('checkout.session.expired', …))`).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import qs from 'qs';
import Stripe from 'stripe';

export type Params = qs.ParsedQs;

export interface LineItem {
  quantity: number;
  price_data: {
    currency: string;
    unit_amount: number;
    product_data: { name: string; description?: string };
  };
}

export interface Session {
  id: string;
  object: 'checkout.session';
  livemode: false;
  mode: 'payment';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'paid' | 'unpaid';
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  metadata: Record<string, string>;
  client_reference_id: string | null;
  customer_email: string | null;
  customer_details: { email: string | null; name: string | null } | null;
  success_url: string | null;
  cancel_url: string | null;
  created: number;
  expires_at: number;
  /** The payment page while open; null once complete or expired, as Stripe does. */
  url: string | null;
  payment_intent: string | null;
  /**
   * As given at creation. Stripe leaves line items out of the session object (and out of
   * webhook events) unless asked with `expand: ['line_items']`, and so does the fake's API.
   */
  line_items: LineItem[];
}

export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  charge: string;
  status: 'succeeded';
  reason: string | null;
  metadata: Record<string, string>;
  created: number;
}

export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  refunded: boolean;
  currency: string;
  paid: true;
  status: 'succeeded';
  payment_intent: string;
  metadata: Record<string, string>;
  created: number;
  livemode: false;
}

export interface FakeEvent<T extends object = object> {
  id: string;
  object: 'event';
  type: string;
  created: number;
  livemode: false;
  api_version: string;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  data: { object: T };
}

export interface RecordedRequest {
  method: string;
  /** Without the query string. */
  path: string;
  /** The form body (POST) or query string (GET), parsed by `qs`: leaves are strings. */
  params: Params;
  idempotencyKey: string | null;
  /** Answered from the idempotency store rather than run again. */
  replayed: boolean;
  status: number;
}

export interface WebhookDelivery {
  event: object;
  url: string;
  /** The receiver's HTTP status, or null when the request itself failed (see `error`). */
  status: number | null;
  error: string | null;
}

export interface StripeFake {
  url: string;
  port: number;
  host: '127.0.0.1';
  /** The secret events are signed with unless told otherwise (options.webhookSecret or a default). */
  webhookSecret: string;
  requests: RecordedRequest[];
  sessions: Map<string, Session>;
  refunds: Map<string, Refund>;
  /** Every webhook sent, by `deliver` or by the payment page. */
  deliveries: WebhookDelivery[];
  /** Marks an open session complete (and by default paid) with a new payment intent; sends nothing. */
  complete(sessionId: string, opts?: { paymentStatus?: 'paid' | 'unpaid' }): Session;
  event<T extends object>(type: string, object: T, opts?: { id?: string; created?: number }): FakeEvent<T>;
  /** The body and `stripe-signature` header Stripe would send for this event. */
  signed(event: object, secret?: string): { payload: string; signature: string };
  deliver(event: object, opts?: { url?: string; secret?: string }): Promise<Response>;
  /** The charge behind a paid session's payment intent, for `charge.refunded` events. */
  chargeFor(paymentIntent: string, opts?: { amountRefunded?: number }): Charge;
  /** Answers the next `count` requests whose path starts with `pathPrefix` with `status` and an api_error. */
  failNext(pathPrefix: string, status: number, count?: number): void;
  /**
   * Holds the next request whose path starts with `pathPrefix` until `release()`, then handles it
   * (its effect, too, happens only then): `reached` resolves when it has arrived.
   */
  pauseNext(pathPrefix: string): { reached: Promise<void>; release: () => void };
  close(): Promise<void>;
}

/** What the fake keeps per paid payment intent: enough to refund it and describe its charge. */
interface Payment {
  sessionId: string;
  charge: string;
  amount: number;
  currency: string;
  refunded: number;
  created: number;
}

interface Reply {
  status: number;
  body: unknown;
}

interface StoredResult {
  endpoint: string;
  params: string;
  status: number;
  body: string;
}

/** Shaped like Stripe's error object; `code` is absent where Stripe sends none (auth, api_error). */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string | undefined,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }

  toJSON() {
    return { error: { type: this.type, code: this.code, message: this.message, param: this.param } };
  }
}

const DEFAULT_WEBHOOK_SECRET = 'whsec_holdfast_fake';
const MIN_EXPIRY_SECONDS = 30 * 60;
const MAX_EXPIRY_SECONDS = 24 * 60 * 60;
// Stripe measures expires_at against its own clock; a minute's slack absorbs ours drifting from it.
const EXPIRY_SLACK_SECONDS = 60;
const REFUND_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function newId(prefix: string, length = 24): string {
  let id = '';
  for (const byte of randomBytes(length)) id += ALPHANUMERIC.charAt(byte % ALPHANUMERIC.length);
  return `${prefix}_${id}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

// ---------------------------------------------------------------------------------------------
// Reading form parameters. qs gives strings, nested objects and arrays; Stripe's own messages are
// imitated so an app that shows them shows something plausible.

function missing(param: string): ApiError {
  return new ApiError(400, 'invalid_request_error', 'parameter_missing', `Missing required param: ${param}.`, param);
}

function invalid(param: string, message: string, code = 'parameter_invalid'): ApiError {
  return new ApiError(400, 'invalid_request_error', code, message, param);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalText(value: unknown, param: string): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') throw invalid(param, `Invalid string: ${param}`);
  return value;
}

function requiredText(value: unknown, param: string): string {
  const text = optionalText(value, param);
  if (text === null) throw missing(param);
  return text;
}

function integer(value: unknown, param: string): number {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw invalid(param, `Invalid integer: ${String(value)}`, 'parameter_invalid_integer');
  }
  return Number(value);
}

function metadata(value: unknown, param = 'metadata'): Record<string, string> {
  if (value === undefined || value === '') return {};
  if (!isRecord(value)) throw invalid(param, `Invalid object: ${param}`);
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) result[key] = requiredText(entry, `${param}[${key}]`);
  return result;
}

function lineItem(value: unknown, param: string): LineItem {
  if (!isRecord(value)) throw invalid(param, `Invalid object: ${param}`);
  // Holdfast prices every item inline; a `price` id would need a catalogue the fake doesn't keep.
  if (value.price !== undefined) throw invalid(`${param}[price]`, 'The fake supports price_data only, not price ids.');
  const priceData = value.price_data;
  if (!isRecord(priceData)) throw missing(`${param}[price_data]`);
  const productData = priceData.product_data;
  if (!isRecord(productData)) throw missing(`${param}[price_data][product_data]`);
  const quantity = integer(value.quantity ?? '1', `${param}[quantity]`);
  if (quantity < 1) throw invalid(`${param}[quantity]`, 'Quantity must be at least 1.');
  const unitAmount = integer(priceData.unit_amount, `${param}[price_data][unit_amount]`);
  if (unitAmount < 0) throw invalid(`${param}[price_data][unit_amount]`, 'This value must be greater than or equal to 0.');
  const description = optionalText(productData.description, `${param}[price_data][product_data][description]`);
  return {
    quantity,
    price_data: {
      currency: requiredText(priceData.currency, `${param}[price_data][currency]`).toLowerCase(),
      unit_amount: unitAmount,
      product_data: {
        name: requiredText(productData.name, `${param}[price_data][product_data][name]`),
        ...(description === null ? {} : { description }),
      },
    },
  };
}

function expansions(params: Params): string[] {
  const expand = params.expand;
  if (expand === undefined) return [];
  const list = Array.isArray(expand) ? expand : [expand];
  return list.map((entry, i) => {
    const path = requiredText(entry, `expand[${i}]`);
    if (path !== 'line_items') throw invalid(`expand[${i}]`, `The fake cannot expand ${path}.`);
    return path;
  });
}

/** Key order is whatever the caller's object had; compare parameters independent of it. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function money(amount: number, currency: string): string {
  return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// ---------------------------------------------------------------------------------------------

export async function startStripeFake(options: { webhookUrl?: string; webhookSecret?: string } = {}): Promise<StripeFake> {
  const webhookSecret = options.webhookSecret ?? DEFAULT_WEBHOOK_SECRET;
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, Session>();
  const refunds = new Map<string, Refund>();
  const deliveries: WebhookDelivery[] = [];
  const payments = new Map<string, Payment>();
  const idempotency = new Map<string, StoredResult>();
  const failures: { prefix: string; status: number; remaining: number }[] = [];
  const pauses: { prefix: string; arrived: () => void; released: Promise<void> }[] = [];
  let baseUrl = '';

  function findSession(id: string): Session {
    const session = sessions.get(id);
    if (!session) throw new ApiError(404, 'invalid_request_error', 'resource_missing', `No such checkout.session: '${id}'`, 'id');
    return session;
  }

  /** The session as the API returns it: line items only when expanded, and then as a list. */
  function sessionJson(session: Session, expand: string[] = []): object {
    const { line_items: items, ...rest } = session;
    if (!expand.includes('line_items')) return rest;
    const data = items.map((item, i) => {
      const total = item.price_data.unit_amount * item.quantity;
      return {
        id: `li_${session.id.slice('cs_test_'.length)}_${i}`,
        object: 'item',
        amount_subtotal: total,
        amount_total: total,
        currency: item.price_data.currency,
        description: item.price_data.product_data.name,
        quantity: item.quantity,
        price: { object: 'price', currency: item.price_data.currency, unit_amount: item.price_data.unit_amount, type: 'one_time' },
      };
    });
    const list = { object: 'list', data, has_more: false, url: `/v1/checkout/sessions/${session.id}/line_items` };
    return { ...rest, line_items: list };
  }

  function createSession(params: Params): Session {
    const mode = requiredText(params.mode, 'mode');
    if (mode !== 'payment') throw invalid('mode', `The fake supports mode=payment only, not ${mode}.`);
    const rawItems = params.line_items;
    if (!Array.isArray(rawItems) || rawItems.length === 0) throw missing('line_items');
    const items = rawItems.map((item, i) => lineItem(item, `line_items[${i}]`));
    const currency = items[0]!.price_data.currency;
    if (items.some((item) => item.price_data.currency !== currency)) {
      throw invalid('line_items', 'All line items must use the same currency.');
    }

    const created = nowSeconds();
    const expiresAt = params.expires_at === undefined ? created + MAX_EXPIRY_SECONDS : integer(params.expires_at, 'expires_at');
    if (expiresAt < created + MIN_EXPIRY_SECONDS - EXPIRY_SLACK_SECONDS) {
      throw invalid('expires_at', 'The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', 'parameter_invalid_integer');
    }
    if (expiresAt > created + MAX_EXPIRY_SECONDS + EXPIRY_SLACK_SECONDS) {
      throw invalid('expires_at', 'The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', 'parameter_invalid_integer');
    }

    const amount = items.reduce((sum, item) => sum + item.price_data.unit_amount * item.quantity, 0);
    const id = newId('cs_test', 58);
    const session: Session = {
      id,
      object: 'checkout.session',
      livemode: false,
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_subtotal: amount,
      amount_total: amount,
      currency,
      metadata: metadata(params.metadata),
      client_reference_id: optionalText(params.client_reference_id, 'client_reference_id'),
      customer_email: optionalText(params.customer_email, 'customer_email'),
      customer_details: null,
      success_url: optionalText(params.success_url, 'success_url'),
      cancel_url: optionalText(params.cancel_url, 'cancel_url'),
      created,
      expires_at: expiresAt,
      url: `${baseUrl}/pay/${id}`,
      payment_intent: null,
      line_items: items,
    };
    sessions.set(id, session);
    return session;
  }

  function expireSession(id: string): Session {
    const session = findSession(id);
    if (session.status !== 'open') {
      throw new ApiError(400, 'invalid_request_error', 'checkout_session_not_open',
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`);
    }
    session.status = 'expired';
    session.url = null;
    return session;
  }

  function complete(sessionId: string, opts: { paymentStatus?: 'paid' | 'unpaid' } = {}): Session {
    const session = sessions.get(sessionId);
    if (!session) throw new Error(`stripe fake: no session ${sessionId}`);
    if (session.status !== 'open') throw new Error(`stripe fake: session ${sessionId} is ${session.status}, not open`);
    const paymentIntent = newId('pi');
    session.status = 'complete';
    session.payment_status = opts.paymentStatus ?? 'paid';
    session.payment_intent = paymentIntent;
    session.customer_details = { email: session.customer_email, name: null };
    session.url = null;
    // Only money actually taken can be refunded: an unpaid (delayed) payment has nothing to refund.
    if (session.payment_status === 'paid') {
      payments.set(paymentIntent, {
        sessionId,
        charge: newId('ch'),
        amount: session.amount_total,
        currency: session.currency,
        refunded: 0,
        created: nowSeconds(),
      });
    }
    return session;
  }

  function createRefund(params: Params): Refund {
    if (params.charge !== undefined) throw invalid('charge', 'The fake refunds by payment_intent only.');
    const paymentIntent = requiredText(params.payment_intent, 'payment_intent');
    const payment = payments.get(paymentIntent);
    if (!payment) {
      throw new ApiError(400, 'invalid_request_error', 'resource_missing', `No such payment_intent: '${paymentIntent}'`, 'payment_intent');
    }
    const remaining = payment.amount - payment.refunded;
    if (remaining === 0) {
      throw new ApiError(400, 'invalid_request_error', 'charge_already_refunded', `Charge ${payment.charge} has already been refunded.`);
    }
    const amount = params.amount === undefined ? remaining : integer(params.amount, 'amount');
    if (amount < 1) throw invalid('amount', 'This value must be greater than or equal to 1.', 'parameter_invalid_integer');
    if (amount > remaining) {
      throw new ApiError(400, 'invalid_request_error', 'amount_too_large',
        `Refund amount (${money(amount, payment.currency)}) is greater than unrefunded amount on charge (${money(remaining, payment.currency)})`, 'amount');
    }
    const reason = optionalText(params.reason, 'reason');
    if (reason !== null && !REFUND_REASONS.has(reason)) throw invalid('reason', `Invalid reason: ${reason}`);

    payment.refunded += amount;
    const refund: Refund = {
      id: newId('re'),
      object: 'refund',
      amount,
      currency: payment.currency,
      payment_intent: paymentIntent,
      charge: payment.charge,
      status: 'succeeded',
      reason,
      metadata: metadata(params.metadata),
      created: nowSeconds(),
    };
    refunds.set(refund.id, refund);
    return refund;
  }

  function api(method: string, path: string, params: Params): Reply {
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      return { status: 200, body: sessionJson(createSession(params), expansions(params)) };
    }
    const sessionId = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path)?.[1];
    if (method === 'GET' && sessionId) {
      return { status: 200, body: sessionJson(findSession(decodeURIComponent(sessionId)), expansions(params)) };
    }
    const expireId = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(path)?.[1];
    if (method === 'POST' && expireId) {
      return { status: 200, body: sessionJson(expireSession(decodeURIComponent(expireId)), expansions(params)) };
    }
    if (method === 'POST' && path === '/v1/refunds') return { status: 200, body: createRefund(params) };
    if (method === 'GET' && path === '/v1/refunds') {
      // Newest first, as Stripe lists them; only the payment_intent filter is modelled.
      const paymentIntent = optionalText(params.payment_intent, 'payment_intent');
      const data = [...refunds.values()].filter((r) => paymentIntent === null || r.payment_intent === paymentIntent).reverse();
      return { status: 200, body: { object: 'list', data, has_more: false, url: '/v1/refunds' } };
    }
    throw new ApiError(404, 'invalid_request_error', undefined, `Unrecognized request URL (${method}: ${path}).`);
  }

  /**
   * Stripe's idempotency: a key replays the first result for the same endpoint and parameters,
   * and refuses anything else. Only successes are stored — Stripe keeps no result for requests
   * that failed validation, and injected failures stand for requests that never got through, so
   * retrying with the same key must run the request.
   */
  function idempotent(method: string, path: string, params: Params, key: string | null): { reply: Reply; replayed: boolean } {
    if (method !== 'POST' || key === null) return { reply: api(method, path, params), replayed: false };
    const endpoint = `${method} ${path}`;
    const stored = idempotency.get(key);
    if (stored) {
      if (stored.endpoint !== endpoint || stored.params !== canonical(params)) {
        throw new ApiError(400, 'idempotency_error', undefined,
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`);
      }
      return { reply: { status: stored.status, body: JSON.parse(stored.body) as unknown }, replayed: true };
    }
    const reply = api(method, path, params);
    idempotency.set(key, { endpoint, params: canonical(params), status: reply.status, body: JSON.stringify(reply.body) });
    return { reply, replayed: false };
  }

  function authorised(req: http.IncomingMessage): ApiError | null {
    const header = req.headers.authorization ?? '';
    if (/^Bearer sk_test_\S+$/.test(header)) return null;
    const message = header === ''
      ? 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth.'
      : 'Invalid API Key provided: the fake accepts sk_test_ keys only.';
    return new ApiError(401, 'invalid_request_error', undefined, message);
  }

  function takeFailure(path: string): ApiError | null {
    const failure = failures.find((f) => f.remaining > 0 && path.startsWith(f.prefix));
    if (!failure) return null;
    failure.remaining--;
    return new ApiError(failure.status, 'api_error', undefined, `Injected failure (${failure.status}) from the Stripe fake.`);
  }

  function signed(event: object, secret = webhookSecret): { payload: string; signature: string } {
    // Stripe sends events pretty-printed; the signature covers these exact bytes.
    const payload = JSON.stringify(event, null, 2);
    return { payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret }) };
  }

  async function deliver(event: object, opts: { url?: string; secret?: string } = {}): Promise<Response> {
    const url = opts.url ?? options.webhookUrl;
    if (!url) throw new Error('stripe fake: no webhook URL (pass opts.url or options.webhookUrl)');
    const { payload, signature } = signed(event, opts.secret);
    const delivery: WebhookDelivery = { event, url, status: null, error: null };
    deliveries.push(delivery);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signature,
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: payload,
      });
      delivery.status = response.status;
      return response;
    } catch (error) {
      delivery.error = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }

  function event<T extends object>(type: string, object: T, opts: { id?: string; created?: number } = {}): FakeEvent<T> {
    return {
      id: opts.id ?? newId('evt'),
      object: 'event',
      type,
      created: opts.created ?? nowSeconds(),
      livemode: false,
      api_version: Stripe.API_VERSION,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      // An event is a snapshot: later changes to the object must not show through it.
      data: { object: structuredClone(object) },
    };
  }

  function chargeFor(paymentIntent: string, opts: { amountRefunded?: number } = {}): Charge {
    const payment = payments.get(paymentIntent);
    if (!payment) throw new Error(`stripe fake: no paid session with payment intent ${paymentIntent}`);
    const amountRefunded = opts.amountRefunded ?? payment.refunded;
    return {
      id: payment.charge,
      object: 'charge',
      amount: payment.amount,
      amount_captured: payment.amount,
      amount_refunded: amountRefunded,
      refunded: amountRefunded >= payment.amount,
      currency: payment.currency,
      paid: true,
      status: 'succeeded',
      payment_intent: paymentIntent,
      metadata: {},
      created: payment.created,
      livemode: false,
    };
  }

  // --- the payment page, for browsers ------------------------------------------------------

  function html(res: http.ServerResponse, status: number, title: string, body: string): void {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
      `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`);
  }

  function payPage(res: http.ServerResponse, session: Session): void {
    if (session.status !== 'open') {
      html(res, 410, 'Checkout session unavailable', `<p>This checkout session is ${escapeHtml(session.status)}.</p>`);
      return;
    }
    const rows = session.line_items.map((item) =>
      `<tr><td>${escapeHtml(item.price_data.product_data.name)}</td><td>× ${item.quantity}</td>` +
      `<td>${money(item.price_data.unit_amount * item.quantity, item.price_data.currency)}</td></tr>`);
    html(res, 200, 'Stripe fake checkout',
      `<table>${rows.join('')}</table>` +
      `<p>Total: <strong data-testid="total">${money(session.amount_total, session.currency)}</strong></p>` +
      `<form method="post" action="/pay/${session.id}">` +
      '<button type="submit" name="action" value="pay">Pay</button> ' +
      '<button type="submit" name="action" value="cancel">Cancel</button></form>');
  }

  async function browser(req: http.IncomingMessage, res: http.ServerResponse, id: string, form: Params): Promise<number> {
    const session = sessions.get(id);
    if (!session) {
      html(res, 404, 'No such checkout session', '');
      return 404;
    }
    if (req.method === 'GET') {
      payPage(res, session);
      return res.statusCode;
    }
    if (req.method !== 'POST') {
      html(res, 405, 'Method not allowed', '');
      return 405;
    }
    // A cancelled checkout leaves the session open, as Stripe's "back" link does.
    if (form.action === 'cancel') {
      if (!session.cancel_url) {
        html(res, 400, 'No cancel_url', '');
        return 400;
      }
      res.writeHead(303, { location: session.cancel_url }).end();
      return 303;
    }
    if (session.status !== 'open') {
      payPage(res, session);
      return res.statusCode;
    }
    complete(id);
    /*
     * Delivered before redirecting, so a test that follows the redirect finds the webhook
     * handled. Real Stripe makes no such promise: a success page must cope with a payment it has
     * not heard about yet, and tests for that should call complete() and deliver() themselves.
     */
    if (options.webhookUrl) {
      await deliver(event('checkout.session.completed', sessionJson(session))).catch(() => {});
    }
    if (!session.success_url) {
      html(res, 200, 'Paid', '');
      return 200;
    }
    res.writeHead(303, { location: session.success_url.replaceAll('{CHECKOUT_SESSION_ID}', session.id) }).end();
    return 303;
  }

  // --- the server ---------------------------------------------------------------------------

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', baseUrl);
    const body = await readBody(req);
    // Stripe reads nested brackets deeper and arrays longer than qs's defaults allow.
    const params = qs.parse(method === 'GET' ? url.search.slice(1) : body, { depth: 10, arrayLimit: 1000 });
    const keyHeader = req.headers['idempotency-key'];
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      params,
      idempotencyKey: typeof keyHeader === 'string' ? keyHeader : null,
      replayed: false,
      status: 0,
    };
    requests.push(record);
    const pause = pauses.findIndex((p) => url.pathname.startsWith(p.prefix));
    if (pause >= 0) {
      const [paused] = pauses.splice(pause, 1);
      paused!.arrived();
      await paused!.released;
    }

    const payId = /^\/pay\/([^/]+)$/.exec(url.pathname)?.[1];
    try {
      const failure = takeFailure(url.pathname);
      if (failure) throw failure;
      if (payId) {
        record.status = await browser(req, res, decodeURIComponent(payId), params);
        return;
      }
      const unauthorised = authorised(req);
      if (unauthorised) throw unauthorised;
      const { reply, replayed } = idempotent(method, url.pathname, params, record.idempotencyKey);
      record.replayed = replayed;
      record.status = reply.status;
      res.writeHead(reply.status, {
        'content-type': 'application/json',
        'request-id': newId('req', 14),
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      });
      res.end(JSON.stringify(reply.body, null, 2));
    } catch (error) {
      const apiError = error instanceof ApiError
        ? error
        : new ApiError(500, 'api_error', undefined, `Stripe fake crashed: ${error instanceof Error ? error.message : String(error)}`);
      record.status = apiError.status;
      res.writeHead(apiError.status, { 'content-type': 'application/json', 'request-id': newId('req', 14) });
      res.end(JSON.stringify(apiError));
    }
  }

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    port,
    host: '127.0.0.1',
    webhookSecret,
    requests,
    sessions,
    refunds,
    deliveries,
    complete,
    event,
    signed,
    deliver,
    chargeFor,
    failNext(pathPrefix, status, count = 1) {
      failures.push({ prefix: pathPrefix, status, remaining: count });
    },
    pauseNext(pathPrefix) {
      let arrived!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      pauses.push({ prefix: pathPrefix, arrived, released });
      return { reached, release };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        // The SDK's agent keeps connections alive; without closing them close() would wait for them.
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
