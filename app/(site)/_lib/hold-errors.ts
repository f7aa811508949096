/**
 * What to tell a customer when taking or changing seats fails, by the server's stable error code.
 * One wording for the start-time buttons, the basket and the "hold again" button, so the same
 * situation always reads the same way.
 */
import { ApiError } from './api-client';

export function describeHoldError(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Something went wrong. Please try again.';
  const remaining = err.number('remaining');
  switch (err.code) {
    case 'sold_out':
      return remaining === undefined || remaining === 0
        ? 'Someone just took the last seats — sold out.'
        : `Someone just took the last seats — ${remaining} left.`;
    case 'resource_unavailable':
      return 'That time has just been taken: what it needs is booked at an overlapping time.';
    case 'booking_closed':
      return 'That start time has just closed for booking.';
    case 'slot_not_found':
      return 'That start time no longer exists.';
    case 'hold_expired':
      return 'Your hold has expired.';
    case 'booking_not_editable':
      return 'Your booking is being paid for, so it can’t change now. Finish paying, or choose “Change booking” in your basket.';
    case 'payment_completed':
      return 'Your payment has already gone through, so the booking can’t change now. It is being confirmed.';
    case 'payment_unavailable':
      return 'The payment page could not be closed just now, so the booking can’t change yet. Please try again in a moment.';
    case 'too_many_people': {
      const max = err.number('max');
      return max === undefined ? 'That is more people than one booking allows.' : `At most ${max} ${max === 1 ? 'person' : 'people'} per booking for this experience.`;
    }
    case 'too_many_items':
      return 'Your booking has as many start times as it can take. Pay for it first, then start another.';
    case 'currency_mismatch':
      return 'One booking can only hold experiences priced in one currency. Pay for this booking first, then start another.';
    case 'too_many_holds':
      return 'There are too many open holds from here. Finish or release one first.';
    case 'invalid_quantity':
      return 'The number of people must be at least 1.';
    case 'busy':
      return 'We are very busy right now. Please try again.';
    case 'network_error':
      return err.message;
    default:
      return err.message || 'Something went wrong. Please try again.';
  }
}
