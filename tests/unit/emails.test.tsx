/**
 * The three transactional emails, rendered for real (React Email → HTML and text, `ics` → an
 * iCalendar file parsed back with ical.js). The fixtures straddle the UK's change to summer time
 * on 29 March 2026, so a time printed in UTC, or in the server's zone, shows up as wrong.
 *
 * Items carry the database's local times (localStartsAt, with the offset PostgreSQL's tzdata
 * gives); the emails print those, never Node's own conversion of the instant.
 */
import { render } from '@react-email/render';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import BookingConfirmation from '@/emails/booking-confirmation';
import { formatLocalRange, formatMoney } from '@/emails/format';
import { previewBooking } from '@/emails/preview-data';
import { bookingCalendar, EmailBooking, renderEmail, type EmailItem } from '@/emails/render';

const london28: EmailItem = {
  experienceName: 'Thames Walking Tour',
  experienceSlug: 'thames-walking-tour',
  startsAt: '2026-03-28T10:00:00+00:00', // 10:00 GMT
  endsAt: '2026-03-28T12:00:00+00:00',
  timezone: 'Europe/London',
  localStartsAt: '2026-03-28T10:00:00+00:00',
  localEndsAt: '2026-03-28T12:00:00+00:00',
  quantity: 2,
  unitPriceMinor: 2000,
  whatToBring: 'Comfortable shoes.\nA waterproof jacket.',
};
const london29: EmailItem = {
  ...london28,
  startsAt: '2026-03-29T09:00:00+00:00', // 10:00 BST, the morning the clocks go forward
  endsAt: '2026-03-29T11:00:00+00:00',
  localStartsAt: '2026-03-29T10:00:00+01:00',
  localEndsAt: '2026-03-29T12:00:00+01:00',
};
const newYork: EmailItem = {
  experienceName: 'Brooklyn Bridge Bike Ride',
  experienceSlug: 'brooklyn-bridge-bike-ride',
  startsAt: '2026-03-29T14:30:00+00:00', // 10:30 EDT
  endsAt: '2026-03-29T16:00:00+00:00',
  timezone: 'America/New_York',
  localStartsAt: '2026-03-29T10:30:00-04:00',
  localEndsAt: '2026-03-29T12:00:00-04:00',
  quantity: 1,
  unitPriceMinor: 1000,
  whatToBring: '',
};

const booking: EmailBooking = {
  bookingNumber: 'BK-261125-7KQ2MX',
  customerName: 'Grace Hopper',
  customerEmail: 'grace@example.com',
  customerPhone: '+44 20 7946 0123',
  totalMinor: 9000,
  currency: 'GBP',
  paymentProvider: 'stripe',
  items: [london28, london29, newYork],
  siteUrl: 'https://book.example.com',
};

/* React separates adjacent text nodes with <!-- --> in HTML; a reader never sees them. */
function visible(html: string): string {
  return html.replaceAll('<!-- -->', '');
}

function expectNoTags(text: string) {
  expect(text).not.toMatch(/<\/?[a-z!][^>]*>/i);
}

function icsFrom(content: string) {
  return Buffer.from(content, 'base64').toString('utf8');
}

function vevents(ics: string) {
  return new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent').map((c) => new ICAL.Event(c));
}

