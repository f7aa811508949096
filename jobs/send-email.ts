/**
 * Queue `send-email`: one job per outbox row (queued in the same transaction as the confirmation
 * or refund that needs it, jobs/enqueue.ts). The job renders the email into the outbox once,
 * then sends it through Resend with the outbox id as idempotency key, so a retry after a lost
 * answer cannot send it twice. A provider failure is retried with backoff; it never touches the
 * booking, which stays confirmed whatever happens here.
 */
import { z } from 'zod';
import { outboxEntry, recordEmailAttempt, storedEmail, storeRenderedEmail } from '@/db/emails';
import { EmailBooking } from '@/emails/email-booking';
import { renderEmail } from '@/emails/render';
import { env } from '@/lib/env';
import { logger } from '@/lib/logger';
import { resend } from '@/lib/resend';

export const sendEmail = {
  name: 'send-email',
  // 1 s, 2 s, 4 s … capped at 10 minutes: about three hours of retries before `failed`.
  options: { retryLimit: 24, retryDelay: 1, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 120 },
  payload: z.object({ outboxId: z.number().int().positive() }),
} as const;
export type SendEmailPayload = z.infer<typeof sendEmail.payload>;

/** The jobs that send these outbox rows. */
export function emailJobs(outboxIds: readonly number[]): { queue: string; data: SendEmailPayload }[] {
  return outboxIds.map((outboxId) => ({ queue: sendEmail.name, data: { outboxId } }));
}

/** Where the site lives, for links in emails. */
export function siteUrl(): string {
  return env().SITE_URL ?? `http://localhost:${env().PORT}`;
}

export async function handleSendEmail(jobs: { id: string; data: unknown; retryCount: number }[]): Promise<void> {
  for (const job of jobs) {
    const { outboxId } = sendEmail.payload.parse(job.data);
    await deliver(outboxId, job.id, job.retryCount >= sendEmail.options.retryLimit);
  }
}

async function deliver(outboxId: number, jobId: string, lastAttempt: boolean): Promise<void> {
  const entry = await outboxEntry(outboxId);
  if (!entry || entry.status === 'sent') return;
  const log = logger.child({ queue: sendEmail.name, jobId, outboxId, kind: entry.kind });

  let email = await storedEmail(outboxId);
  if (!email) {
    const booking = EmailBooking.parse({ ...entry.booking, siteUrl: siteUrl() });
    const rendered = await renderEmail(entry.kind, booking);
    const recipient = entry.kind === 'staff_notification' ? (env().STAFF_EMAIL ?? null) : booking.customerEmail || null;
    await storeRenderedEmail(outboxId, { recipient, ...rendered });
    email = (await storedEmail(outboxId))!;
  }

  const client = resend();
  if (!client || !email.recipient) {
    const why = !client ? 'RESEND_API_KEY is not set' : 'no recipient (set STAFF_EMAIL for staff notifications)';
    await recordEmailAttempt(outboxId, { status: 'not_sent', error: why });
    log.info({ event: 'email_not_sent', why }, 'Email kept in the outbox');
    return;
  }

  const { data, error } = await client.emails.send(
    {
      from: env().EMAIL_FROM,
      to: [email.recipient],
      subject: email.subject,
      html: email.html,
      text: email.text,
      attachments: email.attachments.map((a) => ({ filename: a.filename, content: a.content, contentType: a.contentType })),
      tags: [{ name: 'kind', value: entry.kind }],
    },
    { idempotencyKey: `holdfast-email-${outboxId}` },
  );
  if (error || !data) {
    const message = error ? `${error.name}: ${error.message}` : 'no answer';
    await recordEmailAttempt(outboxId, { status: lastAttempt ? 'failed' : 'queued', error: message });
    log.error({ event: 'email_failed', attempt: entry.attempts + 1, lastAttempt, error: message }, 'Failed to send confirmation email');
    throw new Error(`Email ${outboxId} not sent: ${message}`);
  }
  await recordEmailAttempt(outboxId, { status: 'sent', providerId: data.id });
  log.info({ event: 'email_sent', providerId: data.id }, 'Email sent');
}
