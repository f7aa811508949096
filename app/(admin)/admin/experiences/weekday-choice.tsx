/**
 * The weekday checkboxes of the schedule and close-or-reopen forms (ISO 1 = Monday … 7 =
 * Sunday), ticked as last submitted (`submitted`, the form's values: their `weekdays` "1,2,…", none
 * when the form was sent with every box clear) or all before the form is first sent. Each box is
 * keyed by whether it is ticked, so a form reset by its action shows the submitted choice again.
 */
import styles from './experiences.module.css';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export function WeekdayChoice({ submitted, invalid }: { submitted: Record<string, string> | undefined; invalid: boolean }) {
  const chosen = submitted ? (submitted.weekdays ?? '') : '1,2,3,4,5,6,7';
  const ticked = new Set(chosen.split(',').filter(Boolean));
  return (
    <fieldset className={styles.weekdays} aria-invalid={invalid || undefined}>
      <legend>Weekdays</legend>
      {WEEKDAYS.map((day, i) => (
        <label key={day}>
          <input type="checkbox" name="weekdays" value={i + 1} defaultChecked={ticked.has(String(i + 1))} key={`${day}-${ticked.has(String(i + 1))}`} /> {day}
        </label>
      ))}
    </fieldset>
  );
}
