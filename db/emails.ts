/** Typed wrappers of the email outbox functions (db/migrations/0002_payments.sql). */
import { z } from 'zod';
import { sql as pool } from './client';
import { withRetry } from './retry';

export const EmailKind = z.enum(['confirmation', 'staff_notification', 'refund_notice']);
export type EmailKind = z.infer<typeof EmailKind>;

export const OutboxEntry = z.object({
  outboxId: z.number(),
  kind: EmailKind,
  status: z.enum(['queued', 'sent', 'not_sent', 'failed']),
  attempts: z.number(),
  rendered: z.boolean(),
  recipient: z.string().nullable(),
  /** Validated against emails/render.ts EmailBooking by the job that renders it. */
  booking: z.record(z.string(), z.unknown()),
});
export type OutboxEntry = z.infer<typeof OutboxEntry>;

/** An outbox row with everything its email shows, or null when there is no such row. */
export async function outboxEntry(outboxId: number): Promise<OutboxEntry | null> {
  const [row] = await withRetry(() => pool()`select api.email_content(${outboxId}::bigint) as result`);
  return OutboxEntry.nullable().parse(row?.result ?? null);
}

export interface RenderedForOutbox {
  recipient: string | null;
  subject: string;
  html: string;
  text: string;
  attachments: { filename: string; contentType: string; content: string }[];
}

/** Stores the rendered email once (a re-render after a crash leaves the first one). */
export async function storeRenderedEmail(outboxId: number, email: RenderedForOutbox): Promise<void> {
  const sql = pool();
  await withRetry(
    () => sql`
      select api.store_rendered_email(
        p_outbox_id => ${outboxId}::bigint, p_recipient => ${email.recipient}::text, p_subject => ${email.subject}::text,
        p_html => ${email.html}::text, p_text => ${email.text}::text,
        p_attachments => ${sql.json(email.attachments)}::jsonb)`,
  );
}

export interface StoredEmail {
  recipient: string | null;
  subject: string;
  html: string;
  text: string;
  attachments: { filename: string; contentType: string; content: string }[];
}

export async function storedEmail(outboxId: number): Promise<StoredEmail | null> {
  const [row] = await withRetry(
    () => pool()<StoredEmail[]>`
      select recipient, subject, html, text_body as text, coalesce(attachments, '[]') as attachments
        from data.email_outbox where id = ${outboxId} and html is not null`,
  );
  return row ?? null;
}

/** Records one delivery attempt's result. */
export async function recordEmailAttempt(
  outboxId: number,
  result: { status: 'queued' | 'sent' | 'not_sent' | 'failed'; providerId?: string | null; error?: string | null },
): Promise<void> {
  await withRetry(
    () => pool()`
      select api.record_email_attempt(p_outbox_id => ${outboxId}::bigint, p_status => ${result.status}::text,
                                      p_provider_id => ${result.providerId ?? null}::text, p_error => ${result.error ?? null}::text)`,
  );
}
