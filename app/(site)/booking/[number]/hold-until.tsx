'use client';
/**
 * When a hold ends, on the visitor's own clock (it is their deadline, not the venue's), and how
 * long that is from now (on the server's clock, which decides when it ends). Rendered in the
 * browser: the server does not know the visitor's zone.
 */
import { useEffect, useState } from 'react';
import { serverNow } from '@/lib/server-clock';

export function HoldUntil({ expiresAt }: { expiresAt: string }) {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    const update = () => {
      const at = new Date(expiresAt);
      const minutes = Math.max(0, Math.round((at.getTime() - serverNow()) / 60_000));
      const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }).format(at);
      setText(`${time} your time (in about ${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`);
    };
    update();
    const timer = window.setInterval(update, 30_000);
    return () => window.clearInterval(timer);
  }, [expiresAt]);
  return <time dateTime={expiresAt}>{text ?? new Date(expiresAt).toISOString().slice(11, 16) + ' UTC'}</time>;
}
