/**
 * The JSON shapes the customer pages work with. Types only: they are erased at build time, so
 * client components can use them without pulling the server-only database modules into the
 * browser bundle. The runtime schemas (zod) stay in db/reservations.ts, the single source.
 */
import type { Availability } from '@/db/reservations';

export type { Availability, Booking, BookingItem, ExperienceSummary } from '@/db/reservations';
export type Slot = Availability['slots'][number];
export type ExperienceInfo = Availability['experience'];
