/**
 * /admin/logs: what Holdfast did on its own — the email outbox (status, attempts, last error,
 * a preview of each email), the Stripe event log (type, outcome, deliveries, last error) — and
 * a "Run cleanup now" button that runs the lapsed-hold sweep at once.
 */
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { z } from 'zod';
import { EMAIL_STATUSES, EmailStatus, staffOutbox, staffStripeEvents } from '@/db/admin-insights';
import { requireStaff } from '@/lib/current-staff';
import { CleanupButton } from './cleanup-button';
import { utc } from './format';
import styles from './logs.module.css';

export const metadata: Metadata = { title: 'Logs' };

const PAGE_SIZE = 25;

const Params = z.object({
  emailStatus: EmailStatus.optional().catch(undefined),
  emailPage: z.coerce.number().int().min(1).max(100_000).catch(1),
  stripeType: z.string().regex(/^[a-z0-9_.]{1,100}$/).optional().catch(undefined),
  stripePage: z.coerce.number().int().min(1).max(100_000).catch(1),
});
type Params = z.infer<typeof Params>;

function href(params: Params, change: Partial<Params>): string {
  const next = { ...params, ...change };
  const q = new URLSearchParams();
  if (next.emailStatus) q.set('emailStatus', next.emailStatus);
  if (next.emailPage > 1) q.set('emailPage', String(next.emailPage));
  if (next.stripeType) q.set('stripeType', next.stripeType);
  if (next.stripePage > 1) q.set('stripePage', String(next.stripePage));
  const s = q.toString();
  return `/admin/logs${s ? `?${s}` : ''}`;
}

function Pager({ page, total, link, label }: { page: number; total: number; link: (page: number) => string; label: string }) {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  if (pages === 1) return null;
  return (
    <nav className={styles.pager} aria-label={label}>
      {page > 1 ? <Link href={link(page - 1)}>← Newer</Link> : <span />}
      <span className="muted">
        Page {page} of {pages}
      </span>
      {page < pages && <Link href={link(page + 1)}>Older →</Link>}
    </nav>
  );
}

export default async function LogsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireStaff();
  const raw = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const params = Params.parse({
    emailStatus: first(raw.emailStatus),
    emailPage: first(raw.emailPage),
    stripeType: first(raw.stripeType),
    stripePage: first(raw.stripePage),
  });
  const [outbox, stripe] = await Promise.all([
    staffOutbox({ limit: PAGE_SIZE, offset: (params.emailPage - 1) * PAGE_SIZE, filter: params.emailStatus }),
    staffStripeEvents({ limit: PAGE_SIZE, offset: (params.stripePage - 1) * PAGE_SIZE, filter: params.stripeType }),
  ]);
  const allEmails = Object.values(outbox.byStatus).reduce((a, b) => a + b, 0);
  const allEvents = Object.values(stripe.byType).reduce((a, b) => a + b, 0);

  return (
    <div>
      <h1>Logs</h1>

      <section className={`card ${styles.cleanup}`} aria-labelledby="cleanup-heading">
        <h2 id="cleanup-heading">Cleanup</h2>
        <p className="muted">
          Releases every hold whose time has run out, now — the same sweep the cron route and the worker run every minute
          (recorded as tier <code>sweep</code>). Lapsed holds already count as free for customers; this gives their seats back in
          the numbers too.
        </p>
        <CleanupButton />
      </section>

      <section className="card" aria-labelledby="outbox-heading">
        <h2 id="outbox-heading">Email outbox ({allEmails})</h2>
        <ul className={styles.filters} aria-label="Filter emails by status">
          <li>
            <Link href={href(params, { emailStatus: undefined, emailPage: 1 })} aria-current={!params.emailStatus ? 'page' : undefined}>
              All ({allEmails})
            </Link>
          </li>
          {EMAIL_STATUSES.map((s) => (
            <li key={s}>
              <Link href={href(params, { emailStatus: s, emailPage: 1 })} aria-current={params.emailStatus === s ? 'page' : undefined}>
                {s.replace('_', ' ')} ({outbox.byStatus[s] ?? 0})
              </Link>
            </li>
          ))}
        </ul>
        {outbox.items.length === 0 ? (
          <p className="empty-state">No emails{params.emailStatus ? ` with status ${params.emailStatus.replace('_', ' ')}` : ''}.</p>
        ) : (
          <div className={styles.wrap}>
            <table className="board-table" data-testid="outbox-table">
              <thead>
                <tr>
                  <th scope="col">Queued</th>
                  <th scope="col">Email</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {outbox.items.map((e) => (
                  <tr key={e.id} data-testid="outbox-row" data-email-id={e.id} data-booking={e.bookingNumber}>
                    <td>{utc(e.createdAt)}</td>
                    <td>
                      <Link href={`/admin/logs/emails/${e.id}`}>{e.subject ?? e.kind.replace('_', ' ')}</Link>
                      <br />
                      <span className="muted">
                        {e.kind.replace('_', ' ')} · <span className="mono">{e.bookingNumber}</span>
                        {e.recipient ? ` · ${e.recipient}` : ' · no recipient'}
                      </span>
                    </td>
                    <td>
                      <span className={`tag ${styles[`status_${e.status}`]}`}>{e.status.replace('_', ' ')}</span>
                      {e.sentAt && <div className="muted">{utc(e.sentAt)}</div>}
                    </td>
                    <td className="num">{e.attempts}</td>
                    <td className={styles.error}>{e.lastError ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager page={params.emailPage} total={outbox.total} label="Email pages" link={(page) => href(params, { emailPage: page })} />
      </section>

      <section className="card" aria-labelledby="stripe-heading">
        <h2 id="stripe-heading">Stripe events ({allEvents})</h2>
        {allEvents > 0 && (
          <ul className={styles.filters} aria-label="Filter Stripe events by type">
            <li>
              <Link href={href(params, { stripeType: undefined, stripePage: 1 })} aria-current={!params.stripeType ? 'page' : undefined}>
                All ({allEvents})
              </Link>
            </li>
            {Object.entries(stripe.byType).map(([type, n]) => (
              <li key={type}>
                <Link href={href(params, { stripeType: type, stripePage: 1 })} aria-current={params.stripeType === type ? 'page' : undefined}>
                  {type} ({n})
                </Link>
              </li>
            ))}
          </ul>
        )}
        {stripe.items.length === 0 ? (
          <p className="empty-state">No Stripe events{params.stripeType ? ` of type ${params.stripeType}` : ''}.</p>
        ) : (
          <div className={styles.wrap}>
            <table className="board-table" data-testid="stripe-table">
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">Event</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Deliveries</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {stripe.items.map((e) => (
                  <tr key={e.id} data-testid="stripe-row" data-event-id={e.id}>
                    <td>{utc(e.receivedAt)}</td>
                    <td>
                      {e.type}
                      <br />
                      <span className="muted mono">{e.id}</span>
                      {e.bookingNumber && <span className="muted"> · <span className="mono">{e.bookingNumber}</span></span>}
                    </td>
                    <td>
                      {e.processedAt ? (
                        <>
                          <span className="tag">{e.outcome ?? 'processed'}</span>
                          <div className="muted">{utc(e.processedAt)}</div>
                        </>
                      ) : (
                        <span className={`tag ${styles.status_failed}`}>not processed</span>
                      )}
                    </td>
                    <td className="num">{e.deliveries}</td>
                    <td className={styles.error}>{e.lastError ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager page={params.stripePage} total={stripe.total} label="Stripe event pages" link={(page) => href(params, { stripePage: page })} />
      </section>
    </div>
  );
}
