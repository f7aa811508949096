/**
 * The data every email is rendered from: one confirmed (or refunded) booking with its items.
 * The job that sends email builds it from a database row, so it is a zod schema as well as a
 * type — rows are parsed at that edge, and the templates can then trust every field's shape.
 *
 * Shape only, not business rules (those live in SQL): a missing name or email arrives as ''
 * (api.email_content coalesces), and the templates cope with that rather than fail the job.
 */
import { z } from 'zod';
import { BookingNumber, LocalDateTime, Slug } from '../lib/schemas';

/*
 * The zone is only a label now: the local times arrive computed by the database (which checked
 * the name against its own time-zone data when the experience was saved). Node's Intl is not
 * asked whether it knows the zone, so a zone newer than Node's tzdata cannot stop an email.
 */
const TimeZone = z.string().regex(/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/, 'is not an IANA time zone name');

/* PostgreSQL's to_json gives "2026-03-29T09:00:00+00:00"; the offset makes the instant exact. */
const Instant = z.iso.datetime({ offset: true });

export const EmailItem = z.object({
  experienceName: z.string().min(1),
  experienceSlug: Slug,
  /** Exact instants, for the calendar file. */
  startsAt: Instant,
  endsAt: Instant,
  timezone: TimeZone,
  /** What the email prints: the database's wall-clock times in `timezone` ("2026-03-29T10:00:00+01:00"). */
  localStartsAt: LocalDateTime,
  localEndsAt: LocalDateTime,
  quantity: z.number().int().positive(),
  unitPriceMinor: z.number().int().nonnegative(),
  whatToBring: z.string(),
});
export type EmailItem = z.infer<typeof EmailItem>;

export const EmailBooking = z.object({
  bookingNumber: BookingNumber,
  customerName: z.string(),
  customerEmail: z.union([z.email(), z.literal('')]),
  customerPhone: z.string().nullable(),
  totalMinor: z.number().int().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'is not an ISO 4217 currency code'),
  paymentProvider: z.enum(['stripe', 'on_arrival']),
  items: z.array(EmailItem),
  siteUrl: z.url(),
});
export type EmailBooking = z.infer<typeof EmailBooking>;
