/**
 * `npm run bench`: Holdfast's reservation throughput beside the database's floor and the naive
 * approach, through HTTP, availability reads and expiry — all in one run on one machine, so the
 * ratios mean something. Writes bench/results/latest.json and bench/results/latest.md.
 *
 * BENCH_DATABASE_URL: a PostgreSQL server to use (a database is created on it and dropped after);
 * otherwise an embedded PostgreSQL is started. BENCH_SECONDS: seconds per measurement (default 4);
 * BENCH_ROUNDS: in how many interleaved turns the database-level ones are taken (default 4); through
 * HTTP, each measurement is 3 turns of 3/4 BENCH_SECONDS.
 * BENCH_SKIP_HTTP=1 skips the HTTP scenarios (they need `next build`). BENCH_PGBENCH: pgbench's
 * path (default: `pgbench` on the PATH), which measures the uniform A/B again with a lean client;
 * without it that check is skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { CallQueue, MAX_IN_FLIGHT } from '@/db/reserve-queue';
import { CpuMeter, costOf, cpuCeiling, localPostmaster, type CpuCost, type CpuSnapshot } from './cpu';
import { openLoop, type OpenLoopRequest } from './open-loop';
import { PGBENCH_WARM_UP, steadyTps } from './pgbench';
import { BARE, BARE_OPEN_LOOP_PREFIX, D, D_OPEN_LOOP_PREFIX, markdown, ONE_OF_TWO, TWO_PROCESSES } from './report';

type Sql = postgres.Sql;

const root = path.resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CONCURRENCY = [8, 32, 64];
/**
 * Connections through HTTP: the database's levels and 16. A closed loop of N connections waits
 * N / throughput on average, so its latency follows from its throughput: 8 connections cannot
 * offer 1,000 requests/s unless each takes under 8 ms, and at 64 the p99 is at least
 * 64 / throughput. 16 is the level between.
 */
const HTTP_CONNECTIONS = [8, 16, 32, 64];
/** Through HTTP, each measurement is this many turns of 3/4 SECONDS, the scenarios taking turns. */
const HTTP_ROUNDS = 3;
const HTTP_TURN_SECONDS = (SECONDS * 3) / 4;
/** Between two turns, for the requests still running when autocannon stopped to finish. */
const HTTP_DRAIN_MS = 300;
const UNIFORM_SLOTS = 10_000;

const progress = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

