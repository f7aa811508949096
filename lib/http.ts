/**
 * Route handler plumbing: read and validate a body, and turn every failure into
 * `{ code, message }` with the right status. Unknown errors are logged and become a 500.
 */
import { z } from 'zod';
import { AppError, fromDatabaseError } from '@/db/errors';
import { logger } from './logger';

const MAX_BODY_BYTES = 4096;

/** Reads a JSON, form-encoded or text/plain (sendBeacon) body and validates it. */
export async function readBody<T>(req: Request, schema: z.ZodType<T>): Promise<T> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw new AppError('payload_too_large');
  const text = await req.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new AppError('payload_too_large');

  const type = (req.headers.get('content-type') ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
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
      const known = err instanceof AppError ? err : fromDatabaseError(err);
      if (known) {
        if (known.status >= 500) logger.warn({ event: 'request_failed', code: known.code, err }, logMessage);
        return errorResponse(known);
      }
      logger.error({ event: 'request_failed', path: new URL(req.url).pathname, err }, logMessage);
      return errorResponse(new AppError('internal_error'));
    }
  };
}
