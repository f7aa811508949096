/**
 * To staff, for each newly confirmed booking: short and scannable — who, when, how many, and
 * whether money is still to be collected at the door.
 */
import { Link, Text } from '@react-email/components';
import { EmailLayout, paragraph, sectionTitle } from './components/email-layout';
import { ItemList } from './components/item-list';
import type { EmailBooking } from './email-booking';
import { formatMoney } from './format';
import { previewBooking } from './preview-data';

export interface StaffNotificationProps {
  booking: EmailBooking;
}

export function staffNotificationSubject(booking: EmailBooking): string {
  const count = booking.items.length === 1 ? '1 item' : `${booking.items.length} items`;
  return `New booking ${booking.bookingNumber} (${count}, ${formatMoney(booking.totalMinor, booking.currency)})`;
}

const line = { fontSize: '14px', lineHeight: '1.6', margin: 0 };

export default function StaffNotification({ booking = previewBooking }: Partial<StaffNotificationProps>) {
  const amount = formatMoney(booking.totalMinor, booking.currency);
  return (
    <EmailLayout preview={`${booking.customerName || 'No name given'}, ${amount}`} heading={`New booking ${booking.bookingNumber}`}>
      <Text style={paragraph}>A new booking has been confirmed.</Text>

      <Text style={sectionTitle}>Customer</Text>
      <Text style={line}>{booking.customerName || 'No name given'}</Text>
      <Text style={line}>
        {booking.customerEmail ? (
          <Link href={`mailto:${booking.customerEmail}`}>{booking.customerEmail}</Link>
        ) : (
          'No email given'
        )}
      </Text>
      <Text style={line}>{booking.customerPhone ?? 'No phone number given'}</Text>

      <Text style={sectionTitle}>Items</Text>
      <ItemList items={booking.items} currency={booking.currency} showPrices={false} />

      <Text style={sectionTitle}>
        Total {amount} · {booking.paymentProvider === 'stripe' ? 'paid online' : 'to collect on arrival'}
      </Text>
    </EmailLayout>
  );
}

StaffNotification.PreviewProps = { booking: previewBooking } satisfies StaffNotificationProps;
