import Link from 'next/link';

/* An experience or page that does not exist (or no longer does). */
export default function NotFound() {
  return (
    <div className="empty-state">
      <h1>We couldn’t find that</h1>
      <p>The experience or page you were looking for isn’t here. It may have been renamed or is no longer offered.</p>
      <p>
        <Link href="/" className="button button--primary">
          See all experiences
        </Link>
      </p>
    </div>
  );
}