describe('formatting', () => {
  it('shows local times in the experience zone, naming the zone, across the DST change', () => {
    expect(formatLocalRange(london28.localStartsAt, london28.localEndsAt, london28.timezone)).toBe(
      'Sat 28 Mar 2026, 10:00–12:00 (Europe/London, GMT)',
    );
    expect(formatLocalRange(london29.localStartsAt, london29.localEndsAt, london29.timezone)).toBe(
      'Sun 29 Mar 2026, 10:00–12:00 (Europe/London, GMT+1)',
    );
    expect(formatLocalRange(newYork.localStartsAt, newYork.localEndsAt, newYork.timezone)).toBe(
      'Sun 29 Mar 2026, 10:30–12:00 (America/New_York, GMT-4)',
    );
    // Across midnight, both dates; across the change itself (01:00 GMT → 03:00 BST), both offsets.
    expect(formatLocalRange('2026-03-28T22:00:00+00:00', '2026-03-29T03:00:00+01:00', 'Europe/London')).toBe(
      'Sat 28 Mar 2026, 22:00 – Sun 29 Mar 2026, 03:00 (Europe/London, GMT → GMT+1)',
    );
    // Half-hour offsets keep their minutes; the weekday comes from the date alone.
    expect(formatLocalRange('2026-09-26T09:00:00+05:30', '2026-09-26T11:00:00+05:30', 'Asia/Kolkata')).toBe(
      'Sat 26 Sep 2026, 09:00–11:00 (Asia/Kolkata, GMT+5:30)',
    );
    expect(formatLocalRange('2026-12-31T23:00:00-03:30', '2027-01-01T01:00:00-03:30', 'America/St_Johns')).toBe(
      'Thu 31 Dec 2026, 23:00 – Fri 1 Jan 2027, 01:00 (America/St_Johns, GMT-3:30)',
    );
  });

  it('prints the database’s wall clock even where Node’s time-zone data disagrees (regression)', async () => {
    // PostgreSQL's newer tzdata keeps British Columbia on UTC−7 after 1 November 2026, so the
    // 09:00 kayak slot is the instant 16:00Z. Node 20's tz 2025c still says UTC−8 then, and its
    // Intl would print 08:00. The email must say what the database placed: 09:00, GMT-7.
    const vancouver: EmailItem = {
      experienceName: 'Sea Kayak Rental',
      experienceSlug: 'sea-kayak-rental',
      startsAt: '2026-11-28T16:00:00+00:00',
      endsAt: '2026-11-28T18:00:00+00:00',
      timezone: 'America/Vancouver',
      localStartsAt: '2026-11-28T09:00:00-07:00',
      localEndsAt: '2026-11-28T11:00:00-07:00',
      quantity: 1,
      unitPriceMinor: 4500,
      whatToBring: '',
    };
    // The local string and the instant are the same moment; only the zone's rules are in question.
    expect(Date.parse(vancouver.localStartsAt)).toBe(Date.parse(vancouver.startsAt));
    const expected = 'Sat 28 Nov 2026, 09:00–11:00 (America/Vancouver, GMT-7)';
    expect(formatLocalRange(vancouver.localStartsAt, vancouver.localEndsAt, vancouver.timezone)).toBe(expected);
    const email = await renderEmail('confirmation', { ...booking, currency: 'CAD', totalMinor: 4500, items: [vancouver] });
    for (const part of [visible(email.html), email.text]) {
      expect(part).toContain(expected);
      expect(part).not.toContain('08:00');
      expect(part).not.toContain('GMT-8');
      expect(part).not.toContain('PST');
    }
    // The calendar file keeps the exact instant.
    expect(vevents(icsFrom(email.attachments[0]!.content))[0]?.startDate.toJSDate().toISOString()).toBe('2026-11-28T16:00:00.000Z');
  });

  it('refuses a local time without its offset', () => {
    expect(() => formatLocalRange('2026-03-28T10:00:00', '2026-03-28T12:00:00', 'Europe/London')).toThrow(RangeError);
    expect(() => formatLocalRange('2026-03-28T10:00:00Z', '2026-03-28T12:00:00Z', 'Europe/London')).toThrow(RangeError);
  });

  it('formats money with the currency’s own minor digits', () => {
    expect(formatMoney(9000, 'GBP')).toBe('£90.00');
    expect(formatMoney(9000, 'JPY')).toBe('¥9,000');
    expect(formatMoney(12345, 'BHD')).toMatch(/12\.345$/);
  });
});

describe('EmailBooking', () => {
  it('accepts rows as PostgreSQL returns them and rejects malformed zones and times', () => {
    expect(EmailBooking.parse(booking)).toEqual(booking);
    expect(EmailBooking.parse(previewBooking)).toEqual(previewBooking);
    // The zone is a label (the database checked it against its own tzdata); garbage is still refused.
    const bad = { ...booking, items: [{ ...london28, timezone: 'not a zone' }] };
    expect(EmailBooking.safeParse(bad).success).toBe(false);
    expect(EmailBooking.safeParse({ ...booking, items: [{ ...london28, startsAt: '2026-03-28 10:00' }] }).success).toBe(false);
    // Local times must carry their offset, and are required.
    expect(EmailBooking.safeParse({ ...booking, items: [{ ...london28, localStartsAt: '2026-03-28T10:00:00' }] }).success).toBe(false);
    const { localEndsAt: _, ...withoutEnd } = london28;
    expect(EmailBooking.safeParse({ ...booking, items: [withoutEnd] }).success).toBe(false);
  });
});

