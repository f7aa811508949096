/**
 * /admin/bookings: every booking, newest first, with search (number, name, email) and filters
 * (status, local start dates) as GET parameters, so a filtered list is a link. Late payments
 * that must be refunded (refund_due) are counted above the list whatever the filter. The list as
 * it is filtered downloads as CSV (every page).
 */
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { bookingStatuses, EXPORT_LIMIT, searchBookings, type BookingPage, type BookingStatus } from '@/db/admin-bookings';
import { AppError } from '@/db/errors';
import { requireStaff } from '@/lib/current-staff';
import { LocalDate } from '@/lib/schemas';
import styles from './bookings.module.css';
import { formatLocal, money, paymentLabel, STATUS_LABELS } from './format';

export const metadata: Metadata = { title: 'Bookings' };

const PAGE_SIZE = 25;

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

interface Filters {
  q: string;
  status: BookingStatus | '';
  from: string;
  to: string;
  page: number;
}

function one(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

function readFilters(params: Record<string, string | string[] | undefined>): { filters: Filters; problems: string[] } {
  const problems: string[] = [];
  const status = one(params.status);
  const from = one(params.from);
  const to = one(params.to);
  const page = Number(one(params.page) || '1');
  const filters: Filters = {
    q: one(params.q).slice(0, 200),
    status: (bookingStatuses as readonly string[]).includes(status) ? (status as BookingStatus) : '',
    from: LocalDate.safeParse(from).success ? from : '',
    to: LocalDate.safeParse(to).success ? to : '',
    page: Number.isInteger(page) && page >= 1 && page <= 10_000 ? page : 1,
  };
  if (status && !filters.status) problems.push(`“${status}” is not a status; showing every status.`);
  if (from && !filters.from) problems.push('The “from” date is not a date; it is ignored.');
  if (to && !filters.to) problems.push('The “to” date is not a date; it is ignored.');
  if (filters.from && filters.to && filters.to < filters.from) {
    problems.push('The dates run backwards; they are swapped.');
    [filters.from, filters.to] = [filters.to, filters.from];
  }
  return { filters, problems };
}

/** The filters as GET parameters (the page only past the first), on `path`. */
function withFilters(path: string, filters: Filters): string {
  const params = new URLSearchParams();
  if (filters.q) params.set('q', filters.q);
  if (filters.status) params.set('status', filters.status);
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.page > 1) params.set('page', String(filters.page));
  const query = params.toString();
  return `${path}${query ? `?${query}` : ''}`;
}

function hrefFor(filters: Filters, change: Partial<Filters>): string {
  return withFilters('/admin/bookings', { ...filters, ...change });
}

/** The CSV of every booking these filters match (all pages): GET /api/admin/bookings/export. */
function exportHref(filters: Filters): string {
  return withFilters('/api/admin/bookings/export', { ...filters, page: 1 });
}

