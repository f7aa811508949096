/** Request fields shared by several endpoints. */
import { z } from 'zod';

export const BookingNumber = z.string().regex(/^BK-\d{6}-[2-9A-HJ-NP-Z]{6}$/, 'is not a booking number');
export const HoldToken = z.string().regex(/^[0-9a-f]{64}$/, 'is not a hold token');
export const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const LocalDate = z.iso.date();
export const Slug = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'is not an experience name').max(100);
