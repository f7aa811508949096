import Link from 'next/link';

/* A booking this browser does not hold: say so without revealing whether the number exists. */
export default function BookingNotFound() {
  return (
    <div className="empty-state">
      <h1>We can’t show this booking here</h1>
      <p>
        A booking can only be viewed in the browser it was made in. Your confirmation email has all the details of a
        confirmed booking.
      </p>
      <p>
        <Link href="/basket">Your basket</Link> · <Link href="/">All experiences</Link>
      </p>
    </div>
  );
}
