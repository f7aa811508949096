'use client';
/**
 * Keeps a view of an experience's availability live. The server pushes `slots` events within a
 * second of any change; we do not apply their raw numbers (they still count lapsed holds) but
 * re-read check-availability, debounced, which is the truth. Every (re)connection (`open`)
 * re-reads too, so whatever changed while the connection was down is picked up. The browser
 * retries dropped connections itself; when it gives up (an error answer, not a stream) we start
 * again after a pause. Coming back online (a laptop waking up) or to the tab re-reads as well.
 */
import { useEffect, useRef } from 'react';

const DEBOUNCE_MS = 100;
const RECONNECT_MS = 3000;

export function useLiveAvailability(experience: string, reread: () => void): void {
  const rereadRef = useRef(reread);
  rereadRef.current = reread;

  useEffect(() => {
    let source: EventSource | null = null;
    let debounce: number | undefined;
    let reconnect: number | undefined;
    let stopped = false;

    const schedule = () => {
      window.clearTimeout(debounce);
      debounce = window.setTimeout(() => rereadRef.current(), DEBOUNCE_MS);
    };
    const connect = () => {
      if (stopped || typeof EventSource !== 'function') return;
      source = new EventSource(`/api/availability/stream?experience=${encodeURIComponent(experience)}`);
      source.addEventListener('slots', schedule);
      source.addEventListener('open', schedule);
      source.addEventListener('error', () => {
        if (source?.readyState !== EventSource.CLOSED) return; // the browser is retrying
        source.close();
        window.clearTimeout(reconnect);
        reconnect = window.setTimeout(connect, RECONNECT_MS);
      });
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') schedule();
    };

    const onOnline = () => {
      schedule();
      // A stream that died while offline may be waiting out a long retry: start a fresh one.
      if (source?.readyState !== EventSource.OPEN) {
        source?.close();
        window.clearTimeout(reconnect);
        connect();
      }
    };

    connect();
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('online', onOnline);
    return () => {
      stopped = true;
      window.clearTimeout(debounce);
      window.clearTimeout(reconnect);
      source?.close();
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('online', onOnline);
    };
  }, [experience]);
}
