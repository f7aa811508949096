/** How the staff pages print a start time: the database's local time as written (lib/wall-clock.ts). */
import { formatWallDate, offsetLabel, parseLocalIso } from '@/lib/wall-clock';

/** "Sat 27 Mar 2027, 09:00 GMT" from "2027-03-27T09:00:00+00:00". */
export function formatSlotStart(local: string): string {
  const wall = parseLocalIso(local);
  return `${formatWallDate(wall.date, 'medium')}, ${wall.time} ${offsetLabel(wall.offsetMinutes)}`;
}
