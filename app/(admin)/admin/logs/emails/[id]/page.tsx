/**
 * /admin/logs/emails/<id>: one email of the outbox as it was rendered — the stored HTML in a
 * sandboxed iframe (no scripts, no same-origin access, no forms or navigation), and the text part.
 */
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { staffEmail } from '@/db/admin-insights';
import { requireStaff } from '@/lib/current-staff';
import styles from '../../logs.module.css';
import { utc } from '../../format';

export const metadata: Metadata = { title: 'Email preview' };

export default async function EmailPreviewPage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  await requireStaff();
  const { id } = await params;
  if (!/^[1-9]\d{0,17}$/.test(id)) notFound();
  const email = await staffEmail(Number(id));
  if (!email) notFound();

  return (
    <div>
      <p>
        <Link href="/admin/logs">← Logs</Link>
      </p>
      <h1>{email.subject ?? `${email.kind.replace('_', ' ')} (not rendered yet)`}</h1>
      <section className="card" aria-labelledby="email-facts">
        <h2 id="email-facts" className="visually-hidden">
          Delivery
        </h2>
        <dl className="facts facts--inline">
          <div>
            <dt>Kind</dt>
            <dd>{email.kind.replace('_', ' ')}</dd>
          </div>
          <div>
            <dt>Booking</dt>
            <dd className="mono">{email.bookingNumber}</dd>
          </div>
          <div>
            <dt>To</dt>
            <dd>{email.recipient ?? 'no recipient'}</dd>
          </div>
          <div>
            <dt>Status</dt>
            <dd>
              <span className={`tag ${styles[`status_${email.status}`]}`} data-testid="email-status">
                {email.status.replace('_', ' ')}
              </span>
            </dd>
          </div>
          <div>
            <dt>Attempts</dt>
            <dd>{email.attempts}</dd>
          </div>
          <div>
            <dt>Queued</dt>
            <dd>{utc(email.createdAt)}</dd>
          </div>
          <div>
            <dt>Sent</dt>
            <dd>{utc(email.sentAt)}</dd>
          </div>
          {email.attachments.length > 0 && (
            <div>
              <dt>Attachments</dt>
              <dd>{email.attachments.map((a) => a.filename).join(', ')}</dd>
            </div>
          )}
        </dl>
        {email.lastError && <p className={styles.error}>Last error: {email.lastError}</p>}
      </section>

      {email.html === null ? (
        <p className="empty-state">This email has not been rendered yet: the send-email job renders it into the outbox first.</p>
      ) : (
        <>
          <section className="card" aria-labelledby="html-heading">
            <h2 id="html-heading">HTML</h2>
            {/* sandbox="" : no scripts, no same-origin, no forms, no top navigation. */}
            <iframe
              className={styles.preview}
              sandbox=""
              referrerPolicy="no-referrer"
              srcDoc={email.html}
              title={`Preview of the email “${email.subject ?? email.kind}”`}
              data-testid="email-html"
            />
          </section>
          <section className="card" aria-labelledby="text-heading">
            <h2 id="text-heading">Text part</h2>
            {/* It scrolls: focusable, so the keyboard can scroll it too. */}
            <pre className={styles.textPart} data-testid="email-text" tabIndex={0} aria-labelledby="text-heading">
              {email.text}
            </pre>
          </section>
        </>
      )}
    </div>
  );
}
