'use server';
/**
 * Server actions of the staff booking pages. Each is a public endpoint (anyone can post to it),
 * so each checks the staff session itself first, then validates its input. Expected failures
 * come back as `{ ok: false, message }`; nothing here throws an AppError at the page.
 */
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { staffCancelBooking } from '@/db/admin-bookings';
import { AppError } from '@/db/errors';
import { refundTarget } from '@/db/payments';
import { requireStaff } from '@/lib/current-staff';
import { logger } from '@/lib/logger';
import { BookingNumber, Id } from '@/lib/schemas';
import { createWalkInBooking, requestRefund, resendConfirmation } from '@/lib/staff-bookings';
import { minorDigits, money } from './format';

export interface ActionResult {
  ok: boolean;
  message: string;
}

const Reason = z.string().trim().max(500).optional();

function failed(err: unknown, what: string, context: Record<string, unknown>): ActionResult {
  if (err instanceof AppError) return { ok: false, message: err.message };
  logger.error({ event: `${what}_failed`, ...context, err }, `Staff ${what.replace(/_/g, ' ')} failed`);
  return { ok: false, message: 'Something went wrong; please try again.' };
}

function refresh(bookingNumber: string): void {
  revalidatePath(`/admin/bookings/${bookingNumber}`);
  revalidatePath('/admin/bookings');
  revalidatePath('/admin');
}

/** Cancels a confirmed booking (its seats come back) or releases a live hold. Money is not refunded here. */
export async function cancelBookingAction(bookingNumber: string, reason?: string): Promise<ActionResult> {
  const staff = await requireStaff();
  const number = BookingNumber.safeParse(bookingNumber);
  const why = Reason.safeParse(reason ?? undefined);
  if (!number.success) return { ok: false, message: 'That is not a booking number.' };
  if (!why.success) return { ok: false, message: 'The reason is too long (500 characters at most).' };
  try {
    const result = await staffCancelBooking({ bookingNumber: number.data, staffId: staff.staffId, reason: why.data ?? null });
    logger.info({ event: 'staff_cancel', bookingNumber: number.data, staffId: staff.staffId, outcome: result.outcome }, 'Booking cancelled by staff');
    refresh(number.data);
    if (result.outcome === 'unchanged') return { ok: true, message: `${number.data} was already ${result.status}.` };
    const seats = result.items.reduce((n, i) => n + i.quantity, 0);
    const freed = `${seats} ${seats === 1 ? 'seat is' : 'seats are'} free again.`;
    const moneyNote =
      result.refundableMinor > 0 ? ` Nothing was refunded: ${money(result.refundableMinor, result.currency)} can still be refunded below.` : '';
    return { ok: true, message: `${result.outcome === 'released' ? 'Released' : 'Cancelled'} ${number.data}; ${freed}${moneyNote}` };
  } catch (err) {
    return failed(err, 'cancel', { bookingNumber: number.data });
  }
}

/** Parses "12.50" (major units, the currency's own number of decimals) into minor units. */
function toMinor(amount: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const pattern = digits === 0 ? /^\d{1,12}$/ : new RegExp(`^\\d{1,12}(?:[.,]\\d{1,${digits}})?$`);
  const text = amount.trim();
  if (!pattern.test(text)) return null;
  const [whole, fraction = ''] = text.split(/[.,]/);
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
}

const RefundInput = z.object({
  bookingNumber: BookingNumber,
  amount: z.string().max(20),
  reason: Reason,
});

/**
 * Asks Stripe (through the refund-payment job) to refund part or all of a card payment. The
 * database checks the amount against what is left; the job reports back on the booking page.
 */
