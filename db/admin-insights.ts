/**
 * Typed wrappers of the staff insight functions (db/migrations/0009_admin_insights.sql): the
 * metrics of a period (of local days since 0022_metrics_on_local_days.sql), the email outbox with each stored email, and the Stripe event log.
 * The definitions of every metric are in that migration's comment (and the metrics page's help).
 */
import { z } from 'zod';
import { call } from './call';
import type { Sql } from './client';

/** PostgreSQL numeric comes back from jsonb as a JSON number; rates are null without a denominator. */
const Rate = z.number().nullable();

export const RELEASE_TIERS = ['job', 'sweep', 'lazy', 'beacon', 'customer', 'staff', 'payment'] as const;
export type ReleaseTierName = (typeof RELEASE_TIERS)[number];

export const DailyMetrics = z.object({
  day: z.string(),
  attempts: z.number(),
  successes: z.number(),
  conflicts: z.number(),
  created: z.number(),
  confirmed: z.number(),
  releases: z.number(),
});
export type DailyMetrics = z.infer<typeof DailyMetrics>;

export const StaffMetrics = z.object({
  from: z.string(),
  to: z.string(),
  now: z.string(),
  /** The clock of the daily series: UTC for instants, the metrics' zone for local days. */
  timezone: z.string(),
  reservations: z.object({
    attempts: z.number(),
    successes: z.number(),
    conflicts: z.number(),
    successRate: Rate,
    conflictsByCode: z.record(z.string(), z.number()),
  }),
  releases: z.object({
    job: z.number(),
    sweep: z.number(),
    lazy: z.number(),
    beacon: z.number(),
    customer: z.number(),
    staff: z.number(),
    payment: z.number(),
    total: z.number(),
  }),
  orphanedHolds: z.object({ count: z.number(), oldestExpiresAt: z.string().nullable() }),
  bookings: z.object({
    created: z.number(),
    converted: z.number(),
    abandoned: z.number(),
    conversionRate: Rate,
    abandonmentRate: Rate,
  }),
  payments: z.object({
    confirmed: z.number(),
    checkoutsStarted: z.number(),
    latePaymentsReacquired: z.number(),
    refundDue: z.number(),
    refunds: z.array(z.object({ currency: z.string(), count: z.number(), amountMinor: z.number() })),
  }),
  daily: z.array(DailyMetrics),
});
export type StaffMetrics = z.infer<typeof StaffMetrics>;

/** The metrics of the period [from, to) (api.staff_metrics). 422 invalid_period when it runs backwards or spans > 400 days. */
export function staffMetrics(period: { from: Date; to: Date }, db?: Sql): Promise<StaffMetrics> {
  return call(
    StaffMetrics,
    (sql) => sql`select api.staff_metrics(p_from => ${period.from}::timestamptz, p_to => ${period.to}::timestamptz) as result`,
    db,
  );
}

/**
 * The metrics of the local days `from` to `to` (YYYY-MM-DD, both included) on the metrics' clock,
 * the time zone most experiences use (api.staff_metrics_days, 0022); 422 invalid_period when the
 * days run backwards or span more than 400.
 */
export function staffMetricsDays(period: { from: string; to: string }, db?: Sql): Promise<StaffMetrics> {
  return call(
    StaffMetrics,
    (sql) => sql`select api.staff_metrics_days(p_from => ${period.from}::date, p_to => ${period.to}::date) as result`,
    db,
  );
}

export const MetricsClock = z.object({ timezone: z.string(), today: z.string() });
export type MetricsClock = z.infer<typeof MetricsClock>;

/** The metrics' time zone and today's date on it (api.staff_metrics_clock). */
export function metricsClock(db?: Sql): Promise<MetricsClock> {
  return call(MetricsClock, (sql) => sql`select api.staff_metrics_clock() as result`, db);
}

/**
 * The metrics of the last `seconds` by the database's own clock, up to this statement
 * (for /api/metrics: no app-server clock decides which events are in the window).
 */
