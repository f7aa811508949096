/**
 * The browser's side of the HTTP API. Every call goes to the same origin, so the HttpOnly hold
 * cookie travels with it and this code never sees the hold token. Failures become an ApiError
 * with the server's stable `code` and details (`remaining`, `max`, `issues`…), so components
 * decide what to say by code, never by message text.
 */
import type { Availability, Booking } from './booking-types';
import { noteServerDate } from '@/lib/server-clock';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** A numeric detail such as `remaining` or `max`, if the server sent one. */
  number(key: string): number | undefined {
    const value = this.details[key];
    return typeof value === 'number' ? value : undefined;
  }
}

export interface FieldIssue {
  path: string;
  message: string;
}

export function issuesOf(err: ApiError): FieldIssue[] {
  const issues = err.details.issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter(
    (i): i is FieldIssue => !!i && typeof i === 'object' && typeof i.path === 'string' && typeof i.message === 'string',
  );
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const sentAt = Date.now();
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: init.body ? { 'content-type': 'application/json', ...init.headers } : init.headers,
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Holdfast could not be reached. Check your connection and try again.');
  }
  noteServerDate(res.headers.get('date'), sentAt, Date.now());
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok) {
    const fields = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    const { code, message, ...details } = fields;
    throw new ApiError(
      res.status,
      typeof code === 'string' ? code : 'http_error',
      typeof message === 'string' ? message : `The server answered ${res.status}.`,
      details,
    );
  }
  return body as T;
}

/** Keeps only the Booking fields: answers may carry extras (the hold token, the slot) we must not keep. */
export function toBooking(value: Booking): Booking {
  return {
    bookingNumber: value.bookingNumber,
    status: value.status,
    expiresAt: value.expiresAt,
    availabilityReserved: value.availabilityReserved,
    totalMinor: value.totalMinor,
    currency: value.currency,
    paymentProvider: value.paymentProvider ?? null,
    ...(value.contact !== undefined && { contact: value.contact }),
    ...(value.refusedPayment !== undefined && { refusedPayment: value.refusedPayment }),
    items: value.items,
  };
}

export function fetchAvailability(experience: string, date: string, signal?: AbortSignal): Promise<Availability> {
  const query = new URLSearchParams({ experience, from: date, to: date });
  return request<Availability>(`/api/check-availability?${query}`, { signal: signal ?? null });
}

export interface ReserveAnswer {
  booking: Booking;
  slot: { slotId: number; remaining: number };
}

export async function reserve(input: { slotId: number; quantity: number; bookingNumber?: string | undefined }): Promise<ReserveAnswer> {
  const answer = await request<Booking & { slot: { slotId: number; remaining: number } }>('/api/reserve-availability', {
    method: 'POST',
    body: JSON.stringify(input),
  });
  return { booking: toBooking(answer), slot: answer.slot };
}

/** The visitor's booking, or null when this browser has none (or its booking is gone). */
export async function fetchBooking(): Promise<Booking | null> {
  try {
    const booking = await request<Booking | null>('/api/booking');
    return booking === null ? null : toBooking(booking);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

export async function changePeople(itemId: number, quantity: number): Promise<Booking> {
  return toBooking(await request<Booking>(`/api/booking/items/${itemId}`, { method: 'PATCH', body: JSON.stringify({ quantity }) }));
}

export async function removeItem(itemId: number): Promise<Booking> {
  return toBooking(await request<Booking>(`/api/booking/items/${itemId}`, { method: 'DELETE' }));
}

export type CheckoutAnswer =
  | { url: string }
  | { status: 'confirmed'; paymentProvider: 'on_arrival'; redirectUrl: string; bookingNumber: string };

export function startCheckout(input: { bookingNumber: string; name: string; email: string; phone?: string | undefined }): Promise<CheckoutAnswer> {
  return request<CheckoutAnswer>('/api/create-checkout-session', { method: 'POST', body: JSON.stringify(input) });
}

/**
 * Leaves checkout to change the booking: the open payment page is closed at Stripe first, then
 * the booking is held again (for the experience's hold duration from now) and can change.
 */
export async function changeBooking(): Promise<Booking> {
  return toBooking(await request<Booking>('/api/booking/checkout', { method: 'DELETE' }));
}

/**
 * Takes up the hold this tab's beacon gave back a moment ago (a reload): the same booking, its
 * seats and its expiry, or an ApiError (`not_resumable`, `hold_expired`, `sold_out`…).
 */
export async function resumeHold(bookingNumber: string): Promise<Booking> {
  return toBooking(await request<Booking>('/api/booking/resume', { method: 'POST', body: JSON.stringify({ bookingNumber }) }));
}

export function releaseHold(bookingNumber: string): Promise<{ bookingNumber: string; status: Booking['status'] }> {
  return request('/api/cleanup-expired', { method: 'POST', body: JSON.stringify({ bookingNumber, reason: 'customer' }) });
}

/**
 * The page is going away: give the hold back at once. A plain JSON string (sent as text/plain)
 * needs no CORS preflight and the server reads a body that opens with `{` as JSON.
 */
export function beaconRelease(bookingNumber: string): boolean {
  if (typeof navigator === 'undefined' || typeof navigator.sendBeacon !== 'function') return false;
  return navigator.sendBeacon('/api/cleanup-expired', JSON.stringify({ bookingNumber, reason: 'beacon' }));
}
