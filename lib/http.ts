/**
 * Route plumbing: read and validate a body, and turn every failure into `{ code, message }` with
 * the right status. Unknown errors are logged and become a 500. For App Router route handlers
 * (web Request and Response) and for the pages/api routes (Node.js request and response).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { AppError, fromDatabaseError } from '@/db/errors';
import { env } from './env';
import { logger } from './logger';

const MAX_BODY_BYTES = 4096;

/** Reads a JSON, form-encoded or text/plain (sendBeacon) body and validates it. */
export async function readBody<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  return parseBody(await boundedText(req), req.headers.get('content-type'), schema);
}

/**
 * The body as text, read no further than `maxBytes`: one declared longer is refused unread, and
 * one sent in chunks without a Content-Length is cut off there (413, the rest cancelled), not
 * gathered whole first.
 */
export async function boundedText(req: Request, maxBytes = MAX_BODY_BYTES): Promise<string> {
  if (Number(req.headers.get('content-length') ?? '0') > maxBytes) throw new AppError('payload_too_large');
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new AppError('payload_too_large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The same as readBody, for a Node.js request (the pages/api route; see nodeHandler). */
export async function readNodeBody<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) throw new AppError('payload_too_large');
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', done).off('close', onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size > MAX_BODY_BYTES) {
        // Read no further; the rest is dropped with the connection (nodeHandler closes it).
        req.pause();
        done(new AppError('payload_too_large'));
      }
    };
    const onEnd = () => done();
    const onClose = () => done(new Error('the client closed the connection before sending its whole body'));
    req.on('data', onData).on('end', onEnd).on('error', done).on('close', onClose);
  });
  return parseBody(text, req.headers['content-type'], schema);
}

function parseBody<T>(text: string, contentType: string | null | undefined, schema: z.ZodType<T>): T {
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new AppError('payload_too_large');
  const type = (contentType ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
  if (!['application/json', 'text/plain', 'application/x-www-form-urlencoded'].includes(type)) {
    throw new AppError('unsupported_media_type');
  }
  // sendBeacon and simple clients label JSON as text or form data: a body that opens with `{` is JSON.
  let raw: unknown;
  if (type === 'application/json' || text.trim() === '' || text.trimStart().startsWith('{')) {
    try {
      raw = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new AppError('malformed_body', 'The request body is not valid JSON.');
    }
  } else if (type === 'application/x-www-form-urlencoded') {
    raw = Object.fromEntries(new URLSearchParams(text));
  } else {
    throw new AppError('malformed_body', 'The request body is not valid JSON.');
  }
  return parseInput(schema, raw);
}

/** Validates query parameters. */
export function readQuery<T>(req: Request, schema: z.ZodType<T>): T {
  return parseInput(schema, Object.fromEntries(new URL(req.url).searchParams));
}

function parseInput<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    const first = issues[0];
    throw new AppError('invalid_request', first ? `${first.path || 'body'}: ${first.message}` : undefined, { issues });
  }
  return result.data;
}

export function errorResponse(err: AppError): Response {
  return Response.json(err.toJSON(), { status: err.status });
}

/** What went wrong, as an AppError: a known error as itself, anything else logged and a 500. */
function knownError(err: unknown, logMessage: string, path: string | undefined): AppError {
  const known = err instanceof AppError ? err : fromDatabaseError(err);
  if (known) {
    if (known.status >= 500) logger.warn({ event: 'request_failed', code: known.code, err }, logMessage);
    return known;
  }
  logger.error({ event: 'request_failed', path, err }, logMessage);
  return new AppError('internal_error');
}

/**
 * Wraps a route handler: AppErrors and known database errors become their status; anything else
 * is logged with `logMessage` (the seed's message for that route) and answered with a 500.
 */
export function handler<A extends unknown[]>(
  logMessage: string,
  run: (req: Request, ...rest: A) => Promise<Response>,
): (req: Request, ...rest: A) => Promise<Response> {
  return async (req, ...rest) => {
    try {
      return await run(req, ...rest);
    } catch (err) {
      return errorResponse(knownError(err, logMessage, new URL(req.url).pathname));
    }
  };
}

/**
 * Whether the site is served over HTTPS: the request came over it (as the proxy in front reports
 * in X-Forwarded-Proto), or SITE_URL says so. Cookies are then marked Secure.
 */
export function overHttps(headers: HeaderReader): boolean {
  const proto = headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return proto === 'https' || (env().SITE_URL?.startsWith('https:') ?? false);
}

/** Request headers read one at a time: a web `Headers`, or a Node.js request's through nodeHeaders. */
export interface HeaderReader {
  get(name: string): string | null;
}

export function nodeHeaders(req: IncomingMessage): HeaderReader {
  return {
    get: (name) => {
      const value = req.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/** What a Node.js route answers: a status, a JSON body, headers. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * `handler` for a Pages Router API route (Node.js request and response), which Next.js serves
 * with about half the CPU of an App Router route handler: used on the hot path and for liveness
 * (ARCHITECTURE, "Why two endpoints are pages/api routes"). Answers other methods than `method`
 * with a 405.
 */
export function nodeHandler(
  logMessage: string,
  method: string,
  run: (req: IncomingMessage) => Promise<Reply>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    let reply: Reply;
    try {
      // A HEAD is a GET without its body (Node.js leaves the body out), as route handlers answer it.
      if (req.method !== method && !(method === 'GET' && req.method === 'HEAD')) throw new AppError('method_not_allowed', `Use ${method}.`);
      reply = await run(req);
    } catch (err) {
      // The client went away while sending its body: nobody to answer, nothing was changed.
      if (req.socket.destroyed) return;
      const known = knownError(err, logMessage, req.url?.split('?')[0]);
      reply = { status: known.status, body: known.toJSON(), headers: known.code === 'method_not_allowed' ? { allow: method } : {} };
    }
    const body = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...reply.headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      // A body left unread (refused as too large) leaves the connection unusable for another request.
      ...(req.complete ? {} : { connection: 'close' }),
    });
    res.end(body);
  };
}
