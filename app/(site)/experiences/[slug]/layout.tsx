import type { ReactNode } from 'react';
import { connection } from 'next/server';
import { overviewOf } from './overview';

/*
 * Only checks that the experience exists. It runs outside the page's loading boundary, so an
 * unknown experience gets a real 404 status instead of a streamed "not found" with status 200.
 */
export default async function ExperienceLayout({ children, params }: { children: ReactNode; params: Promise<{ slug: string }> }) {
  await connection();
  await overviewOf((await params).slug);
  return children;
}
