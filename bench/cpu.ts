/**
 * Where the CPU goes during a measurement: the PostgreSQL server (postmaster and every backend),
 * the benchmark process itself (postgres.js clients, or autocannon), the Next.js servers, and the
 * whole machine. On two shared cores the CPU is what every scenario competes for, so CPU per
 * operation says what a target would need: a throughput of N/s needs N × (CPU per operation) of
 * CPU seconds per second, and the machine has `os.cpus().length` of them.
 *
 * Linux only (from /proc); every figure is NaN elsewhere, and the server's is NaN when the
 * database is not on this machine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** CPU seconds used so far, per party, and the machine's busy/total jiffies. */
export interface CpuSnapshot {
  server: number;
  client: number;
  next: number;
  machineBusy: number;
  machineTotal: number;
}

/** What one measurement cost, per operation (µs) and as the machine's busy share. */
export interface CpuCost {
  serverUsPerOp: number | null;
  clientUsPerOp: number | null;
  nextUsPerOp: number | null;
  /** All three together: the CPU one operation needs on this machine. */
  totalUsPerOp: number | null;
  /** Share of the machine's CPU time (all cores) that was busy during the measurement. */
  machineBusy: string | null;
}

const HZ = 100; // USER_HZ on Linux

/** [ppid, utime + stime, cutime + cstime] in seconds, from /proc/<pid>/stat. */
function procStat(pid: number): [number, number, number] | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return [Number(fields[1]), (Number(fields[11]) + Number(fields[12])) / HZ, (Number(fields[13]) + Number(fields[14])) / HZ];
  } catch {
    return undefined;
  }
}

/**
 * The PostgreSQL server's CPU so far: the postmaster, the backends it has reaped (cutime) and
 * every live child. A backend that exits between two snapshots moves from the second term to
 * the first, so differences stay right.
 */
function serverSeconds(postmaster: number | undefined): number {
  if (postmaster === undefined) return NaN;
  const own = procStat(postmaster);
  if (!own) return NaN;
  let total = own[1] + own[2];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = procStat(Number(entry));
    if (s && s[0] === postmaster) total += s[1];
  }
  return total;
}

function machineJiffies(): [number, number] {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal
    const idle = cpu[3]! + cpu[4]!; // idle + iowait
    return [total - idle, total];
  } catch {
    return [NaN, NaN];
  }
}

/** The postmaster's pid when `backendPid` is a local PostgreSQL backend, else undefined. */
export function localPostmaster(backendPid: number, databaseUrl: string): number | undefined {
  const host = new URL(databaseUrl).hostname.replace(/^\[|\]$/g, '');
  if (!['', 'localhost', '::1'].includes(host) && !host.startsWith('127.')) return undefined;
  const ppid = procStat(backendPid)?.[0];
  if (!ppid) return undefined;
  try {
    return readFileSync(`/proc/${ppid}/cmdline`, 'utf8').includes('postgres') ? ppid : undefined;
  } catch {
    return undefined;
  }
}

export class CpuMeter {
  constructor(
    private readonly postmaster: number | undefined,
    /** The Next.js servers' pids, while they run. */
    public nextPids: number[] = [],
  ) {}

  snapshot(): CpuSnapshot {
    const own = process.cpuUsage();
    const next = this.nextPids.map(procStat);
    const [machineBusy, machineTotal] = machineJiffies();
    return {
      server: serverSeconds(this.postmaster),
      client: (own.user + own.system) / 1e6,
      next: next.length > 0 && next.every(Boolean) ? next.reduce((n, st) => n + st![1] + st![2], 0) : NaN,
      machineBusy,
      machineTotal,
    };
  }
}

/** Adds up the differences of several (before, after) pairs: one scenario measured in turns. */
export function costOf(spans: [CpuSnapshot, CpuSnapshot][], ops: number): CpuCost {
  const sum = (key: keyof CpuSnapshot) => spans.reduce((n, [a, b]) => n + (b[key] - a[key]), 0);
  const perOp = (seconds: number) => (Number.isFinite(seconds) && ops > 0 ? Math.round((seconds * 1e6) / ops) : null);
  const server = perOp(sum('server'));
  const client = perOp(sum('client'));
  const next = perOp(sum('next'));
  const busy = sum('machineBusy') / sum('machineTotal');
  return {
    serverUsPerOp: server,
    clientUsPerOp: client,
    nextUsPerOp: next,
    totalUsPerOp: server === null && client === null && next === null ? null : (server ?? 0) + (client ?? 0) + (next ?? 0),
    machineBusy: Number.isFinite(busy) ? `${Math.round(busy * 100)}%` : null,
  };
}

/** The most operations per second the machine's cores allow at `usPerOp` of CPU each. */
export function cpuCeiling(usPerOp: number | null): number | null {
  return usPerOp ? Math.round((os.cpus().length * 1e6) / usPerOp) : null;
}
