/**
 * /admin/metrics: the monitoring list over a chosen period — reservations and conflicts,
 * releases by tier, orphaned holds, hold-to-payment conversion, abandonment, late payments and
 * refunds — as numbers and simple charts. Every number comes from api.staff_metrics
 * (db/migrations/0009_admin_insights.sql, where the same definitions are written down).
 */
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { metricsClock, staffMetricsDays, type StaffMetrics } from '@/db/admin-insights';
import { formatMoney } from '@/emails/format';
import { requireStaff } from '@/lib/current-staff';
import { BarTable, DailyStackedBars } from './charts';
import styles from './metrics.module.css';
import { PRESETS, periodFromParams } from './period';

export const metadata: Metadata = { title: 'Metrics' };

const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)} %`);

const TIERS: { key: keyof Omit<StaffMetrics['releases'], 'total'>; note: string }[] = [
  { key: 'beacon', note: 'page closed' },
  { key: 'customer', note: 'released by the customer' },
  { key: 'job', note: 'expiry job at expires_at' },
  { key: 'sweep', note: 'cron sweep or Run cleanup now' },
  { key: 'lazy', note: 'freed by a read or reservation' },
  { key: 'staff', note: 'released by staff' },
  { key: 'payment', note: 'checkout expired or failed' },
];

function Tile({ id, label, value, detail, help }: { id: string; label: string; value: string; detail?: string; help: string }) {
  return (
    <div className={styles.tile} data-testid={`metric-${id}`}>
      <dt>{label}</dt>
      <dd>
        <span className={styles.value} data-value={value}>
          {value}
        </span>
        {detail && <span className={styles.detail}>{detail}</span>}
        <span className={styles.help}>{help}</span>
      </dd>
    </div>
  );
}

export default async function MetricsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  await requireStaff();
  const [params, clock] = await Promise.all([searchParams, metricsClock()]);
  const period = periodFromParams(params, clock.today);
  const m = await staffMetricsDays({ from: period.from, to: period.to });
  const r = m.reservations;
  const b = m.bookings;
  const p = m.payments;
  const conflictCodes = Object.entries(r.conflictsByCode).map(([code, n]) => `${n} ${code.replace('_', ' ')}`).join(', ');

  return (
    <div className={styles.page}>
      <h1>Metrics</h1>

      <form method="get" className={`card ${styles.picker}`} aria-label="Period">
        <nav aria-label="Preset periods" className={styles.presets}>
          {PRESETS.map((preset) => (
            <Link key={preset.id} href={`/admin/metrics?preset=${preset.id}`} className="button" aria-current={period.preset === preset.id ? 'page' : undefined}>
              {preset.label}
            </Link>
          ))}
        </nav>
        <label>
          From <input type="date" name="from" defaultValue={period.from} required />
        </label>
        <label>
          To <input type="date" name="to" defaultValue={period.to} required />
        </label>
        <button type="submit" className="button button--primary">
          Show
        </button>
        <p className={`muted ${styles.periodLine}`} data-testid="metrics-period">
          {period.from === period.to ? period.from : `${period.from} to ${period.to}`} (days in {m.timezone}, both included; {period.days} day
          {period.days === 1 ? '' : 's'})
        </p>
        {period.problem && (
          <p role="alert" className="notice">
            {period.problem}
          </p>
        )}
      </form>

      <dl className={styles.tiles}>
        <Tile
          id="success-rate"
          label="Reservation success rate"
          value={percent(r.successRate)}
          detail={`${r.successes} of ${r.attempts} attempts`}
          help="Attempts that took seats, over every attempt that reached the seats (taken or refused)."
        />
        <Tile
          id="conflicts"
          label="Conflicts"
          value={String(r.conflicts)}
          detail={conflictCodes || 'none'}
          help="Attempts refused because the seats (or the shared resource) were gone."
        />
        <Tile
          id="orphans"
          label="Orphaned holds now"
          value={String(m.orphanedHolds.count)}
          detail={m.orphanedHolds.oldestExpiresAt ? `oldest lapsed ${new Date(m.orphanedHolds.oldestExpiresAt).toISOString().slice(0, 19).replace('T', ' ')} UTC` : 'none'}
          help="Right now, whatever the period: holds past their expiry that no tier has released yet (they already count as free)."
        />
        <Tile
          id="conversion"
          label="Hold-to-payment conversion"
          value={percent(b.conversionRate)}
          detail={`${b.converted} of ${b.created} bookings`}
          help="Bookings first held in the period that were confirmed (paid, paid late, or pay on arrival), by now."
        />
        <Tile
          id="abandonment"
          label="Abandonment rate"
          value={percent(b.abandonmentRate)}
          detail={`${b.abandoned} of ${b.created} bookings`}
          help="Bookings first held in the period that expired or were released by the customer (page closed or clicked) and never paid."
        />
        <Tile
          id="late-payments"
          label="Late payments"
          value={String(p.latePaymentsReacquired + p.refundDue)}
          detail={`${p.latePaymentsReacquired} took their seats again, ${p.refundDue} to refund`}
          help="Payments that arrived after the hold lapsed: the same seats re-taken, or refund due because they were gone."
        />
        <Tile
          id="refunds"
          label="Refunds"
          value={String(p.refunds.reduce((n, x) => n + x.count, 0))}
          detail={p.refunds.map((x) => formatMoney(x.amountMinor, x.currency)).join(' + ') || 'none'}
          help="Payments refunded in the period (late payments, duplicate payments, refunds made at Stripe) and their amount."
        />
        <Tile
          id="confirmed"
          label="Confirmed"
          value={String(p.confirmed)}
          detail={`${p.checkoutsStarted} Stripe checkouts started`}
          help="Bookings confirmed in the period, whenever they were held."
        />
      </dl>

      <section className="card" aria-labelledby="charts-heading">
        <h2 id="charts-heading">Per day</h2>
        <DailyStackedBars
          id="chart-reservations"
          title="Reservation attempts: taken and refused"
          days={m.daily}
          series={[
            { key: 'successes', label: 'Taken', tone: 'accent' },
            { key: 'conflicts', label: 'Refused (conflict)', tone: 'danger' },
          ]}
        />
        <DailyStackedBars
          id="chart-outcomes"
          title="Bookings confirmed and holds released"
          days={m.daily}
          series={[
            { key: 'confirmed', label: 'Confirmed', tone: 'ok' },
            { key: 'releases', label: 'Released or expired', tone: 'muted' },
          ]}
        />
      </section>

      <section className="card" aria-labelledby="releases-heading">
        <h2 id="releases-heading">Releases by tier ({m.releases.total})</h2>
        <BarTable
          id="releases-by-tier"
          title="Holds given back in the period, by the cleanup path that released them"
          rows={TIERS.map((t) => ({ label: t.key, value: m.releases[t.key], note: t.note }))}
        />
      </section>

      <details className={`card ${styles.definitions}`}>
        <summary>How these numbers are counted</summary>
        <p>
          Everything comes from the booking history (<code>booking_events</code>) of the period: from the first day at 00:00
          up to, not including, the day after the last, on the clock of most of the experiences on sale ({m.timezone}), so a
          day with a daylight-saving change has 23 or 25 hours. An event belongs to the period when its transaction started in it.
        </p>
        <dl>
          <dt>Attempts, successes, conflicts</dt>
          <dd>A success is a <code>reserved</code> event (a new booking, or seats added to one); a conflict is a <code>conflict</code> event (sold out, or the shared resource taken). Attempts are both together; success rate = successes ÷ attempts. Requests refused for bad input (too many people, a closed start time) never reach the seats and are not counted.</dd>
          <dt>Releases by tier</dt>
          <dd><code>released</code> and <code>expired</code> events by the tier that gave the hold back: beacon, customer, staff, payment (checkout expired), job, sweep, lazy.</dd>
          <dt>Orphaned holds</dt>
          <dd>Now, not in the period: bookings whose seats are still reserved although their <code>expires_at</code> has passed (by the database clock). They already count as free for customers; the next job, sweep or reservation releases them.</dd>
          <dt>Bookings created</dt>
          <dd>Bookings whose first <code>reserved</code> event is in the period.</dd>
          <dt>Hold-to-payment conversion</dt>
          <dd>Of the bookings created, those with a <code>confirmed</code> event at any time up to now, ÷ bookings created.</dd>
          <dt>Abandonment rate</dt>
          <dd>Of the bookings created, those with an <code>expired</code> event or a <code>released</code> event of tier beacon or customer (more of them than <code>resumed</code> events: a hold that a reload gave back and took up again is not abandoned), and no <code>confirmed</code> or <code>refund_due</code> event (no payment ever arrived), ÷ bookings created.</dd>
          <dt>Late payments</dt>
          <dd><code>late_payment_reacquired</code> events (paid after the hold lapsed, the same seats taken again) and <code>refund_due</code> events (paid after the hold lapsed, the seats were gone).</dd>
          <dt>Refunds</dt>
          <dd>Payments (booking and payment intent) with a <code>refunded</code> event in the period, per currency; the amount is, per payment, the sum of the refunds Holdfast made, or the cumulative refunded amount Stripe reported (<code>charge.refunded</code>) if that is more, so a refund seen both ways counts once.</dd>
          <dt>Rates</dt>
          <dd>A dash when there is nothing to divide by.</dd>
        </dl>
        <p>
          The same numbers, for the last 24 hours, are at <code>/api/metrics</code> in the Prometheus format (with <code>METRICS_TOKEN</code>).
        </p>
      </details>
    </div>
  );
}