export function recentStaffMetrics(seconds: number, db?: Sql): Promise<StaffMetrics> {
  return call(
    StaffMetrics,
    (sql) => sql`
      select api.staff_metrics(p_from => clock_timestamp() - make_interval(secs => ${seconds}::double precision),
                               p_to => clock_timestamp() + interval '1 microsecond') as result`,
    db,
  );
}

export const EMAIL_STATUSES = ['queued', 'sent', 'not_sent', 'failed'] as const;
export const EmailStatus = z.enum(EMAIL_STATUSES);
export type EmailStatus = z.infer<typeof EmailStatus>;

export const OutboxRow = z.object({
  id: z.number(),
  kind: z.string(),
  status: EmailStatus,
  attempts: z.number(),
  lastError: z.string().nullable(),
  recipient: z.string().nullable(),
  subject: z.string().nullable(),
  rendered: z.boolean(),
  bookingNumber: z.string(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type OutboxRow = z.infer<typeof OutboxRow>;

export const OutboxPage = z.object({
  total: z.number(),
  byStatus: z.record(EmailStatus, z.number()),
  items: z.array(OutboxRow),
});
export type OutboxPage = z.infer<typeof OutboxPage>;

export interface PageRequest<F> {
  limit?: number;
  offset?: number;
  filter?: F | null;
}

/** One page of the email outbox, newest first (api.staff_outbox). */
export function staffOutbox(page: PageRequest<EmailStatus> = {}, db?: Sql): Promise<OutboxPage> {
  return call(
    OutboxPage,
    (sql) => sql`
      select api.staff_outbox(p_limit => ${page.limit ?? 50}::int, p_offset => ${page.offset ?? 0}::int,
                              p_status => ${page.filter ?? null}::text) as result`,
    db,
  );
}

export const StaffEmail = z.object({
  id: z.number(),
  kind: z.string(),
  status: EmailStatus,
  attempts: z.number(),
  lastError: z.string().nullable(),
  recipient: z.string().nullable(),
  subject: z.string().nullable(),
  html: z.string().nullable(),
  text: z.string().nullable(),
  attachments: z.array(z.object({ filename: z.string().nullable(), contentType: z.string().nullable() })),
  providerId: z.string().nullable(),
  bookingNumber: z.string(),
  createdAt: z.string(),
  renderedAt: z.string().nullable(),
  sentAt: z.string().nullable(),
});
export type StaffEmail = z.infer<typeof StaffEmail>;

/** One outbox email with its stored HTML and text, or null (api.staff_email). */
export function staffEmail(id: number, db?: Sql): Promise<StaffEmail | null> {
  return call(StaffEmail.nullable(), (sql) => sql`select api.staff_email(p_id => ${id}::bigint) as result`, db);
}

export const StripeEventRow = z.object({
  id: z.string(),
  type: z.string(),
  bookingNumber: z.string().nullable(),
  receivedAt: z.string(),
  deliveries: z.number(),
  processedAt: z.string().nullable(),
  outcome: z.string().nullable(),
  lastError: z.string().nullable(),
});
export type StripeEventRow = z.infer<typeof StripeEventRow>;

export const StripeEventPage = z.object({
  total: z.number(),
  byType: z.record(z.string(), z.number()),
  items: z.array(StripeEventRow),
});
export type StripeEventPage = z.infer<typeof StripeEventPage>;

/** One page of the Stripe event log, newest first (api.staff_stripe_events). */
export function staffStripeEvents(page: PageRequest<string> = {}, db?: Sql): Promise<StripeEventPage> {
  return call(
    StripeEventPage,
    (sql) => sql`
      select api.staff_stripe_events(p_limit => ${page.limit ?? 50}::int, p_offset => ${page.offset ?? 0}::int,
                                     p_type => ${page.filter ?? null}::text) as result`,
    db,
  );
}
