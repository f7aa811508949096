/**
 * Reading pgbench's throughput (bench/run.ts `fromPgbench`). pgbench opens its connections when it
 * starts, one after another (about 0.1 s each on these machines: 64 take most of a second), and
 * each new backend's first calls load its caches and plans, while the benchmark's own pools were
 * opened and used before measuring. So a run goes PGBENCH_WARM_UP seconds before it counts, and
 * its throughput is read from pgbench's per-second progress reports (`-P 1`) after that. Its
 * final "tps = …" covers the whole run: for a run of one second at 64 connections it counted the
 * floor at 50–75 holds/s, against thousands.
 */

/** Seconds each pgbench run goes before it is measured. */
export const PGBENCH_WARM_UP = 2;

/**
 * The mean of the per-second throughputs that pgbench reported after `warmUp` seconds
 * ("progress: 3.0 s, 7392.6 tps, lat 1.052 ms stddev 0.474, 0 failed"); throws when it
 * reported none.
 */
export function steadyTps(output: string, warmUp = PGBENCH_WARM_UP): number {
  const steady = [...output.matchAll(/^progress: ([\d.]+) s, ([\d.]+) tps/gm)]
    .filter((m) => Number(m[1]) > warmUp + 0.5)
    .map((m) => Number(m[2]));
  if (steady.length === 0) throw new Error(`pgbench reported no second after its ${warmUp} s warm-up: ${output}`);
  return steady.reduce((a, b) => a + b, 0) / steady.length;
}
