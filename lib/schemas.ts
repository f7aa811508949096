/** Fields shared by several endpoints and by rows coming back from the database. */
import { z } from 'zod';

export const BookingNumber = z.string().regex(/^BK-\d{6}-[2-9A-HJ-NP-Z]{6}$/, 'is not a booking number');
export const HoldToken = z.string().regex(/^[0-9a-f]{64}$/, 'is not a hold token');
export const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const LocalDate = z.iso.date();
export const Slug = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'is not an experience name').max(100);
/** A local wall-clock time with its UTC offset, as data.local_iso gives it: "2026-11-28T09:00:00-07:00". */
export const LocalDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/, 'is not a local date-time with a UTC offset');
