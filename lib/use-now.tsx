'use client';
/**
 * The server's "now" for countdowns and expiry checks on pages (the customer pages and the staff
 * live board), and the one moment it comes from before the browser knows better.
 *
 * While the server renders and while the browser hydrates that HTML, "now" is the moment the
 * server rendered the page (`ServerRenderTime`): the browser's first render then prints exactly
 * what the server printed, whatever the visitor's clock says, and hydration cannot fail on a hold
 * that looks lapsed to a fast clock or a second that ticked in between. From then on it is the
 * server's clock as estimated in the browser (lib/server-clock), first from that render time,
 * then from the Date headers of API answers.
 */
import { createContext, useContext, useEffect, useLayoutEffect, useState, type ReactNode } from 'react';
import { noteServerTime, serverNow } from '@/lib/server-clock';
import { useHydrated } from '@/lib/use-hydrated';

/** When the server rendered the page, on its clock (ms); null outside a ServerRenderTime. */
const RenderedAt = createContext<number | null>(null);

/**
 * Gives the page below it the moment the server rendered it (`at`, the server's Date.now()), and
 * estimates the browser's clock against the server's from it once per page load: a later render
 * (a refresh of the layout) must not override a newer estimate from an API answer. A layout
 * effect, so the estimate is in before any countdown below starts ticking.
 */
export function ServerRenderTime({ at, children }: { at: number; children: ReactNode }) {
  const [first] = useState(at);
  useLayoutEffect(() => noteServerTime(first, Date.now()), [first]);
  return <RenderedAt.Provider value={first}>{children}</RenderedAt.Provider>;
}

/** The server's "now", re-read every `intervalMs` while `active`. */
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
