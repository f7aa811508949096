'use client';
/** "Run cleanup now": posts the sweep action and says how many holds it released. */
import { useActionState } from 'react';
import { runCleanupAction, type CleanupResult } from './actions';

export function CleanupButton() {
  const [result, run, pending] = useActionState<CleanupResult | null>(runCleanupAction, null);
  return (
    <form action={run}>
      <button type="submit" className="button button--primary" disabled={pending}>
        {pending ? 'Cleaning up…' : 'Run cleanup now'}
      </button>{' '}
      <span role="status" aria-live="polite" data-testid="cleanup-result" data-released={result?.released ?? undefined}>
        {result?.message}
      </span>
    </form>
  );
}
