'use client';
/**
 * One item of the booking: what, when (on the experience's clock, zone named), how many people
 * (−/+ change it on the server at once) and the line price. Fixed columns, tabular numbers.
 * Times are the database's local times (localStartsAt), printed as given.
 */
import Link from 'next/link';
import { formatLocalRange, formatMoney } from '@/emails/format';
import type { BookingItem } from '../_lib/booking-types';
import { formatTime, localDateOf } from '../_lib/local-time';
import { useHydrated } from '@/lib/use-hydrated';

interface Props {
  item: BookingItem;
  currency: string | null;
  editable: boolean;
  busy: boolean;
  error: string | null;
  onPeople: (quantity: number) => void;
  onRemove: () => void;
}

export function BasketItem({ item, currency, editable, busy, error, onPeople, onRemove }: Props) {
  // Buttons wait for hydration: before it a click would be lost.
  const idle = useHydrated() && !busy;
  const when = formatLocalRange(item.localStartsAt, item.localEndsAt, item.timezone);
  const short = `${item.experienceName} at ${formatTime(item.localStartsAt)}`;
  const date = localDateOf(item.localStartsAt);
  return (
    <li className="basket-item" data-testid="basket-item" data-item-id={item.itemId} aria-busy={busy || undefined}>
      <div className="basket-item__what">
        <h3>
          <Link href={`/experiences/${item.experienceSlug}?date=${date}`}>{item.experienceName}</Link>
        </h3>
        <p>{when}</p>
      </div>
      <div className="basket-item__people">
        <span className="field-label" id={`people-${item.itemId}`}>
          People
        </span>
        {editable ? (
          <div className="stepper" role="group" aria-labelledby={`people-${item.itemId}`}>
            <button
              type="button"
              className="button stepper__step"
              aria-label={`One person fewer, ${short}`}
              disabled={!idle || item.quantity <= 1}
              onClick={() => onPeople(item.quantity - 1)}
            >
              −
            </button>
            <output className="stepper__value" aria-live="polite">
              {item.quantity}
            </output>
            <button
              type="button"
              className="button stepper__step"
              aria-label={`One person more, ${short}`}
              disabled={!idle}
              onClick={() => onPeople(item.quantity + 1)}
            >
              +
            </button>
          </div>
        ) : (
          <span className="stepper__value">{item.quantity}</span>
        )}
      </div>
      <p className="basket-item__price">
        {currency ? formatMoney(item.unitPriceMinor * item.quantity, currency) : ''}
        {currency && item.quantity > 1 && (
          <small>
            {item.quantity} × {formatMoney(item.unitPriceMinor, currency)}
          </small>
        )}
      </p>
      {editable && (
        <button type="button" className="button button--quiet basket-item__remove" disabled={!idle} onClick={onRemove} aria-label={`Remove ${short}`}>
          Remove
        </button>
      )}
      <p className="basket-item__error" aria-live="polite">
        {error ?? ''}
      </p>
    </li>
  );
}
