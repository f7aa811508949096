'use client';
/*
 * Something failed while showing a customer page. Say so plainly, keep the way forward (try again,
 * or go home), and never show internals. A hold the visitor has is not affected by this page failing.
 */
import Link from 'next/link';
import { useEffect } from 'react';

export default function SiteError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div className="empty-state" role="alert">
      <h1>Something went wrong</h1>
      <p>We couldn’t show this page just now. Any seats you hold are still held.</p>
      <p>
        <button type="button" className="button button--primary" onClick={() => reset()}>
          Try again
        </button>{' '}
        <Link href="/" className="button">
          All experiences
        </Link>
      </p>
      {error.digest && <p className="muted">Reference: {error.digest}</p>}
    </div>
  );
}