describe('confirmation', () => {
  it('lists every item at its local time, with the zone, in HTML and text', async () => {
    const email = await renderEmail('confirmation', booking);
    expect(email.subject).toBe('Your booking BK-261125-7KQ2MX is confirmed');
    for (const part of [visible(email.html), email.text]) {
      expect(part).toContain('Grace Hopper');
      expect(part).toContain('BK-261125-7KQ2MX');
      expect(part).toContain('Sat 28 Mar 2026, 10:00–12:00 (Europe/London, GMT)');
      expect(part).toContain('Sun 29 Mar 2026, 10:00–12:00 (Europe/London, GMT+1)');
      expect(part).toContain('Sun 29 Mar 2026, 10:30–12:00 (America/New_York, GMT-4)');
      // The UTC instants must not leak as local times.
      for (const utc of ['09:00', '11:00', '14:30', '16:00']) expect(part).not.toContain(utc);
      expect(part).toContain('2 people · £40.00');
      expect(part).toContain('1 person · £10.00');
      expect(part).toContain('Total: £90.00');
      expect(part).toContain('Paid online');
      expect(part).not.toContain('due on arrival');
      expect(part).toContain('https://book.example.com/booking/BK-261125-7KQ2MX');
    }
    expectNoTags(email.text);
  });

  it('gives what to bring once per experience, and leaves out experiences without any', async () => {
    const { html, text } = await renderEmail('confirmation', booking);
    for (const part of [visible(html), text]) {
      expect(part).toContain('What to bring');
      expect(part.split('Comfortable shoes.').length - 1).toBe(1);
      expect(part).toContain('A waterproof jacket.');
    }
    const whatToBring = text.slice(text.indexOf('What to bring'));
    expect(whatToBring).toContain('Thames Walking Tour');
    expect(whatToBring).not.toContain('Brooklyn Bridge Bike Ride');

    const nothing = await renderEmail('confirmation', { ...booking, items: [newYork], totalMinor: 1000 });
    expect(nothing.html).not.toContain('What to bring');
    expect(nothing.text).not.toContain('What to bring');
  });

  it('says what is due on arrival', async () => {
    const { html, text } = await renderEmail('confirmation', { ...booking, paymentProvider: 'on_arrival' });
    for (const part of [visible(html), text]) {
      expect(part).toContain('Payment due on arrival: £90.00');
      expect(part).not.toContain('Paid online');
    }
  });

  it('shows yen without decimals', async () => {
    const yen: EmailBooking = {
      ...booking,
      currency: 'JPY',
      totalMinor: 9000,
      items: [
        {
          ...newYork,
          timezone: 'Asia/Tokyo',
          localStartsAt: '2026-03-29T23:30:00+09:00',
          localEndsAt: '2026-03-30T01:00:00+09:00',
          quantity: 3,
          unitPriceMinor: 3000,
        },
      ],
    };
    const email = await renderEmail('confirmation', yen);
    expect(email.text).toContain('Total: ¥9,000');
    expect(email.text).toContain('3 people · ¥9,000');
    expect(email.text).not.toMatch(/¥9,000\.00|¥90\b/);
    // 14:30Z is 23:30 in Tokyo (no daylight saving there).
    expect(email.text).toContain('Sun 29 Mar 2026, 23:30 – Mon 30 Mar 2026, 01:00 (Asia/Tokyo, GMT+9)');
  });

  it('joins links onto a site URL with a path and a trailing slash', async () => {
    const { text } = await renderEmail('confirmation', { ...booking, siteUrl: 'https://example.com/holdfast/' });
    expect(text).toContain('https://example.com/holdfast/booking/BK-261125-7KQ2MX');
  });

  it('renders with its default props as preview data', async () => {
    const html = visible(await render(<BookingConfirmation />));
    expect(html).toContain(previewBooking.bookingNumber);
    expect(html).toContain('(Europe/London, GMT+1)');
  });
});

