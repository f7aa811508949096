/**
 * A time on an experience's own clock. It prints the database's local times (`localStartsAt`,
 * with their offset) and converts nothing, so the server's HTML and the browser's render are
 * the same text whatever time-zone data either carries: no re-render after hydration is needed.
 */
import { formatLocalRange } from '@/emails/format';
import { formatStart, zoneLabel } from '../_lib/local-time';

type Props =
  | { kind: 'start'; local: string; timeZone: string }
  | { kind: 'range'; local: string; localEnd: string; timeZone: string }
  /** The zone's name, with the offset in force at `local` when there is one. */
  | { kind: 'zone'; local: string | null; timeZone: string };

function label(props: Props): string {
  switch (props.kind) {
    case 'start':
      return formatStart(props.local, props.timeZone);
    case 'range':
      return formatLocalRange(props.local, props.localEnd, props.timeZone);
    case 'zone':
      return zoneLabel(props.timeZone, props.local);
  }
}

export function LocalTime(props: Props) {
  // A local date-time with its offset is a valid <time datetime> (the same instant as startsAt).
  return props.local ? <time dateTime={props.local}>{label(props)}</time> : <span>{label(props)}</span>;
}
