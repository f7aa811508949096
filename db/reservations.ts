/**
 * Typed wrappers of the reservation stored functions (db/migrations/0001_reservation_core.sql).
 * Each validates what comes back and turns database errors into AppErrors.
 */
import { z } from 'zod';
import { LocalDateTime } from '../lib/schemas';
import { call, inTransaction } from './call';
import { perPool, reservationSql, sql as pool, type Sql } from './client';
import { fromDatabaseError } from './errors';
import { CallQueue, MAX_BATCH, MAX_IN_FLIGHT } from './reserve-queue';
import { SharedReads } from './shared-reads';

export const BookingItem = z.object({
  itemId: z.number(),
  slotId: z.number(),
  experienceSlug: z.string(),
  experienceName: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  timezone: z.string(),
  /** The database's wall-clock times in `timezone`, with the offset: what pages and emails print. */
  localStartsAt: LocalDateTime,
  localEndsAt: LocalDateTime,
  quantity: z.number(),
  unitPriceMinor: z.number(),
});
export type BookingItem = z.infer<typeof BookingItem>;

export const Booking = z.object({
  bookingNumber: z.string(),
  status: z.enum(['held', 'checkout', 'confirmed', 'expired', 'released', 'cancelled', 'refunded', 'refund_due']),
  expiresAt: z.string(),
  availabilityReserved: z.boolean(),
  totalMinor: z.number(),
  currency: z.string().nullable(),
  paymentProvider: z.enum(['stripe', 'on_arrival']).nullable().optional(),
  /** The contact details given at checkout (the holder's own; absent in reservation answers). */
  contact: z.object({ name: z.string(), email: z.string().nullable(), phone: z.string().nullable() }).nullable().optional(),
  /** The last payment that could not be applied to the booking, being refunded in full. */
  refusedPayment: z.object({ amountMinor: z.number(), reason: z.enum(['payment_mismatch', 'payment_after_release']) }).optional(),
  items: z.array(BookingItem),
});
export type Booking = z.infer<typeof Booking>;

export const ReserveResult = z.discriminatedUnion('ok', [
  Booking.extend({
    ok: z.literal(true),
    holdToken: z.string().nullable(),
    slot: z.object({ slotId: z.number(), remaining: z.number() }),
  }),
  z.object({ ok: z.literal(false), code: z.enum(['sold_out', 'resource_unavailable']), remaining: z.number() }),
]);
export type ReserveResult = z.infer<typeof ReserveResult>;

export const Availability = z.object({
  experience: z.object({
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    timezone: z.string(),
    durationMinutes: z.number(),
    priceMinor: z.number(),
    currency: z.string(),
    holdSeconds: z.number(),
    maxPeoplePerBooking: z.number(),
    active: z.boolean(),
  }),
  from: z.string(),
  to: z.string(),
  slots: z.array(
    z.object({
      slotId: z.number(),
      startsAt: z.string(),
      endsAt: z.string(),
      localStartsAt: LocalDateTime,
      localEndsAt: LocalDateTime,
      capacity: z.number(),
      booked: z.number(),
      held: z.number(),
      heldUntil: z.string().nullable(),
      localHeldUntil: LocalDateTime.nullable(),
      remaining: z.number(),
      status: z.enum(['available', 'sold_out', 'closed', 'unavailable']),
    }),
  ),
});
export type Availability = z.infer<typeof Availability>;

export const ExperienceSummary = z.object({
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  timezone: z.string(),
  durationMinutes: z.number(),
  priceMinor: z.number(),
  currency: z.string(),
  nextStartsAt: z.string().nullable(),
  localNextStartsAt: LocalDateTime.nullable(),
});
export type ExperienceSummary = z.infer<typeof ExperienceSummary>;

export type ReleaseTier = 'beacon' | 'customer' | 'staff' | 'job' | 'sweep' | 'lazy';

export interface ReserveInput {
  slotId: number;
  quantity: number;
  bookingNumber?: string | undefined;
  holdToken?: string | undefined;
  clientKey?: string | undefined;
}

/**
 * Holds seats (api.reserve_seats). A conflict comes back as `{ ok: false }`, not as an error.
 * On a pool, reservations that arrive while earlier ones are still running share a call
 * (db/reserve-queue.ts); each still gets exactly its own answer or error. Without a pool they
 * run on the reservations' own connections (db/client.ts `reservationSql`). Inside a transaction
 * the caller passes, it is one call of its own.
 */
