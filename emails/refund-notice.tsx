/**
 * To a customer whose payment arrived after their hold had lapsed, when the seats had meanwhile
 * gone to someone else, so the booking could not be confirmed and the payment is refunded in
 * full. Plain apology, the amount, what it was for, and a way to book again.
 */
import { Button, Section, Text } from '@react-email/components';
import { EmailLayout, button, paragraph, sectionTitle } from './components/email-layout';
import { ItemList } from './components/item-list';
import type { EmailBooking } from './email-booking';
import { formatGreeting, formatMoney } from './format';
import { homePageUrl } from './links';
import { previewBooking } from './preview-data';

export interface RefundNoticeProps {
  booking: EmailBooking;
}

export function refundNoticeSubject(booking: EmailBooking): string {
  return `Refund for ${booking.bookingNumber}: we could not keep your seats`;
}

export default function RefundNotice({ booking = previewBooking }: Partial<RefundNoticeProps>) {
  const amount = formatMoney(booking.totalMinor, booking.currency);
  return (
    <EmailLayout preview={`We are refunding ${amount} in full`} heading="We could not keep your seats">
      <Text style={paragraph}>{formatGreeting(booking.customerName)}</Text>
      <Text style={paragraph}>
        We are sorry. Your payment for booking <strong>{booking.bookingNumber}</strong> reached us after your hold on the
        seats had run out, and by then they had been booked by someone else, so we could not confirm your booking.
      </Text>
      <Text style={paragraph}>
        We are refunding the full amount, <strong>{amount}</strong>, to your original payment method. You do not need to
        do anything. Depending on your bank, it may take a few days to appear.
      </Text>

      <Text style={sectionTitle}>What you tried to book</Text>
      <ItemList items={booking.items} currency={booking.currency} showPrices={false} />

      <Text style={paragraph}>If you would still like to come, other times may be free.</Text>
      <Section style={{ margin: '16px 0 8px' }}>
        <Button href={homePageUrl(booking)} style={button}>
          Book again
        </Button>
      </Section>
    </EmailLayout>
  );
}

RefundNotice.PreviewProps = { booking: previewBooking } satisfies RefundNoticeProps;