describe('calendar attachment', () => {
  it('has one VEVENT per item at the UTC instant, across the DST change, whatever the server zone', async () => {
    // The ics package reads date arrays as the process's local time; pin a far-off zone to prove
    // the file does not depend on it.
    const tz = process.env.TZ;
    process.env.TZ = 'Pacific/Auckland';
    let email;
    try {
      email = await renderEmail('confirmation', booking);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    expect(email.attachments).toHaveLength(1);
    const [attachment] = email.attachments;
    expect(attachment?.filename).toBe('BK-261125-7KQ2MX.ics');
    expect(attachment?.contentType).toBe('text/calendar; charset=utf-8; method=PUBLISH');

    const ics = icsFrom(attachment?.content ?? '');
    expect(ics).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(ics).not.toMatch(/[^\r]\n/); // CRLF only
    expect(ics).toContain('\r\nMETHOD:PUBLISH\r\n');
    // Same file as bookingCalendar gives, apart from DTSTAMP (the time it was made).
    const withoutStamp = (s: string) => s.replace(/^DTSTAMP:.*\r\n/gm, '');
    expect(withoutStamp(ics)).toBe(withoutStamp(bookingCalendar(booking)));

    const events = vevents(ics);
    expect(events).toHaveLength(booking.items.length);
    booking.items.forEach((item, index) => {
      const event = events[index];
      expect(event?.summary).toBe(item.experienceName);
      expect(event?.startDate.toJSDate().toISOString()).toBe(new Date(item.startsAt).toISOString());
      expect(event?.endDate.toJSDate().toISOString()).toBe(new Date(item.endsAt).toISOString());
      expect(event?.description).toContain('BK-261125-7KQ2MX');
      expect(event?.description).toContain(item.quantity === 1 ? '1 person' : `${item.quantity} people`);
    });
    expect(events[1]?.startDate.toJSDate().toISOString()).toBe('2026-03-29T09:00:00.000Z');
    const uids = events.map((e) => e.uid);
    expect(uids).toEqual(['BK-261125-7KQ2MX-1@holdfast', 'BK-261125-7KQ2MX-2@holdfast', 'BK-261125-7KQ2MX-3@holdfast']);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('is attached to the confirmation only', async () => {
    expect((await renderEmail('staff_notification', booking)).attachments).toEqual([]);
    expect((await renderEmail('refund_notice', booking)).attachments).toEqual([]);
  });
});

describe('staff notification', () => {
  it('gives the booking, the customer, local times, total and payment mode', async () => {
    const email = await renderEmail('staff_notification', { ...booking, paymentProvider: 'on_arrival' });
    expect(email.subject).toBe('New booking BK-261125-7KQ2MX (3 items, £90.00)');
    for (const part of [visible(email.html), email.text]) {
      expect(part).toContain('BK-261125-7KQ2MX');
      expect(part).toContain('Grace Hopper');
      expect(part).toContain('grace@example.com');
      expect(part).toContain('+44 20 7946 0123');
      expect(part).toContain('Sun 29 Mar 2026, 10:00–12:00 (Europe/London, GMT+1)');
      expect(part).toMatch(/10:30–12:00 \(America\/New_York, GMT-4\)/);
      expect(part).not.toContain('09:00');
      expect(part).toContain('2 people');
      expect(part).toContain('£90.00');
      expect(part).toContain('to collect on arrival');
    }
    expectNoTags(email.text);

    const online = await renderEmail('staff_notification', { ...booking, customerPhone: null, items: [london28], totalMinor: 4000 });
    expect(online.subject).toBe('New booking BK-261125-7KQ2MX (1 item, £40.00)');
    expect(online.text).toContain('paid online');
    expect(online.text).toContain('No phone number given');
  });
});

describe('refund notice', () => {
  it('apologises, gives the refund amount, what was booked at local times, and a way back', async () => {
    const email = await renderEmail('refund_notice', booking);
    expect(email.subject).toBe('Refund for BK-261125-7KQ2MX: we could not keep your seats');
    for (const part of [visible(email.html), email.text]) {
      expect(part).toContain('Grace Hopper');
      expect(part).toContain('BK-261125-7KQ2MX');
      expect(part).toContain('sorry');
      expect(part).toContain('£90.00');
      expect(part).toContain('original payment method');
      expect(part).toContain('Sat 28 Mar 2026, 10:00–12:00 (Europe/London, GMT)');
      expect(part).toContain('Sun 29 Mar 2026, 10:00–12:00 (Europe/London, GMT+1)');
      expect(part).not.toContain('09:00');
      expect(part).toContain('https://book.example.com/');
    }
    expect(email.html).toContain('href="https://book.example.com/"');
    expectNoTags(email.text);
  });
});
