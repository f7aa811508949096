'use client';
/**
 * False while the server renders and while the browser hydrates that HTML, true afterwards.
 *
 * Why: local times are computed with each runtime's own time-zone database, and the server's
 * (Node's ICU) and the browser's can disagree when a zone's rules changed recently — for example
 * Node 20's tz 2025c still puts America/Vancouver on PST in November 2026, while PostgreSQL and
 * current browsers know British Columbia stays on UTC−7. Elements showing a local time are keyed
 * on this flag and marked suppressHydrationWarning: they hydrate with the server's text, then are
 * re-created with the browser's (identical in the usual case, so nothing visibly changes).
 */
import { useSyncExternalStore } from 'react';

const subscribe = () => () => {};

export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
