/**
 * The booking every template shows by default: in the React Email preview (`email dev`) and
 * when rendered without props. Two sittings of one tour either side of the UK's change to
 * summer time (29 March 2026), so a preview shows GMT and GMT+1 side by side.
 */
import type { EmailBooking } from './email-booking';

export const previewBooking: EmailBooking = {
  bookingNumber: 'BK-261125-7KQ2MX',
  customerName: 'Ada Lovelace',
  customerEmail: 'ada@example.com',
  customerPhone: '+44 20 7946 0000',
  totalMinor: 9000,
  currency: 'GBP',
  paymentProvider: 'stripe',
  siteUrl: 'http://localhost:3000',
  items: [
    {
      experienceName: 'Thames Walking Tour',
      experienceSlug: 'thames-walking-tour',
      startsAt: '2026-03-28T10:00:00+00:00',
      endsAt: '2026-03-28T12:00:00+00:00',
      timezone: 'Europe/London',
      localStartsAt: '2026-03-28T10:00:00+00:00',
      localEndsAt: '2026-03-28T12:00:00+00:00',
      quantity: 2,
      unitPriceMinor: 2000,
      whatToBring: 'Comfortable shoes and a waterproof jacket.',
    },
    {
      experienceName: 'Thames Walking Tour',
      experienceSlug: 'thames-walking-tour',
      startsAt: '2026-03-29T09:00:00+00:00',
      endsAt: '2026-03-29T11:00:00+00:00',
      timezone: 'Europe/London',
      localStartsAt: '2026-03-29T10:00:00+01:00',
      localEndsAt: '2026-03-29T12:00:00+01:00',
      quantity: 2,
      unitPriceMinor: 2500,
      whatToBring: 'Comfortable shoes and a waterproof jacket.',
    },
  ],
};
