/**
 * Reads the experience and schedule forms (FormData) into the wrappers' inputs. Only the shape
 * is checked here (numbers are numbers, dates are dates); every business rule — zones, ranges,
 * what may change once booked — is checked by the stored functions, which name the field.
 */
import { z } from 'zod';
import type { ExperienceInput, PaymentMode } from '@/db/admin-schedules';
import { LocalDate } from '@/lib/schemas';

export interface FormResult {
  ok: boolean;
  message: string;
  /** The form field the message is about, when there is one. */
  field?: string;
  /** What was submitted, so the form shows it again (React resets a form after its action). */
  values?: Record<string, string>;
}

/** The submitted fields as strings (repeated fields joined with commas), to show them again. */
export function submitted(form: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value !== 'string' || name.startsWith('$')) continue;
    values[name] = name in values ? `${values[name]},${value}` : value;
  }
  return values;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; result: FormResult };

const text = (form: FormData, name: string) => {
  const v = form.get(name);
  return typeof v === 'string' ? v.trim() : '';
};

const fail = (field: string, message: string): { ok: false; result: FormResult } => ({ ok: false, result: { ok: false, field, message } });

function wholeNumber(form: FormData, name: string, label: string): number | FormResult {
  const raw = text(form, name);
  if (!/^-?\d+$/.test(raw)) return { ok: false, field: name, message: `${label} must be a whole number.` };
  return Number(raw);
}

/** Minor units from "35" or "35.50", with the currency's own number of decimals (JPY 0, BHD 3). */
export function priceToMinor(raw: string, currency: string): number | null {
  let digits: number;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return null;
  }
  const m = /^(\d{1,9})(?:\.(\d+))?$/.exec(raw.trim());
  if (!m || (m[2] ?? '').length > digits) return null;
  return Number(m[1]) * 10 ** digits + Number((m[2] ?? '').padEnd(digits, '0') || 0);
}

/** The price in major units for the form, from minor units. */
export function minorToPrice(minor: number, currency: string): string {
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // keep 2
  }
  return digits === 0 ? String(minor) : (minor / 10 ** digits).toFixed(digits);
}

export function parseExperienceForm(form: FormData): Parsed<ExperienceInput> {
  const currency = text(form, 'currency').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) return fail('currency', 'The currency must be a three-letter code such as EUR.');
  const priceMinor = priceToMinor(text(form, 'price'), currency);
  if (priceMinor === null) return fail('price', `The price must be an amount in ${currency}, such as 35 or 35.50.`);
  const holdMinutes = Number(text(form, 'holdMinutes'));
  if (!text(form, 'holdMinutes') || !Number.isFinite(holdMinutes)) return fail('holdMinutes', 'The hold must be a number of minutes.');

  const numbers: Record<string, number> = {};
  for (const [name, label] of [
    ['durationMinutes', 'The duration'],
    ['defaultCapacity', 'The capacity'],
    ['maxPeoplePerBooking', 'The people per booking'],
    ['cutoffMinutes', 'The booking cut-off'],
  ] as const) {
    const n = wholeNumber(form, name, label);
    if (typeof n !== 'number') return { ok: false, result: n };
    numbers[name] = n;
  }
  const paymentMode = z.enum(['auto', 'stripe', 'on_arrival']).safeParse(text(form, 'paymentMode'));
  if (!paymentMode.success) return fail('paymentMode', 'Choose how customers pay.');

  return {
    ok: true,
    value: {
      slug: text(form, 'slug'),
      newSlug: text(form, 'newSlug') || null,
      name: text(form, 'name'),
      description: text(form, 'description'),
      timezone: text(form, 'timezone'),
      durationMinutes: numbers.durationMinutes!,
      defaultCapacity: numbers.defaultCapacity!,
      priceMinor,
      currency,
      holdSeconds: Math.round(holdMinutes * 60),
      maxPeoplePerBooking: numbers.maxPeoplePerBooking!,
      cutoffMinutes: numbers.cutoffMinutes!,
      paymentMode: paymentMode.data as PaymentMode,
      active: form.get('active') === 'on',
      whatToBring: text(form, 'whatToBring'),
      resourceSlug: text(form, 'resource') || null,
    },
  };
}

/** Which days and local times a schedule form names: the part the schedule and closing forms share. */
interface DaysAndTimes {
  slug: string;
  fromDate: string;
  toDate: string;
  localTimes: string[];
  weekdays: number[];
}

/** Dates as YYYY-MM-DD; start times as "09:00, 14:30" (commas or spaces), required or not. */
function parseDaysAndTimes(form: FormData, times: { required: boolean; message: string }): Parsed<DaysAndTimes> {
  const fromDate = LocalDate.safeParse(text(form, 'fromDate'));
  if (!fromDate.success) return fail('fromDate', 'Choose the first day.');
  const toDate = LocalDate.safeParse(text(form, 'toDate'));
  if (!toDate.success) return fail('toDate', 'Choose the last day.');
  const localTimes = text(form, 'localTimes').split(/[\s,]+/).filter(Boolean);
  if ((times.required && localTimes.length === 0) || !localTimes.every((t) => /^([01]?\d|2[0-3]):[0-5]\d$/.test(t))) {
    return fail('localTimes', times.message);
  }
  const weekdays = form.getAll('weekdays').map(Number).filter((n) => Number.isInteger(n));
  return { ok: true, value: { slug: text(form, 'slug'), fromDate: fromDate.data, toDate: toDate.data, localTimes, weekdays } };
}

export interface ScheduleInput extends DaysAndTimes {
  exceptions: string[];
}

/** A weekly schedule: days, start times (at least one) and exception dates. */
export function parseScheduleForm(form: FormData): Parsed<ScheduleInput> {
  const days = parseDaysAndTimes(form, { required: true, message: 'Give start times as 24-hour times, such as 09:00, 14:30.' });
  if (!days.ok) return days;
  const exceptions = text(form, 'exceptions').split(/[\s,]+/).filter(Boolean);
  if (!exceptions.every((d) => LocalDate.safeParse(d).success)) return fail('exceptions', 'Give exception dates as YYYY-MM-DD.');
  return { ok: true, value: { ...days.value, exceptions } };
}

export interface SlotsOpenInput extends DaysAndTimes {
  open: boolean;
}

/** The close-or-reopen form: like a schedule, but start times are optional (none: all of them) and it says which way. */
export function parseSlotsOpenForm(form: FormData): Parsed<SlotsOpenInput> {
  const days = parseDaysAndTimes(form, {
    required: false,
    message: 'Give start times as 24-hour times, such as 09:00, 14:30, or leave it empty for all.',
  });
  if (!days.ok) return days;
  const intent = text(form, 'intent');
  if (intent !== 'close' && intent !== 'open') return fail('intent', 'Choose whether to close or reopen.');
  return { ok: true, value: { ...days.value, open: intent === 'open' } };
}
