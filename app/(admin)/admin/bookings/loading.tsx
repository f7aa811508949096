/** Shown while a booking search runs. */
export default function Loading() {
  return (
    <p className="muted" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading bookings…
    </p>
  );
}
