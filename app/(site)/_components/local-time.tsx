'use client';
/**
 * A time on an experience's own clock, for server-rendered pages: rendered by the server, then
 * re-rendered by the browser once hydrated (see use-hydrated.ts for why both).
 */
import { formatLocalRange } from '@/emails/format';
import { formatStart, zoneLabel } from '../_lib/local-time';
import { useHydrated } from '../_lib/use-hydrated';

type Props =
  | { kind: 'start'; instant: string; timeZone: string }
  | { kind: 'range'; instant: string; endsAt: string; timeZone: string }
  | { kind: 'zone'; instant: string; timeZone: string };

function text(props: Props): string {
  switch (props.kind) {
    case 'start':
      return formatStart(props.instant, props.timeZone);
    case 'range':
      return formatLocalRange(props.instant, props.endsAt, props.timeZone);
    case 'zone':
      return zoneLabel(props.timeZone, props.instant);
  }
}

export function LocalTime(props: Props) {
  const hydrated = useHydrated();
  return (
    <time key={hydrated ? 'browser' : 'server'} dateTime={props.instant} suppressHydrationWarning>
      {text(props)}
    </time>
  );
}
