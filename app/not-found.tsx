import Link from 'next/link';

/* Any address that matches no route at all (outside the customer pages' own not-found). */
export default function NotFound() {
  return (
    <main id="main" className="empty-state">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <p>
        <Link href="/" className="button button--primary">
          See all experiences
        </Link>
      </p>
    </main>
  );
}