export default async function BookingsPage({ searchParams }: Props) {
  await connection();
  await requireStaff();
  const { filters, problems } = readFilters(await searchParams);

  let result: BookingPage | null = null;
  let failure: string | null = null;
  try {
    result = await searchBookings({
      query: filters.q || undefined,
      status: filters.status || undefined,
      from: filters.from || undefined,
      to: filters.to || undefined,
      limit: PAGE_SIZE,
      offset: (filters.page - 1) * PAGE_SIZE,
    });
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    failure = err.message;
  }
  const filtered = Boolean(filters.q || filters.status || filters.from || filters.to);
  const first = result && result.total > 0 ? result.offset + 1 : 0;
  const last = result ? result.offset + result.rows.length : 0;

  return (
    <div>
      <div className={styles.head}>
        <h1>Bookings</h1>
        <Link href="/admin/bookings/new" className="button button--primary">
          New phone or walk-in booking
        </Link>
      </div>

      {result && result.refundDue > 0 && (
        <div className={styles.alert} role="status" data-testid="refund-due-alert">
          <p>
            <strong>
              {result.refundDue === 1 ? '1 late payment' : `${result.refundDue} late payments`} could not be honoured
            </strong>{' '}
            — the seats were gone when the money arrived. Each is refunded in full automatically and is listed here until Stripe has made the refund.{' '}
            <Link href={hrefFor({ q: '', status: 'refund_due', from: '', to: '', page: 1 }, {})}>Show them</Link>
          </p>
        </div>
      )}

      <form method="get" action="/admin/bookings" className={`card ${styles.filters}`} role="search" aria-label="Search bookings">
        <div className={styles.grow}>
          <label htmlFor="q">Booking number, name or email</label>
          <input id="q" name="q" type="search" defaultValue={filters.q} maxLength={200} placeholder="BK-… or Ada" />
        </div>
        <div>
          <label htmlFor="status">Status</label>
          <select id="status" name="status" defaultValue={filters.status}>
            <option value="">Any status</option>
            {bookingStatuses.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="from">Starts from (local date)</label>
          <input id="from" name="from" type="date" defaultValue={filters.from} />
        </div>
        <div>
          <label htmlFor="to">Starts until</label>
          <input id="to" name="to" type="date" defaultValue={filters.to} />
        </div>
        <div className={styles.filterActions}>
          <button type="submit" className="button button--primary">
            Search
          </button>
          {filtered && (
            <Link href="/admin/bookings" className="button button--quiet">
              Clear
            </Link>
          )}
        </div>
      </form>

      {problems.length > 0 && (
        <div className={styles.info} role="status">
          {problems.map((p) => (
            <p key={p}>{p}</p>
          ))}
        </div>
      )}

      {failure && (
        <div className={styles.alert} role="alert">
          <p>{failure}</p>
        </div>
      )}

      {result && (
        <section className="card" aria-labelledby="results-heading">
          <h2 id="results-heading" className="visually-hidden">
            Results
          </h2>
          {result.rows.length === 0 ? (
            <div className="empty-state" data-testid="bookings-empty">
              <p>{filtered ? 'No booking matches this search.' : 'No bookings yet.'}</p>
              {filtered && <Link href="/admin/bookings">Show every booking</Link>}
            </div>
          ) : (
            <div className={styles.wrap}>
              <table className={styles.table} data-testid="bookings-table">
                <caption>
                  {first}–{last} of {result.total} {result.total === 1 ? 'booking' : 'bookings'} ·{' '}
                  <a href={exportHref(filters)} download data-testid="bookings-export">
                    Download {result.total > EXPORT_LIMIT ? `the newest ${EXPORT_LIMIT.toLocaleString('en')}` : result.total === 1 ? 'it' : `all ${result.total}`} as CSV
                  </a>
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Booking</th>
                    <th scope="col">Status</th>
                    <th scope="col">Customer</th>
                    <th scope="col">First start (local)</th>
                    <th scope="col" className={styles.num}>
                      People
                    </th>
                    <th scope="col" className={styles.num}>
                      Total
                    </th>
                    <th scope="col" className={styles.hideNarrow}>
                      Payment
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {result.rows.map((r) => (
                    <tr key={r.bookingNumber} data-testid="booking-row" data-booking={r.bookingNumber} data-status={r.status}>
                      <td>
                        <Link href={`/admin/bookings/${r.bookingNumber}`} className="mono">
                          {r.bookingNumber}
                        </Link>
                      </td>
                      <td>
                        <span className={`${styles.status} ${styles[`status_${r.status}`] ?? ''}`}>{STATUS_LABELS[r.status]}</span>
                      </td>
                      <td>
                        {r.customerName ?? <span className="muted">no name yet</span>}
                        {r.customerEmail && (
                          <>
                            <br />
                            <span className="muted">{r.customerEmail}</span>
                          </>
                        )}
                      </td>
                      <td>
                        {formatLocal(r.localFirstStartsAt)}
                        <br />
                        <span className="muted">
                          {r.experiences.join(', ')}
                          {r.itemCount > 1 && ` (${r.itemCount} times)`}
                        </span>
                      </td>
                      <td className={styles.num}>{r.people}</td>
                      <td className={styles.num}>
                        {money(r.totalMinor, r.currency)}
                        {r.refundedMinor > 0 && (
                          <>
                            <br />
                            <span className="muted">refunded {money(r.refundedMinor, r.currency)}</span>
                          </>
                        )}
                      </td>
                      <td className={styles.hideNarrow}>{paymentLabel(r.paymentProvider)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {result.total > PAGE_SIZE && (
            <nav className={styles.pager} aria-label="Pages">
              {filters.page > 1 ? (
                <Link href={hrefFor(filters, { page: filters.page - 1 })} rel="prev">
                  ← Newer
                </Link>
              ) : (
                <span aria-disabled="true">← Newer</span>
              )}
              <span className="muted">
                Page {filters.page} of {Math.max(1, Math.ceil(result.total / PAGE_SIZE))}
              </span>
              {last < result.total ? (
                <Link href={hrefFor(filters, { page: filters.page + 1 })} rel="next">
                  Older →
                </Link>
              ) : (
                <span aria-disabled="true">Older →</span>
              )}
            </nav>
          )}
        </section>
      )}
    </div>
  );
}
