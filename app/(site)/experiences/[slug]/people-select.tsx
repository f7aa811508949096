'use client';
/** How many people to hold seats for: 1 up to the experience's maximum per booking. */
import { formatMoney } from '@/emails/format';
import { useHydrated } from '@/lib/use-hydrated';

interface Props {
  people: number;
  max: number;
  priceMinor: number;
  currency: string;
  onChange: (people: number) => void;
}

export function PeopleSelect({ people, max, priceMinor, currency, onChange }: Props) {
  // A choice made before hydration would be lost (the page's state still says 1, and holds 1):
  // the control is disabled until the page can take it.
  const ready = useHydrated();
  return (
    <div className="people-select">
      <label>
        <span className="field-label">People</span>
        <select value={people} disabled={!ready} onChange={(event) => onChange(Number(event.target.value))}>
          {Array.from({ length: Math.max(1, max) }, (_, i) => i + 1).map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <p className="people-select__total">
        {people} × {formatMoney(priceMinor, currency)} = <strong>{formatMoney(priceMinor * people, currency)}</strong>
      </p>
    </div>
  );
}
