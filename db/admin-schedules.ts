/**
 * Typed wrappers of the staff experience, schedule, slot and manifest functions
 * (db/migrations/0008_admin_schedules.sql). Every rule lives in SQL; these move values across.
 */
import { z } from 'zod';
import { LocalDateTime } from '../lib/schemas';
import { call } from './call';
import type { Sql } from './client';

export const PaymentMode = z.enum(['auto', 'stripe', 'on_arrival']);
export type PaymentMode = z.infer<typeof PaymentMode>;

export const StaffExperience = z.object({
  id: z.number(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  timezone: z.string(),
  durationMinutes: z.number(),
  defaultCapacity: z.number(),
  priceMinor: z.number(),
  currency: z.string(),
  holdSeconds: z.number(),
  maxPeoplePerBooking: z.number(),
  cutoffMinutes: z.number(),
  active: z.boolean(),
  paymentMode: PaymentMode,
  whatToBring: z.string(),
  resourceSlug: z.string().nullable(),
  resourceName: z.string().nullable(),
  hasBookings: z.boolean(),
});
export type StaffExperience = z.infer<typeof StaffExperience>;

export const StaffExperienceSummary = StaffExperience.extend({
  upcomingSlots: z.number(),
  nextStartsAt: z.string().nullable(),
  localNextStartsAt: LocalDateTime.nullable(),
});
export type StaffExperienceSummary = z.infer<typeof StaffExperienceSummary>;

export const StaffSlot = z.object({
  slotId: z.number(),
  startsAt: z.string(),
  endsAt: z.string(),
  localStartsAt: LocalDateTime,
  localEndsAt: LocalDateTime,
  open: z.boolean(),
  capacity: z.number(),
  booked: z.number(),
  /** Live holds only: lapsed holds count as free. */
  held: z.number(),
  remaining: z.number(),
});
export type StaffSlot = z.infer<typeof StaffSlot>;

export const SlotDetail = StaffSlot.extend({
  experienceSlug: z.string(),
  experienceName: z.string(),
  timezone: z.string(),
});
export type SlotDetail = z.infer<typeof SlotDetail>;

export const Schedule = z.object({
  scheduleId: z.number(),
  fromDate: z.string(),
  toDate: z.string(),
  localTimes: z.array(z.string()),
  weekdays: z.array(z.number()),
  exceptions: z.array(z.string()),
  slotsCreated: z.number(),
  createdAt: z.string(),
});
export type Schedule = z.infer<typeof Schedule>;

export const ExperienceDetail = StaffExperience.extend({
  /** Today's date on the experience's clock (the database's). */
  localToday: z.string(),
  schedules: z.array(Schedule),
  slots: z.array(StaffSlot),
});
export type ExperienceDetail = z.infer<typeof ExperienceDetail>;

export const Resource = z.object({ slug: z.string(), name: z.string(), units: z.number() });
export type Resource = z.infer<typeof Resource>;

export function staffExperiences(db?: Sql): Promise<StaffExperienceSummary[]> {
  return call(z.array(StaffExperienceSummary), (sql) => sql`select api.staff_experiences() as result`, db);
}

export function staffExperience(slug: string, db?: Sql): Promise<ExperienceDetail> {
  return call(ExperienceDetail, (sql) => sql`select api.staff_experience(p_slug => ${slug}::text) as result`, db);
}

export function staffTimezones(db?: Sql): Promise<string[]> {
  return call(z.array(z.string()), (sql) => sql`select api.staff_timezones() as result`, db);
}

export function staffResources(db?: Sql): Promise<Resource[]> {
  return call(z.array(Resource), (sql) => sql`select api.staff_resources() as result`, db);
}

export interface ExperienceInput {
  slug: string;
  /** A new web name (only while the experience has no bookings). */
  newSlug?: string | null;
  name: string;
  description: string;
  timezone: string;
  durationMinutes: number;
  defaultCapacity: number;
  priceMinor: number;
  currency: string;
  holdSeconds: number;
  maxPeoplePerBooking: number;
  cutoffMinutes: number;
  paymentMode: PaymentMode;
  active: boolean;
  whatToBring: string;
  resourceSlug: string | null;
}

/** Creates (`create: true`), updates (`false`) or either (`null`) an experience by slug. */
export function saveExperience(
  input: ExperienceInput & { staffId: number; create: boolean | null },
  db?: Sql,
): Promise<StaffExperience> {
  return call(
    StaffExperience,
    (sql) => sql`
      select api.staff_save_experience(
        p_slug => ${input.slug}::text, p_name => ${input.name}::text, p_description => ${input.description}::text,
        p_timezone => ${input.timezone}::text, p_duration => make_interval(mins => ${input.durationMinutes}::int),
        p_default_capacity => ${input.defaultCapacity}::int, p_price_minor => ${input.priceMinor}::int,
        p_currency => ${input.currency}::text, p_hold_duration => make_interval(secs => ${input.holdSeconds}::int),
        p_max_people_per_booking => ${input.maxPeoplePerBooking}::int,
        p_booking_cutoff => make_interval(mins => ${input.cutoffMinutes}::int),
        p_payment_mode => ${input.paymentMode}::text, p_active => ${input.active}::boolean,
        p_what_to_bring => ${input.whatToBring}::text, p_resource_slug => ${input.resourceSlug}::text,
        p_staff_id => ${input.staffId}::bigint, p_create => ${input.create}::boolean,
        p_new_slug => ${input.newSlug ?? null}::text) as result`,
    db,
  );
}

export const ScheduleResult = z.object({
  scheduleId: z.number(),
  slotsCreated: z.number(),
  /** Local starts that fell in a daylight-saving gap and were placed an hour later by the new clock. */
  shifted: z.array(LocalDateTime),
});
export type ScheduleResult = z.infer<typeof ScheduleResult>;

export function addSchedule(
  input: {
    slug: string;
    fromDate: string;
    toDate: string;
    localTimes: string[];
    weekdays: number[];
    exceptions: string[];
    staffId: number;
  },
  db?: Sql,
): Promise<ScheduleResult> {
  return call(
    ScheduleResult,
    (sql) => sql`
      select api.staff_add_schedule(
        p_experience_slug => ${input.slug}::text, p_from => ${input.fromDate}::date, p_to => ${input.toDate}::date,
        p_local_times => ${input.localTimes}::time[], p_weekdays => ${input.weekdays}::int[],
        p_exceptions => ${input.exceptions}::date[], p_staff_id => ${input.staffId}::bigint) as result`,
    db,
  );
}

export function setSlotCapacity(input: { slotId: number; capacity: number; staffId: number }, db?: Sql): Promise<SlotDetail> {
  return call(
    SlotDetail,
    (sql) => sql`
      select api.staff_set_slot_capacity(p_slot_id => ${input.slotId}::bigint, p_capacity => ${input.capacity}::int,
                                         p_staff_id => ${input.staffId}::bigint) as result`,
    db,
  );
}

export function setSlotOpen(input: { slotId: number; open: boolean; staffId: number }, db?: Sql): Promise<SlotDetail> {
  return call(
    SlotDetail,
    (sql) => sql`
      select api.staff_set_slot_open(p_slot_id => ${input.slotId}::bigint, p_open => ${input.open}::boolean,
                                     p_staff_id => ${input.staffId}::bigint) as result`,
    db,
  );
}

export const SlotsOpenResult = z.object({
  /** Start times yet to start in the dates, weekdays and times asked for. */
  matched: z.number(),
  /** Of those, how many were not already open (or closed) and changed. */
  changed: z.number(),
  /** Start times this call closed that have people booked or holding on them. */
  withPeople: z.array(z.object({ slotId: z.number(), localStartsAt: LocalDateTime, booked: z.number(), held: z.number() })),
});
export type SlotsOpenResult = z.infer<typeof SlotsOpenResult>;

/**
 * Closes (or reopens) the start times of one experience yet to start on its local dates from
 * `fromDate` to `toDate`, on `weekdays` (ISO, 1 = Monday), at `localTimes` (empty: at any time).
 * Holds and bookings on them stay.
 */
export function setSlotsOpen(
  input: {
    slug: string;
    fromDate: string;
    toDate: string;
    localTimes: string[];
    weekdays: number[];
    open: boolean;
    staffId: number;
  },
  db?: Sql,
): Promise<SlotsOpenResult> {
  return call(
    SlotsOpenResult,
    (sql) => sql`
      select api.staff_set_slots_open(
        p_experience_slug => ${input.slug}::text, p_from => ${input.fromDate}::date, p_to => ${input.toDate}::date,
        p_local_times => ${input.localTimes}::time[], p_weekdays => ${input.weekdays}::int[],
        p_open => ${input.open}::boolean, p_staff_id => ${input.staffId}::bigint) as result`,
    db,
  );
}

export const ManifestEntry = z.object({
  bookingNumber: z.string(),
  name: z.string(),
  email: z.string(),
  phone: z.string().nullable(),
  people: z.number(),
  paymentProvider: z.enum(['stripe', 'on_arrival']),
  /** Paid online (Stripe); otherwise `amountMinor` is due on arrival. */
  paid: z.boolean(),
  amountMinor: z.number(),
  currency: z.string().nullable(),
  checkedIn: z.boolean(),
  checkedInAt: z.string().nullable(),
});
export type ManifestEntry = z.infer<typeof ManifestEntry>;

export const Manifest = z.object({
  slot: SlotDetail,
  liveHolds: z.object({ bookings: z.number(), people: z.number() }),
  bookings: z.array(ManifestEntry),
  totals: z.object({ people: z.number(), checkedInPeople: z.number(), dueMinor: z.number() }),
});
export type Manifest = z.infer<typeof Manifest>;

export function manifest(slotId: number, db?: Sql): Promise<Manifest> {
  return call(Manifest, (sql) => sql`select api.staff_manifest(p_slot_id => ${slotId}::bigint) as result`, db);
}

export const CheckInResult = z.object({
  bookingNumber: z.string(),
  slotId: z.number(),
  checkedIn: z.boolean(),
  checkedInAt: z.string().nullable(),
  changed: z.boolean(),
});
export type CheckInResult = z.infer<typeof CheckInResult>;

export function checkIn(
  input: { bookingNumber: string; slotId: number; staffId: number; checkedIn: boolean },
  db?: Sql,
): Promise<CheckInResult> {
  return call(
    CheckInResult,
    (sql) => sql`
      select api.staff_check_in(p_booking_number => ${input.bookingNumber}::text, p_slot_id => ${input.slotId}::bigint,
                                p_staff_id => ${input.staffId}::bigint, p_checked_in => ${input.checkedIn}::boolean) as result`,
    db,
  );
}
