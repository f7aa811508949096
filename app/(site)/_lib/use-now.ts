'use client';
/** The server's "now", re-read every `intervalMs` while `active` (countdowns, expiry checks). */
import { useEffect, useState } from 'react';
import { serverNow } from '@/lib/server-clock';

export function useNow(active: boolean, intervalMs = 250): number {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    if (!active) return;
    setNow(serverNow());
    const timer = window.setInterval(() => setNow(serverNow()), intervalMs);
    return () => window.clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}
