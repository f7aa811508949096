/**
 * Typed wrappers of the staff booking functions (db/migrations/0007_admin_bookings.sql): the
 * list and the detail, cancel, refund requests and their outcome, resending a confirmation, and
 * phone or walk-in bookings. Functions whose effect needs a job (emails, refunds) take the
 * transaction the job is queued in (lib/staff-bookings.ts).
 */
import { z } from 'zod';
import { LocalDate, LocalDateTime } from '../lib/schemas';
import { call } from './call';
import { sql as pool, type Sql } from './client';
import { Booking } from './reservations';

export const BookingStatus = Booking.shape.status;
export type BookingStatus = z.infer<typeof BookingStatus>;
export const bookingStatuses = BookingStatus.options;

export const BookingSearch = z.object({
  query: z.string().trim().max(200).optional(),
  status: BookingStatus.optional(),
  from: LocalDate.optional(),
  to: LocalDate.optional(),
  limit: z.number().int().min(1).max(200).default(25),
  offset: z.number().int().min(0).default(0),
});
export type BookingSearch = z.input<typeof BookingSearch>;

export const BookingRow = z.object({
  bookingNumber: z.string(),
  status: BookingStatus,
  customerName: z.string().nullable(),
  customerEmail: z.string().nullable(),
  customerPhone: z.string().nullable(),
  paymentProvider: z.enum(['stripe', 'on_arrival']).nullable(),
  totalMinor: z.number(),
  paidMinor: z.number(),
  refundedMinor: z.number(),
  currency: z.string().nullable(),
  createdAt: z.string(),
  people: z.number(),
  itemCount: z.number(),
  experiences: z.array(z.string()),
  firstStartsAt: z.string().nullable(),
  localFirstStartsAt: LocalDateTime.nullable(),
  firstTimezone: z.string().nullable(),
});
export type BookingRow = z.infer<typeof BookingRow>;

export const BookingPage = z.object({
  total: z.number(),
  rows: z.array(BookingRow),
  limit: z.number(),
  offset: z.number(),
  /** Bookings whose payment came too late and must be (or is being) refunded, whatever the filter. */
  refundDue: z.number(),
});
export type BookingPage = z.infer<typeof BookingPage>;

/** The staff booking list (api.admin_search_bookings). */
export function searchBookings(input: BookingSearch, db?: Sql): Promise<BookingPage> {
  const q = BookingSearch.parse(input);
  return call(
    BookingPage,
    (sql) => sql`
      select api.admin_search_bookings(
        p_query => ${q.query ?? null}::text,
        p_status => ${q.status ?? null}::text,
        p_from => ${q.from ?? null}::date,
        p_to => ${q.to ?? null}::date,
        p_limit => ${q.limit}::int,
        p_offset => ${q.offset}::int) as result`,
    db,
  );
}

/** Most bookings one export holds (/api/admin/bookings/export). */
export const EXPORT_LIMIT = 10_000;

/**
 * Every booking the list's filters match, newest first, up to EXPORT_LIMIT, read page by page in
 * one snapshot (REPEATABLE READ) so bookings made meanwhile neither repeat nor shift a page.
 * `truncated` says there were more.
 */
export async function exportBookings(
  input: Omit<BookingSearch, 'limit' | 'offset'>,
  db: Sql = pool(),
  limit = EXPORT_LIMIT,
): Promise<{ rows: BookingRow[]; total: number; truncated: boolean }> {
  return db.begin('isolation level repeatable read read only', async (tx) => {
    const rows: BookingRow[] = [];
    let total = 0;
    do {
      const page = await searchBookings({ ...input, limit: Math.min(200, limit - rows.length), offset: rows.length }, tx as unknown as Sql);
      total = page.total;
      rows.push(...page.rows);
      if (page.rows.length === 0) break;
    } while (rows.length < Math.min(total, limit));
    return { rows, total, truncated: total > rows.length };
  });
}

const Local = LocalDateTime.nullable();

export const BookingEvent = z.object({
  id: z.number(),
  type: z.string(),
  tier: z.string().nullable(),
  slotId: z.number().nullable(),
  quantity: z.number().nullable(),
  detail: z.record(z.string(), z.unknown()),
  occurredAt: z.string(),
  localOccurredAt: LocalDateTime,
  staffName: z.string().nullable(),
});
export type BookingEvent = z.infer<typeof BookingEvent>;

