/** bench/report.ts: the targets table says met or not from the figures, never from a hope. */
import { describe, expect, test } from 'vitest';
import { markdown } from '@/bench/report';

const levels = [8, 32, 64];

/** A run whose figures the test chooses: holds/s per scenario and level, D's req/s and p99. */
function run(opts: {
  holds: Record<string, number[]>;
  d?: { perSecond: number; p99: number; connections?: number }[];
  sweepSeconds?: number;
  lagP99Ms?: number;
  oversold?: number;
}) {
  const databaseLevel = Object.entries(opts.holds).flatMap(([scenario, perLevel]) =>
    perLevel.map((perSecond, i) => ({ scenario, clients: levels[i], perSecond })),
  );
  return {
    meta: { date: '2026-12-02T00:00:00Z', cpus: '2 × Test CPU', memoryGiB: 24, node: 'v20', postgres: '18', secondsPerMeasurement: 4, turns: 4 },
    databaseLevel,
    sellOut: [],
    naiveLostUpdates: 0,
    invariantViolations: 0,
    holdfastOversoldSeats: opts.oversold ?? 0,
    http: (opts.d ?? []).map((r, i) => ({ scenario: 'D hot slot (POST /api/reserve-availability)', connections: levels[i], ...r })),

    sweep: { holds: 100000, seconds: opts.sweepSeconds ?? 3, perSecond: 33000 },
    releaseLag: { holds: 1000, p50Ms: 250, p99Ms: opts.lagP99Ms ?? 500, maxMs: 600 },
  };
}

/** The targets table's row that starts with `label`, as its cells. */
function row(md: string, label: string): string[] {
  const line = md.split('\n').find((l) => l.startsWith(`| ${label}`));
  if (!line) throw new Error(`no row ${label}`);
  return line.split('|').slice(1, -1).map((c) => c.trim());
}

const holds = {
  'A hot slot': [50, 80, 90],
  'A hot slot, shared calls': [80, 160, 180],
  'B hot slot': [100, 100, 100],
  'B hot slot, shared calls': [400, 800, 900],
  'A uniform': [30, 30, 30],
  'A uniform, shared calls': [30, 55, 40],
  'B uniform': [100, 100, 100],
  'B uniform, shared calls': [200, 300, 300],
  'B-model hot slot': [100, 100, 100],
  'B-model uniform': [50, 50, 50],
};

