/**
 * To the customer, once a booking is confirmed (paid online, or accepted to pay on arrival).
 * It must stand on its own at the door: booking number, every item on the place's own clock,
 * what was paid or is still due, and what to bring. The .ics attachment is built separately
 * (booking-calendar.ts) from the same data.
 */
import { Button, Section, Text } from '@react-email/components';
import { EmailLayout, button, paragraph, sectionTitle } from './components/email-layout';
import { ItemList } from './components/item-list';
import type { EmailBooking, EmailItem } from './email-booking';
import { formatGreeting, formatMoney } from './format';
import { bookingPageUrl } from './links';
import { previewBooking } from './preview-data';

export interface BookingConfirmationProps {
  booking: EmailBooking;
}

export function confirmationSubject(booking: EmailBooking): string {
  return `Your booking ${booking.bookingNumber} is confirmed`;
}

/* Two sittings of one experience need its advice once; experiences with none are left out. */
function whatToBringByExperience(items: EmailItem[]): { name: string; lines: string[] }[] {
  const seen = new Map<string, { name: string; lines: string[] }>();
  for (const item of items) {
    const lines = item.whatToBring.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
    if (lines.length > 0 && !seen.has(item.experienceSlug)) seen.set(item.experienceSlug, { name: item.experienceName, lines });
  }
  return [...seen.values()];
}

const total = { fontSize: '16px', fontWeight: 600, margin: '16px 0 4px' };

export default function BookingConfirmation({ booking = previewBooking }: Partial<BookingConfirmationProps>) {
  const amount = formatMoney(booking.totalMinor, booking.currency);
  const toBring = whatToBringByExperience(booking.items);
  return (
    <EmailLayout preview={`Booking ${booking.bookingNumber} is confirmed`} heading="Your booking is confirmed">
      <Text style={paragraph}>{formatGreeting(booking.customerName)}</Text>
      <Text style={paragraph}>
        Thank you for booking with us. Your booking number is <strong>{booking.bookingNumber}</strong>; please have it to
        hand when you arrive. Times are local to each experience.
      </Text>

      <ItemList items={booking.items} currency={booking.currency} showPrices />

      <Text style={total}>Total: {amount}</Text>
      <Text style={paragraph}>
        {booking.paymentProvider === 'stripe' ? 'Paid online' : `Payment due on arrival: ${amount}`}
      </Text>

      {toBring.length > 0 && (
        <Section>
          <Text style={sectionTitle}>What to bring</Text>
          {toBring.map((entry) => (
            <Text key={entry.name} style={paragraph}>
              <strong>{entry.name}</strong>
              {entry.lines.map((line, index) => (
                <span key={index}>
                  <br />
                  {line}
                </span>
              ))}
            </Text>
          ))}
        </Section>
      )}

      <Section style={{ margin: '24px 0 8px' }}>
        <Button href={bookingPageUrl(booking)} style={button}>
          View your booking
        </Button>
      </Section>
      <Text style={paragraph}>The attached calendar file adds each item to your calendar at the right time.</Text>
    </EmailLayout>
  );
}

BookingConfirmation.PreviewProps = { booking: previewBooking } satisfies BookingConfirmationProps;