interface LoopResult {
  ops: number;
  ok: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Every operation's latency in ms, sorted. */
  latencies: number[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `clients` loops, each awaiting `op` back to back, for `seconds` or until `limit` ops. */
async function closedLoop(clients: number, op: (i: number) => Promise<boolean>, opts: { seconds?: number; limit?: number }): Promise<LoopResult> {
  const deadline = opts.seconds ? performance.now() + opts.seconds * 1000 : Infinity;
  let issued = 0;
  let ok = 0;
  let errors = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline && (opts.limit === undefined || issued < opts.limit)) {
        const n = issued++;
        const t = performance.now();
        try {
          if (await op(n)) ok++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return summarise(latencies, ok, errors, seconds);
}

function summarise(latencies: number[], ok: number, errors: number, seconds: number): LoopResult {
  return { ops: latencies.length, ok, errors, seconds, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), latencies };
}

/**
 * Runs the scenarios taking turns: ROUNDS rounds of SECONDS / ROUNDS each, then merges each
 * scenario's rounds. A shared machine that speeds up or slows down during the run then shifts
 * every scenario alike, so the ratios between them hold (measured sequentially, 4 s after 4 s,
 * the same ratio moved by ±0.1 between runs). Each turn's CPU is metered too.
 */
async function takingTurns(
  meter: CpuMeter,
  scenarios: (readonly [string, (seconds: number) => Promise<LoopResult>])[],
): Promise<Map<string, LoopResult & { cpu: CpuCost }>> {
  const runs = new Map<string, { results: LoopResult[]; spans: [CpuSnapshot, CpuSnapshot][] }>(
    scenarios.map(([name]) => [name, { results: [], spans: [] }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of scenarios) {
      const before = meter.snapshot();
      const result = await run(SECONDS / ROUNDS);
      runs.get(name)!.spans.push([before, meter.snapshot()]);
      runs.get(name)!.results.push(result);
    }
  }
  return new Map(
    [...runs].map(([name, { results: rs, spans }]) => {
      const merged = summarise(
        rs.flatMap((r) => r.latencies).sort((a, b) => a - b),
        rs.reduce((n, r) => n + r.ok, 0),
        rs.reduce((n, r) => n + r.errors, 0),
        rs.reduce((n, r) => n + r.seconds, 0),
      );
      return [name, { ...merged, cpu: costOf(spans, merged.ops) }];
    }),
  );
}

/** One turn of an HTTP scenario: each answer's latency (ms), and what went wrong. */
interface HttpTurn {
  latencies: number[];
  seconds: number;
  non2xx: number;
  errors: number;
  /** Requests that fell due (open loop only). */
  due?: number;
}

interface HttpScenario {
  label: string;
  /** The Next.js processes serving it, whose CPU is metered. */
  pids: number[];
  turn: (seconds: number) => Promise<HttpTurn>;
}

/** A scenario's turns merged: every latency (sorted), their time, failures and CPU. */
interface HttpTotals extends HttpTurn {
  due: number;
  nextSeconds: number;
  spans: [CpuSnapshot, CpuSnapshot][];
}

/** autocannon's closed loop: `connections` shared equally by the servers on `ports`. */
function closedLoopScenario(label: string, opts: Partial<autocannon.Options>, ports: number[], pids: number[], connections: number): HttpScenario {
  return {
    label,
    pids,
    async turn(seconds) {
      const parts = await Promise.all(
        ports.map(
          (port) =>
            new Promise<{ result: autocannon.Result; latencies: number[] }>((resolve, reject) => {
              const latencies: number[] = [];
              const run = autocannon(
                { url: `http://127.0.0.1:${port}`, connections: connections / ports.length, duration: seconds, ...opts },
                (err, result) => (err ? reject(err) : resolve({ result, latencies })),
              );
              // Every response's latency, so that turns merge exactly.
              run.on('response', (_client, _status, _bytes, ms: number) => latencies.push(ms));
            }),
        ),
      );
      return {
        latencies: parts.flatMap((p) => p.latencies),
        seconds: Math.max(...parts.map((p) => p.result.duration)),
        non2xx: parts.reduce((n, p) => n + p.result.non2xx, 0),
        errors: parts.reduce((n, p) => n + p.result.errors + p.result.timeouts, 0),
      };
    },
  };
}

/**
 * Runs HTTP scenarios taking turns, as at database level: HTTP_ROUNDS rounds of
 * HTTP_TURN_SECONDS, every scenario once per round, a short drain before each turn. A shared
 * machine that slows down for a while then slows every scenario alike. Percentiles are taken over
 * every answer of all turns; requests/s is all answers over all turns' time.
 */
async function httpTurns(meter: CpuMeter, scenarios: HttpScenario[]): Promise<Map<string, HttpTotals>> {
  const totals = new Map<string, HttpTotals>(
    scenarios.map((s) => [s.label, { latencies: [], seconds: 0, non2xx: 0, errors: 0, due: 0, nextSeconds: 0, spans: [] }]),
  );
  for (let round = 0; round < HTTP_ROUNDS; round++) {
    for (const s of scenarios) {
      await new Promise((r) => setTimeout(r, HTTP_DRAIN_MS));
      meter.nextPids = s.pids;
      const before = meter.snapshot();
      const turn = await s.turn(HTTP_TURN_SECONDS);
      const after = meter.snapshot();
      const acc = totals.get(s.label)!;
      acc.spans.push([before, after]);
      acc.nextSeconds += after.next - before.next;
      acc.latencies.push(...turn.latencies);
      acc.seconds += turn.seconds;
      acc.non2xx += turn.non2xx;
      acc.errors += turn.errors;
      acc.due += turn.due ?? 0;
    }
  }
  for (const acc of totals.values()) acc.latencies.sort((a, b) => a - b);
  return totals;
}

const ms = (value: number) => Math.round(value * 10) / 10;

/** A closed-loop scenario's row: requests/s, latencies, CPU and what this machine could serve. */
function closedLoopRow(label: string, connections: number, t: HttpTotals): Record<string, unknown> {
  const cpu = costOf(t.spans, t.latencies.length);
  const serving = (cpu.nextUsPerOp ?? NaN) + (cpu.serverUsPerOp ?? NaN);
  return {
    scenario: label,
    connections,
    perSecond: Math.round(t.latencies.length / t.seconds),
    p50: ms(percentile(t.latencies, 50)),
    p99: ms(percentile(t.latencies, 99)),
    non2xx: t.non2xx,
    errors: t.errors,
    ...cpu,
    // How busy the Next.js processes were, as a share of one core (all of them together).
    nextCpuUse: Number.isFinite(t.nextSeconds) ? `${Math.round((t.nextSeconds / t.seconds) * 100)}%` : null,
    // The most requests per second this machine's cores could serve at this CPU cost (Next.js
    // and PostgreSQL, however many processes share the work; the load generator left out).
    ceilingPerSecond: Number.isFinite(serving) ? cpuCeiling(serving) : null,
  };
}

/** An open-loop scenario's row. "keptUp": every request that fell due was answered, with a 2xx. */
function openLoopRow(label: string, rate: number, t: HttpTotals): Record<string, unknown> {
  return {
    scenario: label,
    connections: 'open loop',
    offeredPerSecond: rate,
    // Answers over the time until the last of them (the schedule's length plus the last one's wait).
    perSecond: Math.round(t.latencies.length / t.seconds),
    keptUp: t.latencies.length === t.due && t.non2xx === 0 && t.errors === 0,
    p50: ms(percentile(t.latencies, 50)),
    p99: ms(percentile(t.latencies, 99)),
    non2xx: t.non2xx,
    errors: t.errors,
    ...costOf(t.spans, t.latencies.length),
  };
}

/** D's target rate, offered in an open loop (bench/open-loop.ts). */
const OPEN_LOOP_RATE = 1000;
const D_OPEN_LOOP = `${D_OPEN_LOOP_PREFIX} ${OPEN_LOOP_RATE.toLocaleString('en')} requests/s (open loop)`;
const BARE_OPEN_LOOP = `${BARE_OPEN_LOOP_PREFIX} ${OPEN_LOOP_RATE.toLocaleString('en')} requests/s (open loop)`;

async function main(): Promise<void> {
  // ---------------------------------------------------------------------------------- database
  let stopServer: (() => Promise<void>) | undefined;
  let tmp: string | undefined;
  let serverUrl = process.env.BENCH_DATABASE_URL;
  let serverLabel: string;
  if (!serverUrl) {
    const { startEmbeddedPostgres } = await import('@/db/embedded');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'holdfast-bench-'));
    chmodSync(tmp, 0o755);
    progress('starting an embedded PostgreSQL…');
    const server = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'data'), persistent: false, maxConnections: 300 });
    serverUrl = server.url('postgres');
    stopServer = () => server.stop();
    serverLabel = 'embedded';
  } else {
    serverLabel = 'BENCH_DATABASE_URL';
  }
  const dbName = `holdfast_bench_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${dbName}"`);
  const u = new URL(serverUrl);
  u.pathname = `/${dbName}`;
  const url = u.toString();
  process.env.DATABASE_URL = url;
  process.env.LOG_LEVEL ??= 'warn';
  process.env.SWEEP_CRON ??= '0 0 1 1 *';

  const results: Record<string, unknown> = {};
  const nextServers: ChildProcess[] = [];
  try {
    const { migrate } = await import('@/db/migrate');
    progress(`migrating ${dbName}…`);
    await migrate(url);
    const sql = postgres(url, { max: 4, onnotice: () => {} });
    const [server] = await sql`select current_setting('server_version') as version`;
    await sql.unsafe(readFileSync(path.join(root, 'bench/baselines.sql'), 'utf8')).simple();
    await sql`update data.settings set max_live_holds_per_client = 1000`;

    // Slots: 10,000 uniform ones, a hot one with room for everybody, sell-out slots of 500.
    const [exp] = await sql`
      insert into data.experiences (slug, name, timezone, duration, default_capacity, price_minor, currency, max_people_per_booking)
      values ('bench', 'Bench', 'UTC', '1 hour', 100000, 1000, 'EUR', 10) returning id`;
    await sql`
      insert into data.slots (experience_id, starts_at, ends_at, capacity)
      select ${exp!.id}, now() + make_interval(days => 2, mins => g), now() + make_interval(days => 2, mins => g + 60), 1000000000
        from generate_series(1, ${UNIFORM_SLOTS + 1}) g`;
    const slotIds = (await sql<{ id: string }[]>`select id from data.slots order by id`).map((r) => Number(r.id));
    const uniform = slotIds.slice(0, UNIFORM_SLOTS);
    const hot = slotIds[UNIFORM_SLOTS]!;
    await sql`insert into bench.slots (id, capacity) select g, 1000000000 from generate_series(1, ${UNIFORM_SLOTS + 1}) g`;
    await sql`insert into bench.naive_slots (id, capacity) select g, 1000000000 from generate_series(1, ${UNIFORM_SLOTS + 1}) g`;
    const benchHot = UNIFORM_SLOTS + 1;
    // E reads 30 days of an experience with eight start times a day.
    await sql`
      insert into data.experiences (slug, name, timezone, duration, default_capacity, price_minor, currency)
      values ('bench-read', 'Bench read', 'Europe/Lisbon', '1 hour', 20, 1000, 'EUR')`;
    await sql`select api.generate_slots('bench-read', current_date, current_date + 30,
                array['09:00','10:00','11:00','12:00','13:00','14:00','15:00','16:00']::time[])`;
    const pick = () => Math.floor(Math.random() * UNIFORM_SLOTS);

    // N clients are N connections: one pool per concurrency level, each connection opened before
    // measuring. (A single pool of 64 spread 8 clients' calls over 64 backends, which cost
    // PostgreSQL 1.4–1.7× the CPU per call: every call woke a process whose caches were cold.)
    const pools = new Map<number, Sql>();
    for (const clients of CONCURRENCY) {
      const p = postgres(url, { max: clients, onnotice: () => {}, prepare: true });
      await Promise.all(Array.from({ length: clients }, () => p`select api.clock_now()`));
      pools.set(clients, p);
    }
    let pool = pools.get(CONCURRENCY[0]!)!;
    // Calls shared as the app shares them run as the app runs them: on connections of their own,
    // as many as run at once (db/client.ts reservationSql). On the level's pool, two calls at a
    // time would rotate over all its connections, each call waking a backend gone cold.
    const callPool = async () => {
      const p = postgres(url, { max: MAX_IN_FLIGHT, onnotice: () => {}, prepare: true });
      await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, () => p`select api.clock_now()`));
      return p;
    };
    const appPool = await callPool();
    const floorPool = await callPool();
    const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const meter = new CpuMeter(localPostmaster(backend!.pid, url));

    const reserve = async (slot: number) => {
      const [r] = await pool`select (api.reserve_seats(p_slot_id => ${slot}::bigint, p_quantity => 1))->'ok' as ok`;
      return r!.ok === true;
    };
    // The app's own path (db/reservations.ts): reservations that arrive in the same turn of the
    // event loop, or while the pool's calls are running, share a call (db/reserve-queue.ts, api.reserve_seats_many).
    const { reserveSeats, reserveQueue } = await import('@/db/reservations');
    const reserveShared = async (slot: number) => (await reserveSeats({ slotId: slot, quantity: 1 }, appPool)).ok;
    const floor = async (slot: number) => {
      const [r] = await pool`select bench.floor_hold(${slot}::bigint, 1) as ok`;
      return r!.ok === true;
    };
    const modelFloor = async (slot: number) => {
      const [r] = await pool`select bench.model_floor_hold(${slot}::bigint, 1) as ok`;
      return r!.ok === true;
    };
    // The floor sharing calls exactly as the app's reservations do: the same queue, the same
    // limits, its own connections, one call of bench.floor_hold_many for what arrived together.
    const floorCalls = new CallQueue<number, boolean>(
      async (slots) => {
        const [r] = await floorPool<{ ok: boolean[] }[]>`select bench.floor_hold_many(${slots}::bigint[], ${slots.map(() => 1)}::int[]) as ok`;
        return r!.ok.map((value) => ({ status: 'fulfilled', value }));
      },
      { maxInFlight: MAX_IN_FLIGHT },
    );
    const floorShared = (slot: number) => floorCalls.push(slot);
    const naive = async (slot: number) => {
      const [row] = await pool`select capacity, held from bench.naive_slots where id = ${slot}`;
      if (row!.held + 1 > row!.capacity) return false;
      await pool`update bench.naive_slots set held = ${row!.held + 1} where id = ${slot}`;
      await pool`insert into bench.naive_holds (slot_id, quantity) values (${slot}, 1)`;
      return true;
    };

    // -------------------------------------------------------------- A, B, C: database level
    const dbRows: Record<string, unknown>[] = [];
    for (const clients of CONCURRENCY) {
      pool = pools.get(clients)!;
      progress(`A, B, C at ${clients} clients: ${ROUNDS} turns of ${SECONDS / ROUNDS} s each…`);
      // A shared-call scenario, with its holds per call: its queue's calls counted around its turns.
      const callCounts = new Map<string, CallQueue<unknown, unknown>['sent']>();
      const shared = (scenario: string, sent: CallQueue<unknown, unknown>['sent'], op: () => Promise<boolean>) =>
        [
          scenario,
          async (seconds: number) => {
            const before = { ...sent };
            const result = await closedLoop(clients, op, { seconds });
            const count = callCounts.get(scenario) ?? { calls: 0, inputs: 0 };
            count.calls += sent.calls - before.calls;
            count.inputs += sent.inputs - before.inputs;
            callCounts.set(scenario, count);
            return result;
          },
        ] as const;
      const appSent = reserveQueue(appPool).sent;
      const measured = await takingTurns(meter, [
        ['A uniform', (seconds) => closedLoop(clients, () => reserve(uniform[pick()]!), { seconds })],
        shared('A uniform, shared calls', appSent, () => reserveShared(uniform[pick()]!)),
        ['B uniform', (seconds) => closedLoop(clients, () => floor(1 + pick()), { seconds })],
        shared('B uniform, shared calls', floorCalls.sent, () => floorShared(1 + pick())),
        ['B-model uniform', (seconds) => closedLoop(clients, () => modelFloor(uniform[pick()]!), { seconds })],
        ['A hot slot', (seconds) => closedLoop(clients, () => reserve(hot), { seconds })],
        shared('A hot slot, shared calls', appSent, () => reserveShared(hot)),
        ['B hot slot', (seconds) => closedLoop(clients, () => floor(benchHot), { seconds })],
        shared('B hot slot, shared calls', floorCalls.sent, () => floorShared(benchHot)),
        ['B-model hot slot', (seconds) => closedLoop(clients, () => modelFloor(hot), { seconds })],
        ['C hot slot', (seconds) => closedLoop(clients, () => naive(benchHot), { seconds })],
      ]);
      for (const [scenario, r] of measured) {
        const count = callCounts.get(scenario);
        const calls = count ? { perCall: (count.inputs / Math.max(1, count.calls)).toFixed(1) } : {};
        dbRows.push({ scenario, clients, ...round(r), ...r.cpu, ...calls });
      }
    }
    results.loadGenerator = await fromPgbench(url, dbRows, uniform);

    const [naiveLost] = await sql`
      select (select count(*) from bench.naive_holds where slot_id = ${benchHot})::int - held as lost
        from bench.naive_slots where id = ${benchHot}`;
    results.databaseLevel = dbRows;
    results.naiveLostUpdates = naiveLost!.lost;

    // ----------------------------------------------------------------- sell-out: 10,000 for 500
    const sellOut: Record<string, unknown>[] = [];
    for (const clients of CONCURRENCY) {
      pool = pools.get(clients)!;
      const [s] = await sql`
        insert into data.slots (experience_id, starts_at, ends_at, capacity)
        values (${exp!.id}, now() + make_interval(days => 5, mins => ${clients}), now() + make_interval(days => 5, mins => ${clients + 60}), 500)
        returning id`;
      const slot = Number(s!.id);
      const [s2] = await sql`
        insert into data.slots (experience_id, starts_at, ends_at, capacity)
        values (${exp!.id}, now() + make_interval(days => 6, mins => ${clients}), now() + make_interval(days => 6, mins => ${clients + 60}), 500)
        returning id`;
      const sharedSlot = Number(s2!.id);
      const benchSlot = 100_000 + clients;
      await sql`insert into bench.slots (id, capacity) values (${benchSlot}, 500)`;
      await sql`insert into bench.naive_slots (id, capacity) values (${benchSlot}, 500)`;
      for (const [scenario, op] of [
        ['A sell-out', () => reserve(slot)],
        ['A sell-out, shared calls', () => reserveShared(sharedSlot)],
        ['B sell-out', () => floor(benchSlot)],
        ['C sell-out', () => naive(benchSlot)],
      ] as const) {
        progress(`${scenario}: 10,000 customers for 500 seats, ${clients} clients…`);
        let soldOutAt = 0;
        let sold = 0;
        const t0 = performance.now();
        const r = await closedLoop(clients, async () => {
          const won = await op();
          if (won && ++sold === 500) soldOutAt = performance.now() - t0;
          return won;
        }, { limit: 10_000 });
        const [check] =
          scenario.startsWith('A')
            ? await sql`
                select held as seats, (select coalesce(sum(quantity), 0)::int from data.booking_items where slot_id = s.id) as items
                  from data.slots s where id = ${scenario === 'A sell-out' ? slot : sharedSlot}`
            : scenario === 'B sell-out'
              ? await sql`select held as seats, (select count(*)::int from bench.holds where slot_id = ${benchSlot}) as items from bench.slots where id = ${benchSlot}`
              : await sql`select held as seats, (select count(*)::int from bench.naive_holds where slot_id = ${benchSlot}) as items from bench.naive_slots where id = ${benchSlot}`;
        sellOut.push({
          scenario,
          clients,
          attempts: r.ops,
          won: r.ok,
          seatsSold: check!.items,
          oversold: Math.max(0, check!.items - 500),
          msToSellOut: Math.round(soldOutAt),
          perSecond: Math.round(r.perSecond),
        });
      }
    }
    results.sellOut = sellOut;

    // ---------------------------------------------------------------- invariants after A runs
    const { invariantViolations } = await import('@/db/invariants');
    const violations = await invariantViolations(sql);
    results.invariantViolations = violations.length;
    const [oversold] = await sql`select coalesce(sum(greatest(0, held + booked - capacity)), 0)::int as n from data.slots`;
    results.holdfastOversoldSeats = oversold!.n;
    progress(`invariants: ${violations.length} violations, ${oversold!.n} oversold seats`);

    // ------------------------------------------------ E at database level: a day of held-into slots
    // One local day of the uniform slots (1,440 start times, most with live holds from A) while
    // the hot slot and the sell-outs hold tens of thousands more: a read's work must follow the
    // start times it reads, not every live hold in the database.
    const [eDay] = await sql<{ day: string; slots: number; held: number; live: number }[]>`
      select d.day, count(s.id)::int as slots, count(s.id) filter (where s.held > 0)::int as held,
             (select count(*)::int from data.pending_bookings where availability_reserved) as live
        from (select to_char(current_date + 3, 'YYYY-MM-DD') as day) d
        left join data.slots s on s.experience_id = ${exp!.id}
         and s.starts_at >= (current_date + 3)::timestamp at time zone 'UTC'
         and s.starts_at < (current_date + 4)::timestamp at time zone 'UTC'
       group by d.day`;
    progress(`E (database level): a day of ${eDay!.slots} start times, ${eDay!.held} of them held into, ${eDay!.live} live holds in all…`);
    const single = postgres(url, { max: 1, onnotice: () => {}, prepare: true });
    const eRead = await closedLoop(1, async () => {
      const [r] = await single`select api.check_availability('bench', ${eDay!.day}::date, ${eDay!.day}::date) is not null as ok`;
      return r!.ok === true;
    }, { seconds: SECONDS });
    await single.end();
    results.availabilityDb = { startTimes: eDay!.slots, withHolds: eDay!.held, liveHolds: eDay!.live, ...round(eRead) };

    // ----------------------------------------------------------------------- F: expiry sweep
    progress('F: creating 100,000 lapsed holds…');
    await sql`
      with b as (
        insert into data.pending_bookings (booking_number, hold_token_hash, expires_at, total_minor, currency)
        select 'BKBENCH-' || g, sha256(g::text::bytea), now() - interval '1 minute', 1000, 'EUR'
          from generate_series(1, 100000) g
        returning id
      )
      insert into data.booking_items (booking_id, slot_id, quantity, unit_price_minor)
      select b.id, ${uniform[0]!}::bigint + (b.id % ${UNIFORM_SLOTS}), 1, 1000 from b`;
    await sql`
      update data.slots s set held = s.held + x.n
        from (select slot_id, count(*)::int as n from data.booking_items i
                join data.pending_bookings b on b.id = i.booking_id
               where b.booking_number like 'BKBENCH-%' group by slot_id) x
       where s.id = x.slot_id`;
    await sql`vacuum analyze data.pending_bookings`;
    progress('F: sweeping 100,000 lapsed holds…');
    const sweepStart = performance.now();
    let swept = 0;
    for (;;) {
      const [r] = await sql`select api.expire_lapsed_holds(5000, 'sweep') as n`;
      swept += r!.n as number;
      if ((r!.n as number) < 5000) break;
    }
    const sweepSeconds = (performance.now() - sweepStart) / 1000;
    results.sweep = { holds: swept, seconds: round1(sweepSeconds, 2), perSecond: Math.round(swept / sweepSeconds) };
    progress(`F: swept ${swept} in ${sweepSeconds.toFixed(2)} s`);

    // ------------------------------------------------------------ F: release lag with the worker
    progress('F: 1,000 holds expiring over one minute, worker running…');
    const { createBoss } = await import('@/jobs/boss');
    const { startWorker } = await import('@/jobs/worker');
    const sender = createBoss({ worker: false, connectionString: url });
    await sender.start();
    const lagSlot = uniform[1]!;
    const lagBookings: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const [r] = await sql`select api.reserve_seats(${lagSlot}::bigint, 1) as r`;
      lagBookings.push((r!.r as { bookingNumber: string }).bookingNumber);
    }
    const spread = await sql<{ booking_number: string; expires_at: Date }[]>`
      update data.pending_bookings set expires_at = now() + interval '5 seconds' + random() * interval '60 seconds'
       where booking_number = any (${lagBookings}) returning booking_number, expires_at`;
    await sender.insert('expire-hold', spread.map((b) => ({ data: { bookingNumber: b.booking_number }, startAfter: b.expires_at })));
    await sender.stop({ graceful: false, close: true });
    const worker = await startWorker({ connectionString: url });
    const lagDeadline = Date.now() + 120_000;
    for (;;) {
      const [r] = await sql`select count(*)::int as n from data.pending_bookings where booking_number = any (${lagBookings}) and status = 'expired'`;
      if (r!.n === 1000 || Date.now() > lagDeadline) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    await worker.stop();
    const lags = (
      await sql<{ lag: number; tier: string }[]>`
        select (e.detail->>'lagMs')::int as lag, e.tier from data.booking_events e
          join data.pending_bookings b on b.id = e.booking_id
         where b.booking_number = any (${lagBookings}) and e.type = 'expired'`
    ).map((r) => r.lag).sort((a, b) => a - b);
    results.releaseLag = { holds: lags.length, p50Ms: percentile(lags, 50), p99Ms: percentile(lags, 99), maxMs: lags.at(-1) ?? null };
    progress(`F: release lag p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms`);

    // ------------------------------------------------------------------- D, E: through HTTP
    if (process.env.BENCH_SKIP_HTTP !== '1') {
      if (!existsSync(path.join(root, '.next/BUILD_ID'))) {
        progress('building the production app (next build)…');
        await run(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], {});
      }
      const port = 3900 + (process.pid % 90);
      const startNext = async (at: number): Promise<ChildProcess> => {
        progress(`starting next start on :${at}…`);
        const child = spawn(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'start', '--port', String(at)], {
          cwd: root,
          env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
          stdio: 'ignore',
        });
        nextServers.push(child);
        for (let i = 0; ; i++) {
          try {
            if ((await fetch(`http://127.0.0.1:${at}/api/live`)).ok) return child;
          } catch {
            /* not up yet */
          }
          if (i > 200) throw new Error('next start did not come up');
          await new Promise((r) => setTimeout(r, 250));
        }
      };
      await startNext(port);
      const [one] = nextServers.map((c) => c.pid!);
      const base = `http://127.0.0.1:${port}`;
      let client = 0;
      // D's request: one seat on the hot slot, each from an address of its own (the reservation
      // routes limit requests per address).
      const reserveRequest = (): OpenLoopRequest => ({
        method: 'POST',
        path: '/api/reserve-availability',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.${(++client >> 8) & 255}.${client & 255}` },
        body: JSON.stringify({ slotId: hot, quantity: 1 }),
      });
      const bare: Partial<autocannon.Options> = { requests: [{ method: 'GET', path: '/api/live' }] };
      const reserve: Partial<autocannon.Options> = {
        requests: [
          {
            method: 'POST',
            path: '/api/reserve-availability',
            setupRequest: (req) => {
              const { headers, body } = reserveRequest();
              return { ...req, headers, body };
            },
          },
        ],
      };
      const availability: Partial<autocannon.Options> = { requests: [{ method: 'GET', path: '/api/check-availability?experience=bench-read' }] };
      const E = 'E availability (GET /api/check-availability, 30 days)';
      // A fresh server runs cold (JIT, caches, pools): warm every route before measuring any.
      progress('warming up the server (3 s per route, not measured)…');
      for (const opts of [bare, reserve, availability]) await autocannon({ url: base, connections: 8, duration: 3, ...opts });
      const http: Record<string, unknown>[] = [];
      for (const connections of HTTP_CONNECTIONS) {
        progress(`D, E and the bare route at ${connections} connections: ${HTTP_ROUNDS} turns of ${HTTP_TURN_SECONDS} s each…`);
        const t = await httpTurns(meter, [
          closedLoopScenario(BARE, bare, [port], [one!], connections),
          closedLoopScenario(D, reserve, [port], [one!], connections),
          closedLoopScenario(E, availability, [port], [one!], connections),
        ]);
        for (const label of [BARE, D, E]) http.push(closedLoopRow(label, connections, t.get(label)!));
      }
      // D as the target states it: customers arriving at 1,000 a second, whatever the answers.
      // The bare route takes turns with it at the same rate: what the tail is before D's own work.
      progress(`D and the bare route at a fixed ${OPEN_LOOP_RATE} requests/s (open loop): ${HTTP_ROUNDS} turns of ${HTTP_TURN_SECONDS} s each…`);
      const liveRequest = (): OpenLoopRequest => ({ method: 'GET', path: '/api/live', headers: {} });
      const open = await httpTurns(meter, [
        { label: D_OPEN_LOOP, pids: [one!], turn: (seconds) => openLoop({ port, rate: OPEN_LOOP_RATE, seconds, request: reserveRequest }) },
        { label: BARE_OPEN_LOOP, pids: [one!], turn: (seconds) => openLoop({ port, rate: OPEN_LOOP_RATE, seconds, request: liveRequest }) },
      ]);
      http.push(openLoopRow(D_OPEN_LOOP, OPEN_LOOP_RATE, open.get(D_OPEN_LOOP)!));
      http.push(openLoopRow(BARE_OPEN_LOOP, OPEN_LOOP_RATE, open.get(BARE_OPEN_LOOP)!));
      // The same reservations over two Next.js processes, taking turns with one: does a second
      // process find spare CPU? (Started only now: it would run in the background of the above.)
      const second = port + 100;
      await startNext(second);
      const [, two] = nextServers.map((c) => c.pid!);
      await autocannon({ url: `http://127.0.0.1:${second}`, connections: 8, duration: 3, ...reserve });
      for (const connections of HTTP_CONNECTIONS) {
        progress(`D over one and over two next start processes at ${connections} connections: ${HTTP_ROUNDS} turns of ${HTTP_TURN_SECONDS} s each…`);
        const t = await httpTurns(meter, [
          closedLoopScenario(ONE_OF_TWO, reserve, [port], [one!], connections),
          closedLoopScenario(TWO_PROCESSES, reserve, [port, second], [one!, two!], connections),
        ]);
        for (const label of [ONE_OF_TWO, TWO_PROCESSES]) http.push(closedLoopRow(label, connections, t.get(label)!));
      }
      results.http = http;
    }

    results.meta = {
      date: new Date().toISOString(),
      postgres: `${server!.version} (${serverLabel})`,
      node: process.version,
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      secondsPerMeasurement: SECONDS,
      turns: ROUNDS,
      httpTurns: HTTP_ROUNDS,
    };
    await Promise.all([...pools.values(), appPool, floorPool].map((p) => p.end()));
    await sql.end();
  } finally {
    for (const child of nextServers) child.kill('SIGTERM');
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`).catch(() => {});
    await admin.end();
    await stopServer?.();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }

  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/latest.json'), JSON.stringify(results, null, 2) + '\n');
  const md = markdown(results);
  writeFileSync(path.join(root, 'bench/results/latest.md'), md);
  process.stdout.write(md);
}

/**
 * The uniform A/B of the app's path measured again with pgbench as the load generator, if it is
 * installed (it is not part of the embedded PostgreSQL): A as the calls the app's queue made at
 * each level (`api.reserve_seats_many` with that run's holds per call, from as many connections
 * as the queue had calls out: the clients over the holds per call), B as before
 * (`bench.floor_hold`, one connection per client). The same customers are in flight on both
 * sides, and the database does the same work; only the client differs. Node.js and postgres.js
 * spend one to several hundred µs of CPU on each call, on the cores the database needs, and in a
 * call's critical path while only two calls are out; pgbench spends a few. Each run is measured
 * after a warm-up (bench/pgbench.ts).
 */
async function fromPgbench(url: string, dbRows: Record<string, unknown>[], uniform: number[]): Promise<Record<string, unknown>> {
  const pgbench = process.env.BENCH_PGBENCH ?? 'pgbench';
  const version = await output(pgbench, ['--version']).catch(() => undefined);
  if (!version) return { skipped: `${pgbench} not found (set BENCH_PGBENCH to its path)` };
  const lo = uniform[0]!;
  const hi = uniform.at(-1)!;
  if (hi - lo + 1 !== uniform.length) throw new Error('the uniform slots do not have consecutive ids');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'holdfast-pgbench-'));
  const rounds = Math.max(1, Math.round(ROUNDS / 2));
  const seconds = Math.max(2, Math.round(SECONDS / rounds));
  const tps = async (script: string, clients: number) => {
    const args = ['-n', '-M', 'prepared', '-j', '1', '-c', String(clients), '-T', String(PGBENCH_WARM_UP + seconds), '-P', '1', '-f', script, url];
    return steadyTps(await output(pgbench, args));
  };
  try {
    const b = path.join(dir, 'b.sql');
    writeFileSync(b, `\\set s random(1, ${UNIFORM_SLOTS})\nselect bench.floor_hold(:s, 1);\n`);
    const rows: Record<string, unknown>[] = [];
    for (const clients of CONCURRENCY) {
      const shared = dbRows.find((r) => r.scenario === 'A uniform, shared calls' && r.clients === clients);
      const perCall = Math.max(1, Math.round(Number(shared?.perCall ?? 1)));
      const connections = Math.max(1, Math.round(clients / perCall));
      const slots = Array.from({ length: perCall }, (_, i) => `s${i}`);
      const fill = (value: string) => `array_fill(${value}, array[${perCall}])`;
      const a = path.join(dir, `a-${clients}.sql`);
      writeFileSync(
        a,
        slots.map((v) => `\\set ${v} random(${lo}, ${hi})\n`).join('') +
          `select length(api.reserve_seats_many(array[${slots.map((v) => `:${v}`).join(', ')}]::bigint[], ${fill('1')}, ` +
          `${fill('null::text')}, ${fill('null::text')}, ${fill('null::text')})::text);\n`,
      );
      progress(`uniform A/B again from pgbench at ${clients} clients (${connections} × calls of ${perCall} against ${clients} × one hold)…`);
      let aSum = 0;
      let bSum = 0;
      for (let round = 0; round < rounds; round++) {
        aSum += (await tps(a, connections)) * perCall;
        bSum += await tps(b, clients);
      }
      const aPerSecond = Math.round(aSum / rounds);
      const bPerSecond = Math.round(bSum / rounds);
      rows.push({ clients, connections, perCall, aPerSecond, bPerSecond, ratio: (aPerSecond / bPerSecond).toFixed(2) });
    }
    return { pgbench: version.trim(), warmUpSeconds: PGBENCH_WARM_UP, seconds: rounds * seconds, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function output(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`${cmd} exited ${code}: ${text}`))));
  });
}

function round(r: LoopResult) {
  return { perSecond: Math.round(r.perSecond), ok: r.ok, errors: r.errors, p50: round1(r.p50, 2), p99: round1(r.p99, 2) };
}
function round1(n: number, digits: number) {
  return Number(n.toFixed(digits));
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
