/* The basket's shape while the booking is read. */
export default function Loading() {
  return (
    <div className="skeleton-page" aria-busy="true">
      <p className="visually-hidden" role="status">
        Loading your basket…
      </p>
      <div className="skeleton skeleton--title" />
      <div className="skeleton skeleton--card" />
    </div>
  );
}