export const RefundRequest = z.object({
  id: z.number(),
  amountMinor: z.number(),
  currency: z.string(),
  reason: z.string(),
  status: z.enum(['requested', 'succeeded', 'failed']),
  refundId: z.string().nullable(),
  lastError: z.string().nullable(),
  staffName: z.string(),
  createdAt: z.string(),
  localCreatedAt: LocalDateTime,
});
export type RefundRequest = z.infer<typeof RefundRequest>;

export const BookingDetail = Booking.extend({
  customerName: z.string().nullable(),
  customerEmail: z.string().nullable(),
  customerPhone: z.string().nullable(),
  paymentIntentId: z.string().nullable(),
  paymentSessionId: z.string().nullable(),
  paidMinor: z.number(),
  refundedMinor: z.number(),
  refundableMinor: z.number(),
  createdAt: z.string(),
  localCreatedAt: LocalDateTime,
  confirmedAt: z.string().nullable(),
  localConfirmedAt: Local,
  localExpiresAt: LocalDateTime,
  /** The clock the history's times are given on: the first item's zone, or UTC. */
  zone: z.string(),
  refundRequests: z.array(RefundRequest),
  payments: z.array(
    z.object({
      eventId: z.string(),
      type: z.string(),
      outcome: z.string().nullable(),
      deliveries: z.number(),
      lastError: z.string().nullable(),
      receivedAt: z.string(),
      localReceivedAt: LocalDateTime,
      processed: z.boolean(),
    }),
  ),
  emails: z.array(
    z.object({
      outboxId: z.number(),
      kind: z.string(),
      status: z.string(),
      recipient: z.string().nullable(),
      subject: z.string().nullable(),
      attempts: z.number(),
      lastError: z.string().nullable(),
      createdAt: z.string(),
      localCreatedAt: LocalDateTime,
      localSentAt: Local,
    }),
  ),
  events: z.array(BookingEvent),
});
export type BookingDetail = z.infer<typeof BookingDetail>;

/** Everything about one booking for the staff page, or null (api.admin_booking_detail). */
export function bookingDetail(bookingNumber: string, db?: Sql): Promise<BookingDetail | null> {
  return call(BookingDetail.nullable(), (sql) => sql`select api.admin_booking_detail(${bookingNumber}::text) as result`, db);
}

export const CancelResult = Booking.extend({
  outcome: z.enum(['cancelled', 'released', 'unchanged']),
  refundableMinor: z.number(),
});
export type CancelResult = z.infer<typeof CancelResult>;

/** Staff cancel a booking or release a hold; money is not touched (api.staff_cancel_booking). */
export function staffCancelBooking(
  input: { bookingNumber: string; staffId: number; reason?: string | null },
  db?: Sql,
): Promise<CancelResult> {
  return call(
    CancelResult,
    (sql) => sql`
      select api.staff_cancel_booking(
        p_booking_number => ${input.bookingNumber}::text,
        p_staff_id => ${input.staffId}::bigint,
        p_reason => ${input.reason ?? null}::text) as result`,
    db,
  );
}

export const RefundRequested = z.object({
  requestId: z.number(),
  bookingNumber: z.string(),
  paymentIntent: z.string(),
  amountMinor: z.number(),
  currency: z.string(),
});
export type RefundRequested = z.infer<typeof RefundRequested>;

/** Records a staff refund request; queue the refund job in the same transaction (api.staff_request_refund). */
export function staffRequestRefund(
  input: { bookingNumber: string; staffId: number; amountMinor: number; reason?: string | null },
  db?: Sql,
): Promise<RefundRequested> {
  return call(
    RefundRequested,
    (sql) => sql`
      select api.staff_request_refund(
        p_booking_number => ${input.bookingNumber}::text,
        p_staff_id => ${input.staffId}::bigint,
        p_amount_minor => ${input.amountMinor}::bigint,
        p_reason => ${input.reason ?? null}::text) as result`,
    db,
  );
}

export const StaffRefundOutcome = z.object({ outcome: z.string(), status: BookingStatus.optional(), refundedMinor: z.number().optional() });
export type StaffRefundOutcome = z.infer<typeof StaffRefundOutcome>;

