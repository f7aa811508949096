'use server';
/**
 * Server actions of the experiences pages. Each is a public endpoint, so each checks the session
 * itself first: experiences, schedules and slot capacity change what is sold, so they are for
 * owners (`requireStaff('owner')`). Expected failures come back as `{ ok: false, message }`.
 */
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { addSchedule, saveExperience, setSlotCapacity, setSlotOpen, setSlotsOpen, type SlotsOpenResult } from '@/db/admin-schedules';
import { AppError } from '@/db/errors';
import { requireStaff } from '@/lib/current-staff';
import { logger } from '@/lib/logger';
import { Id } from '@/lib/schemas';
import { parseExperienceForm, parseScheduleForm, parseSlotsOpenForm, submitted, type FormResult } from './form-values';

const startTimes = (n: number) => (n === 1 ? '1 start time' : `${n} start times`);

function failure(err: unknown, event: string): FormResult {
  if (err instanceof AppError) {
    const field = typeof err.details.field === 'string' ? err.details.field : undefined;
    return { ok: false, message: err.message, ...(field && { field }) };
  }
  logger.error({ event, err }, 'Staff change failed');
  return { ok: false, message: 'Something went wrong; please try again.' };
}

/** Creates an experience (`mode` create) or saves changes to one (`mode` update). */
export async function saveExperienceAction(_previous: FormResult, form: FormData): Promise<FormResult> {
  const staff = await requireStaff('owner');
  const values = submitted(form);
  const parsed = parseExperienceForm(form);
  if (!parsed.ok) return { ...parsed.result, values };
  const create = form.get('mode') === 'create';
  let slug: string;
  try {
    const saved = await saveExperience({ ...parsed.value, staffId: staff.staffId, create });
    slug = saved.slug;
    logger.info({ event: create ? 'experience_created' : 'experience_updated', slug, staffId: staff.staffId }, 'Experience saved');
  } catch (err) {
    return { ...failure(err, 'experience_save_failed'), values };
  }
  revalidatePath('/admin/experiences');
  if (create || slug !== parsed.value.slug) redirect(`/admin/experiences/${slug}`);
  revalidatePath(`/admin/experiences/${slug}`);
  return { ok: true, message: 'Saved.', values };
}

/** Adds weekly recurring start times over a date range, minus exception dates. */
export async function addScheduleAction(_previous: FormResult, form: FormData): Promise<FormResult> {
  const staff = await requireStaff('owner');
  const values = submitted(form);
  const parsed = parseScheduleForm(form);
  if (!parsed.ok) return { ...parsed.result, values };
  try {
    const result = await addSchedule({ ...parsed.value, staffId: staff.staffId });
    revalidatePath(`/admin/experiences/${parsed.value.slug}`);
    const shifted = result.shifted.length
      ? ` ${result.shifted.length} fell in a daylight-saving gap and start an hour later by the new clock (${result.shifted.map((s) => s.slice(0, 16).replace('T', ' ')).join(', ')}).`
      : '';
    return { ok: true, message: `Added ${startTimes(result.slotsCreated)}.${shifted}`, values };
  } catch (err) {
    return { ...failure(err, 'schedule_add_failed'), values };
  }
}

/** Changes one start time's capacity (never below what is held and booked). */
export async function setSlotCapacityAction(slotId: number, capacity: number): Promise<FormResult> {
  const staff = await requireStaff('owner');
  const id = Id.safeParse(slotId);
  if (!id.success || !Number.isInteger(capacity)) return { ok: false, message: 'Give the capacity as a whole number.' };
  try {
    const slot = await setSlotCapacity({ slotId: id.data, capacity, staffId: staff.staffId });
    revalidatePath(`/admin/experiences/${slot.experienceSlug}`);
    return { ok: true, message: `Capacity is now ${slot.capacity}.` };
  } catch (err) {
    const result = failure(err, 'slot_capacity_failed');
    if (err instanceof AppError && typeof err.details.minimum === 'number') {
      return { ...result, message: `The capacity cannot be below ${err.details.minimum}: that many seats are held or booked.` };
    }
    return result;
  }
}

/** Closes a start time to new reservations, or reopens it. */
export async function setSlotOpenAction(slotId: number, open: boolean): Promise<FormResult> {
  const staff = await requireStaff('owner');
  const id = Id.safeParse(slotId);
  if (!id.success || typeof open !== 'boolean') return { ok: false, message: 'That is not a start time.' };
  try {
    const slot = await setSlotOpen({ slotId: id.data, open, staffId: staff.staffId });
    revalidatePath(`/admin/experiences/${slot.experienceSlug}`);
    return { ok: true, message: open ? 'Reopened.' : 'Closed to new bookings.' };
  } catch (err) {
    return failure(err, 'slot_open_failed');
  }
}

export type SlotsOpenFormResult = FormResult & {
  /** Start times just closed that have people booked or holding: their bookings stay. */
  withPeople?: SlotsOpenResult['withPeople'];
};

/**
 * Closes (or reopens) the start times of one experience over a range of local dates, on some
 * weekdays, at some local times (none given: all of those days): a closed day, a guide away, a
 * schedule added by mistake. Holds and bookings on them stay; those closed with people on them
 * are listed, to call.
 */
export async function setSlotsOpenAction(_previous: SlotsOpenFormResult, form: FormData): Promise<SlotsOpenFormResult> {
  const staff = await requireStaff('owner');
  const values = submitted(form);
  const parsed = parseSlotsOpenForm(form);
  if (!parsed.ok) return { ...parsed.result, values };
  const { open } = parsed.value;
  try {
    const result = await setSlotsOpen({ ...parsed.value, staffId: staff.staffId });
    revalidatePath(`/admin/experiences/${parsed.value.slug}`);
    logger.info(
      { event: open ? 'slots_opened' : 'slots_closed', slug: parsed.value.slug, matched: result.matched, changed: result.changed, staffId: staff.staffId },
      open ? 'Start times reopened' : 'Start times closed',
    );
    if (result.matched === 0) {
      return { ok: false, field: 'fromDate', message: 'No start times yet to come on those days and at those times.', values };
    }
    const done = open ? 'Reopened' : 'Closed';
    const already = result.matched - result.changed;
    const rest = already === 0 ? '' : ` (${already === 1 ? '1 was' : `${already} were`} already ${open ? 'open' : 'closed'})`;
    const people = result.withPeople.length
      ? ` ${result.withPeople.length === 1 ? '1 of them has' : `${result.withPeople.length} of them have`} people booked or holding; their bookings stay:`
      : '';
    return { ok: true, message: `${done} ${startTimes(result.changed)} of ${result.matched}${rest}.${people}`, values, withPeople: result.withPeople };
  } catch (err) {
    return { ...failure(err, open ? 'slots_open_failed' : 'slots_close_failed'), values };
  }
}
