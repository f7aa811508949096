/**
 * A local stand-in for Resend's `POST /emails`, spoken to by the REAL resend SDK.
 *
 * Pointing the SDK here (checked against resend 6.38.0, dist/index.mjs): the constructor reads
 * `options.baseUrl ?? process.env.RESEND_BASE_URL ?? 'https://api.resend.com'` once, at
 * construction, and fetches `${baseUrl}/emails` — so no trailing slash, and no environment needed:
 *
 *   new Resend('re_test_key', { baseUrl: fake.url })
 *
 * `RESEND_BASE_URL` works as well, but only for clients constructed after it is set.
 *
 * Idempotency: `resend.emails.send(email, { idempotencyKey })` sends the `Idempotency-Key` header.
 *
 * Errors: `emails.send` does not throw, for HTTP errors or even an unreachable server. It resolves
 * `{ data: null, error: { statusCode, name, message }, headers }` (statusCode is null when the
 * request never got an answer), and `{ data: { id }, error: null, headers }` on success. Callers
 * must check `error`, and a job that should be retried must throw it itself.
 *
 * Like Resend, a repeated key with the same body answers the first email's id without sending
 * again, and a repeated key with a different body is refused (409 invalid_idempotent_request).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** The JSON the SDK sends: its camelCase options in Resend's snake_case wire names. */
export interface SentEmail {
  from: string;
  to: string | string[];
  subject: string;
  html?: string;
  text?: string;
  cc?: string | string[];
  bcc?: string | string[];
  reply_to?: string | string[];
  headers?: Record<string, string>;
  tags?: { name: string; value: string }[];
  attachments?: {
    /** Base64, whatever the caller passed (the SDK encodes Buffers and Uint8Arrays). */
    content?: string;
    filename?: string;
    path?: string;
    content_type?: string;
    content_id?: string;
  }[];
  scheduled_at?: string;
}

export interface ResendRequest {
  headers: Record<string, string>;
  /** Null when the body was not a JSON object. */
  body: SentEmail | null;
  idempotencyKey: string | null;
  status: number;
  /** The email id answered, if any. */
  id: string | null;
  /** Answered with an earlier email's id because the idempotency key was seen before. */
  replayed: boolean;
}

/** One email Resend accepted: what a mailbox would eventually receive. */
export interface ResendDelivery {
  id: string;
  body: SentEmail;
  headers: Record<string, string>;
  idempotencyKey: string | null;
}

export interface ResendFake {
  url: string;
  /** Every attempt, including failed and replayed ones. */
  requests: ResendRequest[];
  /** Distinct accepted emails. */
  deliveries: ResendDelivery[];
  /** Answers the next `count` requests with `status` and a Resend-shaped error. */
  failNext(status: number, count?: number): void;
  close(): Promise<void>;
}

interface ErrorBody {
  statusCode: number;
  name: string;
  message: string;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

function errorName(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 422) return 'validation_error';
  if (status >= 500) return 'internal_server_error';
  return 'application_error';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What Resend would refuse in a body, or null. Only the checks that catch real mistakes. */
function invalidEmail(body: unknown): ErrorBody | null {
  if (!isRecord(body)) return { statusCode: 422, name: 'validation_error', message: 'Invalid JSON body.' };
  for (const field of ['from', 'to', 'subject']) {
    if (body[field] === undefined || body[field] === '') {
      return { statusCode: 422, name: 'missing_required_field', message: `Missing \`${field}\` field.` };
    }
  }
  if (body.html === undefined && body.text === undefined) {
    return { statusCode: 422, name: 'validation_error', message: 'Missing `html` or `text` field.' };
  }
  return null;
}

export async function startResendFake(): Promise<ResendFake> {
  const requests: ResendRequest[] = [];
  const deliveries: ResendDelivery[] = [];
  const byKey = new Map<string, { body: string; id: string }>();
  let failures: { status: number; remaining: number } | null = null;

  function answer(res: http.ServerResponse, status: number, body: object): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(raw) as unknown;
    } catch {
      // Left null: answered as a validation error below.
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const record: ResendRequest = {
      headers,
      body: isRecord(parsed) ? (parsed as unknown as SentEmail) : null,
      idempotencyKey: headers['idempotency-key'] ?? null,
      status: 0,
      id: null,
      replayed: false,
    };
    requests.push(record);
    const fail = (error: ErrorBody) => {
      record.status = error.statusCode;
      answer(res, error.statusCode, error);
    };

    if (failures && failures.remaining > 0) {
      failures.remaining--;
      return fail({ statusCode: failures.status, name: errorName(failures.status), message: `Injected failure (${failures.status}) from the Resend fake.` });
    }
    if (req.method !== 'POST' || req.url !== '/emails') {
      return fail({ statusCode: 404, name: 'not_found', message: `The fake serves POST /emails only, not ${req.method} ${req.url}.` });
    }
    const authorization = headers.authorization;
    if (!authorization) return fail({ statusCode: 401, name: 'missing_api_key', message: 'Missing API key in the authorization header.' });
    if (!/^Bearer re_\S+$/.test(authorization)) return fail({ statusCode: 403, name: 'invalid_api_key', message: 'API key is invalid.' });
    const invalid = invalidEmail(parsed);
    if (invalid) return fail(invalid);

    const key = record.idempotencyKey;
    if (key !== null) {
      if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
        return fail({ statusCode: 400, name: 'invalid_idempotency_key', message: 'The key must be between 1-256 chars.' });
      }
      const seen = byKey.get(key);
      if (seen) {
        if (seen.body !== raw) {
          return fail({ statusCode: 409, name: 'invalid_idempotent_request', message: 'Same idempotency key used with a different request payload.' });
        }
        record.status = 200;
        record.id = seen.id;
        record.replayed = true;
        return answer(res, 200, { id: seen.id });
      }
    }

    const id = randomUUID();
    // Stored only once accepted: a failed attempt must not stop its retry from sending.
    if (key !== null) byKey.set(key, { body: raw, id });
    deliveries.push({ id, body: parsed as SentEmail, headers, idempotencyKey: key });
    record.status = 200;
    record.id = id;
    answer(res, 200, { id });
  }

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      answer(res, 500, { statusCode: 500, name: 'internal_server_error', message: `Resend fake crashed: ${String(error)}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    deliveries,
    failNext(status, count = 1) {
      failures = { status, remaining: count };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
