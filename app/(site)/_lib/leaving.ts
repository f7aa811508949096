/**
 * Set right before the page itself sends the browser away on purpose (to Stripe Checkout, or any
 * full-page navigation we start), so the `pagehide` handler does not give the hold back: the
 * visitor is not abandoning it, they are paying for it. Module-level on purpose: it must survive
 * until the very last moment of the page, whatever React is doing.
 */
let leaving = false;

export function markLeaving(): void {
  leaving = true;
}

/** Coming back through the back/forward cache brings the page back as it was; start over. */
export function clearLeaving(): void {
  leaving = false;
}

export function isLeaving(): boolean {
  return leaving;
}