export function reserveSeats(input: ReserveInput, db?: Sql): Promise<ReserveResult> {
  const target = db ?? reservationSql();
  if (inTransaction(target)) return reserveOne(input, target);
  return reserveQueue(target).push(input);
}

function reserveOne(input: ReserveInput, db: Sql): Promise<ReserveResult> {
  return call(
    ReserveResult,
    (sql) => sql`
      select api.reserve_seats(
        p_slot_id => ${input.slotId}::bigint,
        p_quantity => ${input.quantity}::int,
        p_booking_number => ${input.bookingNumber ?? null}::text,
        p_hold_token => ${input.holdToken ?? null}::text,
        p_client_key => ${input.clientKey ?? null}::text) as result`,
    db,
  );
}

const ManyAnswer = z.array(
  z.union([z.object({ error: z.object({ code: z.string(), message: z.string(), detail: z.string().nullable() }) }), ReserveResult]),
);

/**
 * Several reservations in one call of api.reserve_seats_many (db/migrations/0015): each one's
 * answer, or the error it alone raised, in input order. Rejects when the call failed as a whole.
 */
export async function reserveMany(inputs: ReserveInput[], db?: Sql): Promise<PromiseSettledResult<ReserveResult>[]> {
  const answers = await call(
    ManyAnswer,
    (sql) => sql`
      select api.reserve_seats_many(
        p_slot_ids => ${inputs.map((r) => r.slotId)}::bigint[],
        p_quantities => ${inputs.map((r) => r.quantity)}::int[],
        p_booking_numbers => ${inputs.map((r) => r.bookingNumber ?? null)}::text[],
        p_hold_tokens => ${inputs.map((r) => r.holdToken ?? null)}::text[],
        p_client_keys => ${inputs.map((r) => r.clientKey ?? null)}::text[]) as result`,
    db,
  );
  return answers.map((answer) =>
    'error' in answer
      ? { status: 'rejected', reason: fromDatabaseError(answer.error) ?? Object.assign(new Error(answer.error.message), answer.error) }
      : { status: 'fulfilled', value: answer },
  );
}

/** A pool's reservation queue, made on first use. */
export const reserveQueue = perPool(
  (db) =>
    new CallQueue<ReserveInput, ReserveResult>(
      (inputs) => (inputs.length === 1 ? Promise.allSettled([reserveOne(inputs[0]!, db)]) : reserveMany(inputs, db)),
      {
        // Never more calls at once than the pool has connections: beyond that they would only
        // queue inside postgres.js instead of sharing a call.
        maxInFlight: Math.min(MAX_IN_FLIGHT, db.options.max),
        maxBatch: MAX_BATCH,
        // One start time's reservations go in one call: its lock changes hands once per call.
        keyOf: (input) => input.slotId,
      },
    ),
);

/** Gives a whole hold back (api.release_booking). Idempotent for released/expired bookings. */
export function releaseBooking(
  input: { bookingNumber: string; holdToken: string | undefined; tier: 'beacon' | 'customer' },
  db?: Sql,
): Promise<Booking> {
  return call(
    Booking,
    (sql) => sql`
      select api.release_booking(
        p_booking_number => ${input.bookingNumber}::text,
        p_hold_token => ${input.holdToken ?? null}::text,
        p_tier => ${input.tier}::text) as result`,
    db,
  );
}

/**
 * Takes up a hold that the beacon gave back a moment ago (a reload): the same booking, its seats
 * and its expiry (api.resume_hold, migration 0019). A hold still live comes back as it is;
 * `not_resumable`, `hold_expired` or `sold_out` when it cannot be had again.
 */
export function resumeHold(input: { bookingNumber: string; holdToken: string | undefined }, db?: Sql): Promise<Booking> {
  return call(
    Booking,
    (sql) => sql`
      select api.resume_hold(
        p_booking_number => ${input.bookingNumber}::text,
        p_hold_token => ${input.holdToken ?? null}::text) as result`,
    db,
  );
}

/** Removes one item from a held booking (api.release_item). */
export function releaseItem(input: { bookingNumber: string; holdToken: string; itemId: number }, db?: Sql): Promise<Booking> {
  return call(
    Booking,
    (sql) => sql`
      select api.release_item(
        p_booking_number => ${input.bookingNumber}::text,
        p_hold_token => ${input.holdToken}::text,
        p_item_id => ${input.itemId}::bigint) as result`,
    db,
  );
}

