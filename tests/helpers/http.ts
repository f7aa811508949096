/** Calling route handlers as Next.js would: a real Request in, a real Response out. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';
import type { Sql } from '@/db/client';

export interface CallOptions {
  body?: unknown;
  /** Sent as-is instead of JSON-encoding `body`. */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  ip?: string;
}

let clients = 0;

export function request(method: string, path: string, options: CallOptions = {}): Request {
  const headers = new Headers(options.headers);
  // A distinct client per request unless the test says otherwise (the live-holds cap is per client).
  clients++;
  headers.set('x-forwarded-for', options.ip ?? `10.${(clients >> 16) & 255}.${(clients >> 8) & 255}.${clients & 255}`);
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers.set('content-type', options.contentType ?? 'application/json');
  return new Request(`http://localhost${path}`, { method, headers, body });
}

/**
 * A Pages Router API route (Node.js request and response) as a function of a web Request: each
 * call goes through a real HTTP server on this machine, as `next start` would serve the route.
 * Call it at the top of a test file; the server closes after the file's tests.
 */
export function nodeRoute(
  route: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: Request, options?: { streamBody?: boolean }) => Promise<Response> {
  const server = http.createServer((req, res) => void route(req, res));
  const listening = new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return async (req, { streamBody = false } = {}) => {
    const url = new URL(req.url);
    // A body is sent whole with its Content-Length, as browsers do; `streamBody` sends it in
    // chunks as they come, without a length.
    const body = streamBody ? req.body : req.body ? await req.text() : undefined;
    return fetch(`http://127.0.0.1:${await listening}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
      body,
      ...(streamBody ? { duplex: 'half' } : {}),
    } as RequestInit);
  };
}

export async function json(response: Response): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

/**
 * Everything a request could change, as one comparable value: "changes nothing" means this is
 * equal before and after.
 */
export async function databaseState(sql: Sql): Promise<unknown> {
  const [row] = await sql`
    select (select count(*) from data.pending_bookings)::int as bookings,
           (select count(*) from data.pending_bookings where availability_reserved)::int as reserved,
           (select coalesce(sum(quantity), 0) from data.booking_items)::int as item_seats,
           (select count(*) from data.booking_events)::int as events,
           (select coalesce(sum(held), 0) from data.slots)::int as held,
           (select coalesce(sum(booked), 0) from data.slots)::int as booked,
           (select count(*) from data.resource_allocations)::int as allocations,
           (select coalesce(max(expires_at)::text, '') from data.pending_bookings) as latest_expiry`;
  return row;
}
