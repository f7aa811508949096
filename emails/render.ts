/**
 * The one entry point the rest of Holdfast uses for email: a kind and a booking in, subject,
 * HTML, plain text and attachments out, ready to hand to Resend. Rendering only — sending is
 * jobs/' business. A plain .ts module, so its elements are made with createElement, not JSX.
 */
import { render } from '@react-email/render';
import { createElement, type ReactElement } from 'react';
import { bookingCalendar } from './booking-calendar';
import BookingConfirmation, { confirmationSubject } from './booking-confirmation';
import type { EmailBooking } from './email-booking';
import RefundNotice, { refundNoticeSubject } from './refund-notice';
import StaffNotification, { staffNotificationSubject } from './staff-notification';

export { bookingCalendar } from './booking-calendar';
export { EmailBooking, EmailItem } from './email-booking';

export type EmailKind = 'confirmation' | 'staff_notification' | 'refund_notice';

export interface EmailAttachment {
  filename: string;
  contentType: string;
  /** base64 */
  content: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  attachments: EmailAttachment[];
}

/*
 * html-to-text upper-cases headings by default; the text part should read like the HTML one.
 * Everything else keeps React Email's own plain-text rules (links as "text url", the preview
 * line left out).
 */
const textOptions = {
  selectors: ['h1', 'h2', 'h3'].map((selector) => ({ selector, options: { uppercase: false } })),
};

function calendarAttachment(booking: EmailBooking): EmailAttachment {
  return {
    filename: `${booking.bookingNumber}.ics`,
    // The method parameter must match the METHOD property inside the file (RFC 5545).
    contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
    content: Buffer.from(bookingCalendar(booking), 'utf8').toString('base64'),
  };
}

function compose(kind: EmailKind, booking: EmailBooking): { subject: string; element: ReactElement; attachments: EmailAttachment[] } {
  switch (kind) {
    case 'confirmation':
      return {
        subject: confirmationSubject(booking),
        element: createElement(BookingConfirmation, { booking }),
        attachments: [calendarAttachment(booking)],
      };
    case 'staff_notification':
      return { subject: staffNotificationSubject(booking), element: createElement(StaffNotification, { booking }), attachments: [] };
    case 'refund_notice':
      return { subject: refundNoticeSubject(booking), element: createElement(RefundNotice, { booking }), attachments: [] };
  }
}

export async function renderEmail(kind: EmailKind, booking: EmailBooking): Promise<RenderedEmail> {
  const { subject, element, attachments } = compose(kind, booking);
  const [html, text] = await Promise.all([render(element), render(element, { plainText: true, htmlToTextOptions: textOptions })]);
  return { subject, html, text, attachments };
}
