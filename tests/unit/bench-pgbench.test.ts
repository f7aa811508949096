/** bench/pgbench.ts: pgbench's throughput is read after its warm-up, not over its whole run. */
import { describe, expect, test } from 'vitest';
import { steadyTps } from '@/bench/pgbench';

// What pgbench 15 printed on this project's 2-core machine for the floor at 64 connections
// (-T 4 -P 1): opening the connections took 1.4 s, and the run's own "tps =" line says 2,792.
const sixtyFour = `pgbench (15.20 (Debian 15.20-0+deb12u1))
progress: 1.4 s, 0.0 tps, lat 0.000 ms stddev 0.000, 0 failed
progress: 2.0 s, 3317.2 tps, lat 24.714 ms stddev 49.086, 0 failed
progress: 3.0 s, 4300.9 tps, lat 13.697 ms stddev 6.836, 0 failed
progress: 4.0 s, 4501.1 tps, lat 13.001 ms stddev 6.512, 0 failed
transaction type: b.sql
number of clients: 64
tps = 2792.384422 (without initial connection time)
`;

describe('steadyTps', () => {
  test('averages the seconds after the warm-up and leaves out connecting and the first calls', () => {
    expect(steadyTps(sixtyFour, 2)).toBeCloseTo((4300.9 + 4501.1) / 2, 6);
  });

  test('ignores the final "tps =" line, which covers the whole run', () => {
    expect(steadyTps(sixtyFour, 2)).not.toBeCloseTo(2792.384422, 0);
  });

  test('a longer warm-up counts fewer seconds', () => {
    expect(steadyTps(sixtyFour, 3)).toBeCloseTo(4501.1, 6);
  });

  test('a run that never got past its warm-up is an error, not a figure', () => {
    const short = 'progress: 1.4 s, 0.0 tps, lat 0.000 ms stddev 0.000, 0 failed\nprogress: 2.0 s, 3317.2 tps, lat 24.7 ms stddev 49.1, 0 failed\n';
    expect(() => steadyTps(short, 2)).toThrow(/no second after its 2 s warm-up/);
  });
});