describe('bench report: targets', () => {
  test('each target is marked from the figures of the run', () => {
    const md = markdown(
      run({ holds, d: [{ perSecond: 1300, p99: 14 }, { perSecond: 2100, p99: 39 }, { perSecond: 2500, p99: 71 }] }),
    );
    expect(row(md, 'A/B ≥ 0.5, one hot slot')).toEqual([
      'A/B ≥ 0.5, one hot slot',
      'A sharing calls 0.80 / 1.60 / 1.80; one call per hold 0.50 / 0.80 / 0.90; both sharing calls 0.20 / 0.20 / 0.20; A/B-model 0.50 / 0.80 / 0.90',
      '**met**',
    ]);
    expect(row(md, 'A/B ≥ 0.5, uniform')[2]).toBe('met at 32 clients only');
    expect(row(md, 'D ≥ 1,000')).toEqual([
      'D ≥ 1,000 holds/s on one hot slot, p99 ≤ 50 ms',
      '1300 req/s, p99 14 ms at 8; 2100 req/s, p99 39 ms at 32; 2500 req/s, p99 71 ms at 64',
      'met at 8 and 32 connections only',
    ]);
    expect(row(md, 'F: sweep')[2]).toBe('**met**');
    expect(row(md, 'F: release lag')[2]).toBe('**met**');
    expect(row(md, 'zero oversell')[2]).toBe('**met**');
  });

  test('a miss is a miss: throughput without latency, a slow sweep, a late release, one oversold seat', () => {
    const md = markdown(
      run({
        holds: { ...holds, 'A uniform, shared calls': [10, 10, 10] },
        d: [{ perSecond: 900, p99: 10 }, { perSecond: 1500, p99: 51 }, { perSecond: 999, p99: 60 }],
        sweepSeconds: 10.5,
        lagP99Ms: 2001,
        oversold: 1,
      }),
    );
    expect(row(md, 'A/B ≥ 0.5, uniform')[2]).toBe('not met');
    expect(row(md, 'D ≥ 1,000')[2]).toBe('not met');
    expect(row(md, 'F: sweep')[2]).toBe('not met');
    expect(row(md, 'F: release lag')[2]).toBe('not met');
    expect(row(md, 'zero oversell')[2]).toBe('NOT MET');
  });

  test('D is judged at each number of connections it ran at, 16 among them', () => {
    const md = markdown(
      run({
        holds,
        d: [
          { connections: 8, perSecond: 850, p99: 25 },
          { connections: 16, perSecond: 1150, p99: 33 },
          { connections: 32, perSecond: 1350, p99: 52 },
          { connections: 64, perSecond: 1500, p99: 90 },
        ],
      }),
    );
    expect(row(md, 'D ≥ 1,000')).toEqual([
      'D ≥ 1,000 holds/s on one hot slot, p99 ≤ 50 ms',
      '850 req/s, p99 25 ms at 8; 1150 req/s, p99 33 ms at 16; 1350 req/s, p99 52 ms at 32; 1500 req/s, p99 90 ms at 64',
      'met at 16 connections only',
    ]);
    expect(md).toContain('D / the bare route (a pages/api route that does nothing, as D is a pages/api route; D\'s floor on this machine), requests/s: 8 conn. n/a, 16 conn. n/a, 32 conn. n/a, 64 conn. n/a');
  });

  test('the open loop is met only when every request of 1,000 a second was answered and its p99 is within 50 ms', () => {
    const open = (keptUp: boolean, p99: number, offeredPerSecond = 1000) => {
      const r = run({ holds, d: [{ perSecond: 900, p99: 30 }] });
      r.http.push({ scenario: 'D hot slot at a fixed 1,000 requests/s (open loop)', connections: 'open loop', offeredPerSecond, perSecond: 990, keptUp, p99, p50: 9 } as never);
      return row(markdown(r), 'D, open loop');
    };
    expect(open(true, 42)).toEqual(['D, open loop: 1,000 holds/s offered, p99 ≤ 50 ms', '990 answered/s, p50 9 ms, p99 42 ms', '**met**']);
    expect(open(true, 51)[2]).toBe('not met');
    expect(open(false, 20)).toEqual(['D, open loop: 1,000 holds/s offered, p99 ≤ 50 ms', '990 answered/s, p50 9 ms, p99 20 ms, not every request answered with a 2xx', 'not met']);
    expect(open(true, 20, 500)[2]).toBe('not met');
  });

  test('D is shown beside its floor, the bare route, in the closed loops and in the open loop', () => {
    const r = run({ holds, d: [{ perSecond: 1300, p99: 14 }, { perSecond: 2100, p99: 39 }, { perSecond: 2500, p99: 71 }] });
    const bare = 'bare route (GET /api/live: pages/api, no database)';
    r.http.unshift(
      { scenario: 'bare route at a fixed 1,000 requests/s (open loop)', connections: 'open loop', offeredPerSecond: 1000, perSecond: 1000, keptUp: true, p99: 38, p50: 3 } as never,
      ...[2600, 3000, 3100].map((perSecond, i) => ({ scenario: bare, connections: levels[i]!, perSecond, p99: [9, 21, 64][i]! })),
    );
    r.http.push({ scenario: 'D hot slot at a fixed 1,000 requests/s (open loop)', connections: 'open loop', offeredPerSecond: 1000, perSecond: 998, keptUp: true, p99: 61, p50: 6 } as never);
    const md = markdown(r);
    expect(row(md, 'D ≥ 1,000')[1]).toBe(
      '1300 req/s, p99 14 ms at 8 (bare route: 2600 req/s, p99 9 ms); 2100 req/s, p99 39 ms at 32 (bare route: 3000 req/s, p99 21 ms); ' +
        '2500 req/s, p99 71 ms at 64 (bare route: 3100 req/s, p99 64 ms)',
    );
    expect(row(md, 'D, open loop')).toEqual([
      'D, open loop: 1,000 holds/s offered, p99 ≤ 50 ms',
      '998 answered/s, p50 6 ms, p99 61 ms (bare route in the same turns: p99 38 ms)',
      'not met',
    ]);
    expect(md).toContain('requests/s: 8 conn. 0.50, 32 conn. 0.70, 64 conn. 0.81');
  });

  test('without the HTTP scenarios there is no D row', () => {
    expect(() => row(markdown(run({ holds })), 'D ≥ 1,000')).toThrow('no row');
  });
});
