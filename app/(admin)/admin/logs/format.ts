/** "2026-11-25 17:37:32 UTC": log times in one zone, to the second. */
export function utc(ts: string | null): string {
  return ts ? `${new Date(ts).toISOString().slice(0, 19).replace('T', ' ')} UTC` : '—';
}
