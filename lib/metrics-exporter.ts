/**
 * The Prometheus exposition of GET /api/metrics (prom-client). The business numbers come from
 * api.staff_metrics over the last 24 hours (label window="24h") and the orphaned holds now; they
 * are gauges (a window's counts go down as it slides). Each scrape builds them in a registry of
 * its own from one database answer, so concurrent scrapes never mix; the process's own metrics
 * (CPU, memory, event loop, GC) live in one registry per process, kept on globalThis so a
 * re-imported module (dev reloads) does not register them twice.
 */
import 'server-only';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { recentStaffMetrics, RELEASE_TIERS, type StaffMetrics } from '@/db/admin-insights';

export const METRICS_WINDOW = { label: '24h', seconds: 24 * 60 * 60 } as const;

const processKey = Symbol.for('holdfast.metrics.processRegistry');

function processRegistry(): Registry {
  const store = globalThis as unknown as Record<symbol, Registry | undefined>;
  let registry = store[processKey];
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'holdfast_' });
    store[processKey] = registry;
  }
  return registry;
}

/** The business gauges of one scrape, filled from one metrics answer. */
export function businessRegistry(m: StaffMetrics, windowLabel: string = METRICS_WINDOW.label): Registry {
  const registry = new Registry();
  const w = { window: windowLabel };
  const gauge = (name: string, help: string, labelNames: string[] = ['window']) =>
    new Gauge({ name, help, labelNames, registers: [registry] });

  gauge('holdfast_reservation_attempts', 'Seat reservations attempted in the window (reserved + conflict events).').set(w, m.reservations.attempts);
  gauge('holdfast_reservation_successes', 'Seat reservations that took seats in the window (reserved events).').set(w, m.reservations.successes);
  const conflicts = gauge('holdfast_reservation_conflicts', 'Reservations refused in the window (conflict events), by code.', ['window', 'code']);
  for (const [code, n] of Object.entries(m.reservations.conflictsByCode)) conflicts.set({ ...w, code }, n);
  if (!Object.keys(m.reservations.conflictsByCode).length) conflicts.set({ ...w, code: 'sold_out' }, 0);
  const success = gauge('holdfast_reservation_success_ratio', 'Successes / attempts in the window (absent without attempts).');
  if (m.reservations.successRate !== null) success.set(w, m.reservations.successRate);

  const releases = gauge('holdfast_hold_releases', 'Holds given back in the window (released and expired events), by cleanup tier.', ['window', 'tier']);
  for (const tier of RELEASE_TIERS) releases.set({ ...w, tier }, m.releases[tier]);

  new Gauge({
    name: 'holdfast_orphaned_holds',
    help: 'Holds still reserved whose expires_at has passed (lapsed, not yet released by any tier), now.',
    registers: [registry],
  }).set(m.orphanedHolds.count);
  new Gauge({
    name: 'holdfast_orphaned_hold_oldest_age_seconds',
    help: 'Seconds since the oldest orphaned hold lapsed (0 without orphans).',
    registers: [registry],
  }).set(m.orphanedHolds.oldestExpiresAt ? Math.max(0, (Date.parse(m.now) - Date.parse(m.orphanedHolds.oldestExpiresAt)) / 1000) : 0);

  gauge('holdfast_bookings_created', 'Bookings whose first hold was made in the window.').set(w, m.bookings.created);
  gauge('holdfast_bookings_converted', 'Of the bookings created in the window, those confirmed (hold to payment).').set(w, m.bookings.converted);
  gauge('holdfast_bookings_abandoned', 'Of the bookings created in the window, those expired or released by the customer without payment.').set(w, m.bookings.abandoned);
  const conversion = gauge('holdfast_hold_to_payment_ratio', 'Converted / created (absent without bookings).');
  if (m.bookings.conversionRate !== null) conversion.set(w, m.bookings.conversionRate);
  const abandonment = gauge('holdfast_abandonment_ratio', 'Abandoned / created (absent without bookings).');
  if (m.bookings.abandonmentRate !== null) abandonment.set(w, m.bookings.abandonmentRate);

  gauge('holdfast_payments_confirmed', 'Bookings confirmed in the window (confirmed events, any provider).').set(w, m.payments.confirmed);
  gauge('holdfast_late_payments_reacquired', 'Payments after the hold lapsed that took the same seats again, in the window.').set(w, m.payments.latePaymentsReacquired);
  gauge('holdfast_late_payments_refund_due', 'Payments after the hold lapsed whose seats were gone (to refund), in the window.').set(w, m.payments.refundDue);
  const refunds = gauge('holdfast_refunds', 'Payments refunded in the window, by currency.', ['window', 'currency']);
  const refunded = gauge('holdfast_refunded_amount_minor', 'Amount refunded in the window, in minor units, by currency.', ['window', 'currency']);
  for (const r of m.payments.refunds) {
    refunds.set({ ...w, currency: r.currency }, r.count);
    refunded.set({ ...w, currency: r.currency }, r.amountMinor);
  }
  return registry;
}

/** The whole exposition: this scrape's business gauges and the process's own metrics. */
export async function metricsExposition(): Promise<{ contentType: string; body: string }> {
  const m = await recentStaffMetrics(METRICS_WINDOW.seconds);
  const registry = Registry.merge([businessRegistry(m), processRegistry()]);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
