'use client';
/**
 * The server's "now", re-read every `intervalMs` while `active` (countdowns, expiry checks).
 *
 * While the server renders and while the browser hydrates that HTML, "now" is the moment the
 * server rendered the page (`RenderedAt`, provided by the (site) layout through BookingProvider):
 * the browser's first render then prints exactly what the server printed, whatever the visitor's
 * clock says, and hydration cannot fail on a hold that looks lapsed to a fast clock or a second
 * that ticked in between. From then on it is the server's clock as estimated in the browser
 * (lib/server-clock).
 */
import { createContext, useContext, useEffect, useState } from 'react';
import { serverNow } from '@/lib/server-clock';
import { useHydrated } from './use-hydrated';

/** When the server rendered the page, on its clock (ms); null outside a server-rendered page. */
export const RenderedAt = createContext<number | null>(null);

export function useNow(active: boolean, intervalMs = 250): number {
  const renderedAt = useContext(RenderedAt);
  const hydrated = useHydrated();
  const [ticked, setTicked] = useState<number | null>(null);
  useEffect(() => {
    if (!active) return;
    setTicked(serverNow());
    const timer = window.setInterval(() => setTicked(serverNow()), intervalMs);
    return () => window.clearInterval(timer);
  }, [active, intervalMs]);
  if (ticked !== null) return ticked;
  return hydrated || renderedAt === null ? serverNow() : renderedAt;
}
