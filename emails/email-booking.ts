/**
 * The data every email is rendered from: one confirmed (or refunded) booking with its items.
 * The job that sends email builds it from a database row, so it is a zod schema as well as a
 * type — rows are parsed at that edge, and the templates can then trust every field's shape.
 *
 * Shape only, not business rules (those live in SQL): a missing name or email arrives as ''
 * (api.email_content coalesces), and the templates cope with that rather than fail the job.
 */
import { z } from 'zod';
import { BookingNumber, Slug } from '../lib/schemas';

/* Intl is what formats the times, so "valid" means "a zone Intl knows", not merely a string. */
const TimeZone = z.string().refine((name) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}, 'is not an IANA time zone');

/* PostgreSQL's to_json gives "2026-03-29T09:00:00+00:00"; the offset makes the instant exact. */
const Instant = z.iso.datetime({ offset: true });

export const EmailItem = z.object({
  experienceName: z.string().min(1),
  experienceSlug: Slug,
  startsAt: Instant,
  endsAt: Instant,
  timezone: TimeZone,
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
