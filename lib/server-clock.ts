/**
 * The hold's expiry is decided by the database's clock, not the browser's. A visitor whose
 * computer clock is a few minutes off would otherwise see a countdown that lies. Every API
 * answer carries a `Date` header; from it we estimate how far the browser's clock is from the
 * server's and count down on the server's clock. The header has one-second resolution, so small
 * differences are ignored rather than chased. Fed by the page's render time (lib/use-now
 * `ServerRenderTime`), every answer of app/(site)/_lib/api-client and each re-read of the staff
 * live board. Browser-only state: on the server, where the page is first rendered, the offset
 * stays 0.
 */
let offsetMs = 0;

export function noteServerDate(header: string | null, sentAt: number, receivedAt: number): void {
  if (!header) return;
  const server = Date.parse(header);
  if (Number.isNaN(server)) return;
  // The header truncates to the second: the server's real time was on average half a second later.
  noteServerTime(server + 500, (sentAt + receivedAt) / 2);
}

/** The server's clock read `serverMs` when the browser's read `localMs` (both in milliseconds). */
export function noteServerTime(serverMs: number, localMs: number): void {
  const estimate = serverMs - localMs;
  offsetMs = Math.abs(estimate) > 1500 ? estimate : 0;
}

/** Now, on the server's clock, in milliseconds. */
export function serverNow(): number {
  return Date.now() + offsetMs;
}