export async function refundBookingAction(input: { bookingNumber: string; amount: string; reason?: string }): Promise<ActionResult> {
  const staff = await requireStaff();
  const parsed = RefundInput.safeParse(input);
  if (!parsed.success) return { ok: false, message: 'Enter an amount to refund.' };
  // The amount is read in the booking's own currency (its digits), never one the browser names.
  const currency = (await refundTarget(parsed.data.bookingNumber))?.currency;
  if (!currency) return { ok: false, message: 'This booking has no payment to refund.' };
  const amountMinor = toMinor(parsed.data.amount, currency);
  if (amountMinor === null || amountMinor <= 0) {
    return { ok: false, message: `Enter an amount more than zero, like ${minorDigits(currency) ? '12.50' : '1250'}.` };
  }
  try {
    const requested = await requestRefund({
      bookingNumber: parsed.data.bookingNumber,
      staffId: staff.staffId,
      amountMinor,
      reason: parsed.data.reason ?? null,
    });
    logger.info({ event: 'staff_refund_requested', ...requested, staffId: staff.staffId }, 'Refund requested by staff');
    refresh(parsed.data.bookingNumber);
    return { ok: true, message: `Refund of ${money(requested.amountMinor, requested.currency)} sent to Stripe.` };
  } catch (err) {
    if (err instanceof AppError && err.code === 'invalid_refund_amount' && typeof err.details.maxMinor === 'number') {
      return { ok: false, message: `The refund must be more than zero and at most ${money(err.details.maxMinor, currency)}.` };
    }
    return failed(err, 'refund', { bookingNumber: parsed.data.bookingNumber });
  }
}

/** Queues the confirmation email again. */
export async function resendConfirmationAction(bookingNumber: string): Promise<ActionResult> {
  const staff = await requireStaff();
  const number = BookingNumber.safeParse(bookingNumber);
  if (!number.success) return { ok: false, message: 'That is not a booking number.' };
  try {
    const queued = await resendConfirmation({ bookingNumber: number.data, staffId: staff.staffId });
    logger.info({ event: 'staff_resend_confirmation', bookingNumber: number.data, outboxId: queued.outboxId, staffId: staff.staffId }, 'Confirmation queued again');
    refresh(number.data);
    return { ok: true, message: `Confirmation queued for ${queued.recipient}.` };
  } catch (err) {
    return failed(err, 'resend_confirmation', { bookingNumber: number.data });
  }
}

export interface WalkInState {
  ok?: boolean;
  message?: string;
  fields?: Record<string, string>;
}

const WalkInForm = z.object({
  slotId: Id,
  quantity: z.coerce.number().int().min(1, 'At least 1 person.').max(100_000),
  name: z.string().trim().min(1, 'Enter the customer’s name.').max(200),
  email: z.union([z.literal(''), z.email('Enter a valid email address, or leave it empty.').max(254)]),
  phone: z.string().trim().max(40, 'At most 40 characters.').regex(/^[0-9+()\-./ ]*$/, 'Digits, spaces and + ( ) - . / only.'),
  channel: z.enum(['walk_in', 'phone']),
});

/** Books a phone or walk-in customer, paid on arrival; on success opens the new booking. */
export async function createWalkInAction(_previous: WalkInState, form: FormData): Promise<WalkInState> {
  const staff = await requireStaff();
  const raw = Object.fromEntries(['slotId', 'quantity', 'name', 'email', 'phone', 'channel'].map((k) => [k, String(form.get(k) ?? '')]));
  const parsed = WalkInForm.safeParse(raw);
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) fields[String(issue.path[0])] ??= issue.path[0] === 'slotId' ? 'Choose a start time.' : issue.message;
    return { ok: false, message: 'Please check the highlighted fields.', fields };
  }
  let bookingNumber: string;
  try {
    const booking = await createWalkInBooking({
      items: [{ slotId: parsed.data.slotId, quantity: parsed.data.quantity }],
      name: parsed.data.name,
      email: parsed.data.email || null,
      phone: parsed.data.phone || null,
      channel: parsed.data.channel,
      staffId: staff.staffId,
    });
    bookingNumber = booking.bookingNumber;
    logger.info({ event: 'staff_walk_in', bookingNumber, staffId: staff.staffId, channel: parsed.data.channel }, 'Walk-in booking made');
  } catch (err) {
    if (err instanceof AppError && err.code === 'sold_out' && typeof err.details.remaining === 'number') {
      const left = err.details.remaining;
      return { ok: false, message: left === 0 ? 'That start time is full.' : `Only ${left} ${left === 1 ? 'seat is' : 'seats are'} left at that time.` };
    }
    return failed(err, 'walk_in', { slotId: parsed.data.slotId });
  }
  refresh(bookingNumber);
  redirect(`/admin/bookings/${bookingNumber}?created=1`);
}