/** The refund job made a staff refund at Stripe (api.record_staff_refund). */
export function recordStaffRefund(input: { requestId: number; refundId: string; amountMinor: number }, db?: Sql): Promise<StaffRefundOutcome> {
  return call(
    StaffRefundOutcome,
    (sql) => sql`
      select api.record_staff_refund(
        p_request_id => ${input.requestId}::bigint,
        p_refund_id => ${input.refundId}::text,
        p_amount_minor => ${input.amountMinor}::bigint) as result`,
    db,
  );
}

/** Stripe refused a staff refund for good (api.fail_staff_refund). */
export function failStaffRefund(input: { requestId: number; error: string }, db?: Sql): Promise<StaffRefundOutcome> {
  return call(
    StaffRefundOutcome,
    (sql) => sql`select api.fail_staff_refund(p_request_id => ${input.requestId}::bigint, p_error => ${input.error}::text) as result`,
    db,
  );
}

export const ResendQueued = z.object({ outboxId: z.number(), bookingNumber: z.string(), recipient: z.string() });
export type ResendQueued = z.infer<typeof ResendQueued>;

/** Queues the confirmation email again; send its job in the same transaction (api.staff_resend_confirmation). */
export function staffResendConfirmation(input: { bookingNumber: string; staffId: number }, db?: Sql): Promise<ResendQueued> {
  return call(
    ResendQueued,
    (sql) => sql`
      select api.staff_resend_confirmation(p_booking_number => ${input.bookingNumber}::text,
                                           p_staff_id => ${input.staffId}::bigint) as result`,
    db,
  );
}

export const WalkInItem = z.object({ slotId: z.number().int().positive(), quantity: z.number().int().min(1).max(100_000) });
export type WalkInItem = z.infer<typeof WalkInItem>;

export const WalkInInput = z.object({
  items: z.array(WalkInItem).min(1).max(100),
  name: z.string().trim().min(1).max(200),
  email: z.email().max(254).nullable(),
  phone: z.string().trim().max(40).nullable(),
  channel: z.enum(['walk_in', 'phone']),
  staffId: z.number().int().positive(),
});
export type WalkInInput = z.infer<typeof WalkInInput>;

export const WalkInBooking = Booking.extend({ emails: z.array(z.number()) });
export type WalkInBooking = z.infer<typeof WalkInBooking>;

/** A phone or walk-in booking, confirmed at once, paid on arrival (api.staff_create_booking). */
export function staffCreateBooking(input: WalkInInput, db?: Sql): Promise<WalkInBooking> {
  return call(
    WalkInBooking,
    (sql) => sql`
      select api.staff_create_booking(
        p_items => ${sql.json(input.items)}::jsonb,
        p_customer_name => ${input.name}::text,
        p_customer_email => ${input.email}::text,
        p_customer_phone => ${input.phone}::text,
        p_staff_id => ${input.staffId}::bigint,
        p_channel => ${input.channel}::text) as result`,
    db,
  );
}

export const WalkInSlots = z.object({
  experience: z.object({
    slug: z.string(),
    name: z.string(),
    timezone: z.string(),
    priceMinor: z.number(),
    currency: z.string(),
    active: z.boolean(),
  }),
  date: z.string(),
  slots: z.array(
    z.object({
      slotId: z.number(),
      startsAt: z.string(),
      localStartsAt: LocalDateTime,
      localEndsAt: LocalDateTime,
      capacity: z.number(),
      booked: z.number(),
      held: z.number(),
      remaining: z.number(),
      bookable: z.boolean(),
    }),
  ),
});
export type WalkInSlots = z.infer<typeof WalkInSlots>;

/** One experience's start times on a local date with what is left (api.admin_walk_in_slots). */
export function walkInSlots(input: { experienceSlug: string; date: string }, db?: Sql): Promise<WalkInSlots> {
  return call(WalkInSlots, (sql) => sql`select api.admin_walk_in_slots(${input.experienceSlug}::text, ${input.date}::date) as result`, db);
}

export const AdminExperience = z.object({
  slug: z.string(),
  name: z.string(),
  timezone: z.string(),
  active: z.boolean(),
  priceMinor: z.number(),
  currency: z.string(),
  today: z.string(),
});
export type AdminExperience = z.infer<typeof AdminExperience>;

export function adminExperiences(db?: Sql): Promise<AdminExperience[]> {
  return call(z.array(AdminExperience), (sql) => sql`select api.admin_experiences() as result`, db);
}
