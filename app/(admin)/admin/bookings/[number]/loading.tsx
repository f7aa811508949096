/** Shown while a booking is read. */
export default function Loading() {
  return (
    <p className="muted" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading the booking…
    </p>
  );
}
