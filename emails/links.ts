/**
 * Links in emails are absolute: mail clients have no base URL. Joined as text rather than with
 * new URL(path, base), which would drop a path prefix (Holdfast served under /book, say).
 */
import type { EmailBooking } from './email-booking';

function siteRoot(booking: EmailBooking): string {
  return booking.siteUrl.replace(/\/+$/, '');
}

export function bookingPageUrl(booking: EmailBooking): string {
  return `${siteRoot(booking)}/booking/${encodeURIComponent(booking.bookingNumber)}`;
}

export function homePageUrl(booking: EmailBooking): string {
  return `${siteRoot(booking)}/`;
}
