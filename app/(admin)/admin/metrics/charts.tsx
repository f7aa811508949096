/**
 * Small hand-written SVG charts for the metrics page (server components, no client script).
 * Each chart is an image with a label that states its numbers, and its numbers are also in a
 * table beside it, for screen readers and for anyone who wants the exact values.
 */
import type { DailyMetrics } from '@/db/admin-insights';
import styles from './metrics.module.css';

export interface Series {
  key: keyof Omit<DailyMetrics, 'day'>;
  label: string;
  /** CSS module class that colours the series. */
  tone: 'accent' | 'danger' | 'muted' | 'ok';
}

const W = 720;
const H = 190;
const PAD = { top: 12, right: 8, bottom: 26, left: 36 };

function niceMax(n: number): number {
  // Counts: keep the half-way tick a whole number.
  if (n <= 2) return 2;
  if (n <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * p).find((c) => c >= n) ?? n;
}

const shortDay = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** Stacked bars per day (e.g. successes and conflicts make the attempts). */
export function DailyStackedBars({ id, title, days, series }: { id: string; title: string; days: DailyMetrics[]; series: Series[] }) {
  const totals = days.map((d) => series.reduce((sum, s) => sum + d[s.key], 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, days.length);
  const barW = Math.max(1, Math.min(28, slot * 0.7));
  const y = (v: number) => (v / max) * plotH;
  const summary = `${title}: ${series.map((s) => `${s.label} ${days.reduce((sum, d) => sum + d[s.key], 0)}`).join(', ')} over ${days.length} day${days.length === 1 ? '' : 's'}`;
  const labelEvery = Math.ceil(days.length / 8);

  return (
    <figure className={styles.chart} aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`} className={styles.chartTitle}>
        {title}
        <span className={styles.legend} aria-hidden="true">
          {series.map((s) => (
            <span key={s.key}>
              <span className={`${styles.swatch} ${styles[s.tone]}`} /> {s.label}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} className={styles.svg} data-testid={`${id}-svg`}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={W - PAD.right} y1={PAD.top + plotH * (1 - f)} y2={PAD.top + plotH * (1 - f)} className={styles.grid} />
            <text x={PAD.left - 6} y={PAD.top + plotH * (1 - f) + 4} textAnchor="end" className={styles.axis}>
              {Math.round(max * f)}
            </text>
          </g>
        ))}
        {days.map((d, i) => {
          let base = 0;
          const x = PAD.left + i * slot + (slot - barW) / 2;
          return (
            <g key={d.day}>
              {series.map((s) => {
                const h = y(d[s.key]);
                base += h;
                return h > 0 ? (
                  <rect key={s.key} x={x} width={barW} y={PAD.top + plotH - base} height={h} className={styles[s.tone]}>
                    <title>{`${d.day}: ${s.label} ${d[s.key]}`}</title>
                  </rect>
                ) : null;
              })}
              {(i % labelEvery === 0 || i === days.length - 1) && (
                <text x={x + barW / 2} y={H - 8} textAnchor="middle" className={styles.axis}>
                  {shortDay(d.day)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <details className={styles.numbers}>
        <summary>Numbers per day</summary>
        <table className="board-table">
          <thead>
            <tr>
              <th scope="col">Day</th>
              {series.map((s) => (
                <th scope="col" key={s.key}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <td>{d.day}</td>
                {series.map((s) => (
                  <td className="num" key={s.key}>
                    {d[s.key]}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

/** A table whose rows carry a proportional bar: the table is the accessible form of the chart. */
export function BarTable({ id, title, rows }: { id: string; title: string; rows: { label: string; value: number; note?: string }[] }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return (
    <table className={`board-table ${styles.barTable}`} aria-labelledby={`${id}-title`} data-testid={id}>
      <caption id={`${id}-title`} className={styles.chartTitle}>
        {title}
      </caption>
      <thead>
        <tr>
          <th scope="col">Tier</th>
          <th scope="col">Count</th>
          <th scope="col" aria-hidden="true">
            <span className="visually-hidden">Bar</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.label} data-tier={r.label} data-value={r.value}>
            <th scope="row">
              {r.label} {r.note && <span className="muted">· {r.note}</span>}
            </th>
            <td className="num">{r.value}</td>
            <td className={styles.barCell} aria-hidden="true">
              <svg viewBox="0 0 100 10" preserveAspectRatio="none" className={styles.barSvg}>
                <rect x="0" y="0" height="10" width={(r.value / max) * 100} className={styles.accent} />
              </svg>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
