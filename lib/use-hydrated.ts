'use client';
/**
 * False while the server renders and while the browser hydrates that HTML, true afterwards:
 * controls use it to say they are not ready yet (a click before hydration would be lost).
 *
 * Local times need no such care: they are the database's (`localStartsAt`), printed as given,
 * so the server and the browser render the same text whatever time-zone data each carries.
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
