/* The experience page's shape while its start times are read: header, controls, fixed-size buttons. */
export default function Loading() {
  return (
    <div className="skeleton-page" aria-busy="true">
      <p className="visually-hidden" role="status">
        Loading start times…
      </p>
      <div className="skeleton skeleton--title" />
      <div className="skeleton skeleton--line" />
      <div className="skeleton skeleton--line skeleton--short" />
      <div className="start-times">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="start-time start-time--placeholder" />
        ))}
      </div>
    </div>
  );
}
