import type Stripe from 'stripe';
import type { Sql } from '@/db/client';
import type { JobToSend } from '@/jobs/enqueue';

/** What handling one event did: recorded on the event row, and the jobs it needs. */
export interface EventResult {
  outcome: string;
  bookingNumber: string | null;
  jobs: JobToSend[];
}

/** Handles one type of event inside the transaction that records it. */
export type EventHandler = (event: Stripe.Event, tx: Sql) => Promise<EventResult>;
