/**
 * The .ics attached to a confirmation: one VEVENT per item, METHOD:PUBLISH (an event to add,
 * not a meeting invitation to answer).
 *
 * Times go in as epoch milliseconds and come out in UTC ("…Z"). The `ics` package reads a date
 * *array* as the server process's local time by default, and copies a *string* into the file
 * verbatim (an ISO string would make an invalid DTSTART), so a number is the one input that means
 * the same instant on every machine. UTC output needs no VTIMEZONE; calendars show it on the
 * reader's clock, which is the same instant as the local time printed in the email.
 *
 * UIDs are stable per booking item (`<bookingNumber>-<n>@holdfast`, n counting from 1 in the
 * booking's item order), so a resent confirmation updates the calendar entries instead of
 * duplicating them.
 */
import { createEvents, type EventAttributes } from 'ics';
import type { EmailBooking } from './email-booking';
import { formatLocalRange, formatPeople } from './format';
import { bookingPageUrl } from './links';

export function bookingCalendar(booking: EmailBooking): string {
  const url = bookingPageUrl(booking);
  const events: EventAttributes[] = booking.items.map((item, index) => ({
    uid: `${booking.bookingNumber}-${index + 1}@holdfast`,
    title: item.experienceName,
    description: [
      `Booking ${booking.bookingNumber}`,
      formatPeople(item.quantity),
      formatLocalRange(item.localStartsAt, item.localEndsAt, item.timezone),
      url,
    ].join('\n'),
    start: Date.parse(item.startsAt),
    end: Date.parse(item.endsAt),
    startInputType: 'utc',
    startOutputType: 'utc',
    status: 'CONFIRMED',
    url,
  }));
  const { error, value } = createEvents(events, { productId: '-//Holdfast//Bookings//EN', method: 'PUBLISH' });
  if (error || value === null) throw error ?? new Error(`could not build the calendar for ${booking.bookingNumber}`);
  return value;
}