/** The booking, for the holder of its token (api.get_booking). */
export function getBooking(input: { bookingNumber: string; holdToken: string }, db?: Sql): Promise<Booking> {
  return call(
    Booking,
    (sql) => sql`select api.get_booking(p_booking_number => ${input.bookingNumber}::text, p_hold_token => ${input.holdToken}::text) as result`,
    db,
  );
}

export const ItemChange = z.discriminatedUnion('ok', [
  Booking.extend({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), code: z.literal('sold_out'), remaining: z.number() }),
]);
export type ItemChange = z.infer<typeof ItemChange>;

/** Changes the people on one item (api.set_item_quantity). Not enough seats is `{ ok: false }`. */
export function setItemQuantity(
  input: { bookingNumber: string; holdToken: string; itemId: number; quantity: number },
  db?: Sql,
): Promise<ItemChange> {
  return call(
    ItemChange,
    (sql) => sql`
      select api.set_item_quantity(
        p_booking_number => ${input.bookingNumber}::text,
        p_hold_token => ${input.holdToken}::text,
        p_item_id => ${input.itemId}::bigint,
        p_quantity => ${input.quantity}::int) as result`,
    db,
  );
}

/** The id of an experience, or null (api.experience_id). */
export function experienceId(slug: string, db?: Sql): Promise<number | null> {
  return call(z.coerce.number().nullable(), (sql) => sql`select api.experience_id(${slug}::text) as result`, db);
}

/** Releases lapsed holds in batches until none are left or the time budget is spent. */
export async function expireLapsedHolds(
  options: { tier: 'sweep' | 'job'; batchSize?: number; budgetMs?: number },
  db?: Sql,
): Promise<{ released: number; complete: boolean }> {
  const batchSize = options.batchSize ?? 1000;
  const deadline = Date.now() + (options.budgetMs ?? 20_000);
  let released = 0;
  for (;;) {
    const n = await call(
      z.number(),
      (sql) => sql`select api.expire_lapsed_holds(p_batch_size => ${batchSize}::int, p_tier => ${options.tier}::text) as result`,
      db,
    );
    released += n;
    if (n < batchSize) return { released, complete: true };
    if (Date.now() > deadline) return { released, complete: false };
  }
}

/** Expires one booking if its hold has really lapsed (the per-booking job). */
export function expireBooking(bookingNumber: string, db?: Sql): Promise<boolean> {
  return call(
    z.boolean(),
    (sql) => sql`select api.expire_booking(p_booking_number => ${bookingNumber}::text, p_tier => 'job') as result`,
    db,
  );
}

type AvailabilityInput = { experience: string; from?: string | undefined; to?: string | undefined };

/**
 * Live availability of one experience over local dates (api.check_availability). On a pool,
 * identical reads that arrive while one is running share the next one (db/shared-reads.ts): each
 * caller's answer is still read after it asked. Callers share the answer object: read it, never
 * change it.
 */
export function checkAvailability(input: AvailabilityInput, db?: Sql): Promise<Availability> {
  const target = db ?? pool();
  if (inTransaction(target)) return readAvailability(input, target);
  const key = JSON.stringify([input.experience, input.from ?? null, input.to ?? null]);
  return availabilityReads(target).get(key, () => readAvailability(input, target));
}

function readAvailability(input: AvailabilityInput, db: Sql): Promise<Availability> {
  return call(
    Availability,
    (sql) => sql`
      select api.check_availability(
        p_experience_slug => ${input.experience}::text,
        p_from => ${input.from ?? null}::date,
        p_to => ${input.to ?? null}::date) as result`,
    db,
  );
}

/** A pool's shared availability reads, made on first use. */
export const availabilityReads = perPool(() => new SharedReads<Availability>());

/** Active experiences with their next start time (api.list_experiences). */
export function listExperiences(db?: Sql): Promise<ExperienceSummary[]> {
  return call(z.array(ExperienceSummary), (sql) => sql`select api.list_experiences() as result`, db);
}

/** Announces every slot changed since the last call on channel `slot_changes`; returns how many. */
export function publishSlotChanges(db?: Sql): Promise<number> {
  return call(z.number(), (sql) => sql`select api.publish_slot_changes() as result`, db);
}
