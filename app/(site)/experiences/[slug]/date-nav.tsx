'use client';
/** The date being shown: previous/next day buttons around a native date input (local dates). */
import { addDays, formatLocalDate, isLocalDate } from '../../_lib/local-time';
import { useHydrated } from '@/lib/use-hydrated';

interface Props {
  date: string;
  today: string;
  onChange: (date: string) => void;
}

export function DateNav({ date, today, onChange }: Props) {
  const atStart = date <= today;
  // Disabled until the page hydrates: before that a click or a picked date would be lost.
  const ready = useHydrated();
  return (
    <div className="date-nav">
      <button
        type="button"
        className="button date-nav__step"
        onClick={() => onChange(addDays(date, -1))}
        disabled={atStart || !ready}
        aria-label={`Previous day, ${formatLocalDate(addDays(date, -1))}`}
      >
        <span aria-hidden="true">←</span> <span className="wide-only">Previous</span>
      </button>
      <label className="date-nav__field">
        <span className="field-label">Date</span>
        <input
          type="date"
          value={date}
          min={today}
          disabled={!ready}
          onChange={(event) => {
            const value = event.target.value;
            if (isLocalDate(value)) onChange(value < today ? today : value);
          }}
        />
      </label>
      <button
        type="button"
        className="button date-nav__step"
        onClick={() => onChange(addDays(date, 1))}
        disabled={!ready}
        aria-label={`Next day, ${formatLocalDate(addDays(date, 1))}`}
      >
        <span className="wide-only">Next</span> <span aria-hidden="true">→</span>
      </button>
    </div>
  );
}
