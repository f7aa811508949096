/**
 * The items of a booking, one block each: experience, local date and time with the zone named,
 * people and (optionally) the line price. Staff and refund emails leave the prices out.
 */
import { Section, Text } from '@react-email/components';
import type { EmailItem } from '../email-booking';
import { formatLocalRange, formatMoney, formatPeople } from '../format';
import { palette } from './email-layout';

const block = { borderLeft: `3px solid ${palette.rule}`, margin: '0 0 12px', padding: '4px 0 4px 12px' };
const name = { fontSize: '15px', fontWeight: 600, lineHeight: '1.4', margin: 0 };
const detail = { color: palette.text, fontSize: '14px', lineHeight: '1.5', margin: 0 };
const small = { color: palette.muted, fontSize: '14px', lineHeight: '1.5', margin: 0 };

export function ItemList({ items, currency, showPrices }: { items: EmailItem[]; currency: string; showPrices: boolean }) {
  return (
    <>
      {items.map((item, index) => (
        <Section key={index} style={block}>
          <Text style={name}>{item.experienceName}</Text>
          <Text style={detail}>{formatLocalRange(item.localStartsAt, item.localEndsAt, item.timezone)}</Text>
          <Text style={small}>
            {formatPeople(item.quantity)}
            {showPrices ? ` · ${formatMoney(item.quantity * item.unitPriceMinor, currency)}` : ''}
          </Text>
        </Section>
      ))}
    </>
  );
}
