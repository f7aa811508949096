/** Renders the benchmark results as the markdown summary the README's Performance section shows. */

type Row = Record<string, unknown>;

function table(rows: Row[], columns: [string, string][]): string {
  const head = `| ${columns.map(([, label]) => label).join(' | ')} |\n|${columns.map(() => '---').join('|')}|\n`;
  return head + rows.map((r) => `| ${columns.map(([key]) => String(r[key] ?? '')).join(' | ')} |`).join('\n') + '\n';
}

function ratio(rows: Row[], a: string, b: string, clients: number, key = 'perSecond'): string {
  const x = rows.find((r) => r.scenario === a && (r.clients ?? r.connections) === clients)?.[key] as number | undefined;
  const y = rows.find((r) => r.scenario === b && (r.clients ?? r.connections) === clients)?.[key] as number | undefined;
  return x && y ? (x / y).toFixed(2) : 'n/a';
}

// Scenario labels, shared with bench/run.ts, which writes the rows this file reads.
export const D = 'D hot slot (POST /api/reserve-availability)';
export const ONE_OF_TWO = 'D hot slot, one next start process (turns with two)';
export const TWO_PROCESSES = 'D hot slot, two next start processes';
/**
 * D's floor: a route that does nothing (GET /api/live), served by the same router as D (pages/api),
 * on the same server, in turns with D. What any request costs on this machine before D's own work.
 */
export const BARE = 'bare route (GET /api/live: pages/api, no database)';
export const D_OPEN_LOOP_PREFIX = 'D hot slot at a fixed';
export const BARE_OPEN_LOOP_PREFIX = 'bare route at a fixed';

/** " (bare route: 2900 req/s, p99 48 ms)", or nothing when the run has no such row. */
function beside(row: Row | undefined): string {
  if (!row) return '';
  return row.connections === 'open loop' ? ` (bare route in the same turns: p99 ${row.p99} ms)` : ` (bare route: ${row.perSecond} req/s, p99 ${row.p99} ms)`;
}

/** "0.50 / 0.81 / 0.88", and at which levels a ratio reaches `min`. */
function ratios(rows: Row[], a: string, b: string, clients: number[], min: number): { text: string; met: number[] } {
  const values = clients.map((c) => Number(ratio(rows, a, b, c)));
  return { text: values.map((v) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a')).join(' / '), met: clients.filter((_, i) => values[i]! >= min) };
}

function verdict(met: number[], of: number[], unit: string): string {
  if (met.length === of.length) return '**met**';
  if (met.length === 0) return 'not met';
  return `met at ${met.join(' and ')} ${unit} only`;
}

/** The uniform A/B again with pgbench as the load generator (bench/run.ts `fromPgbench`). */
function pgbenchSection(load: Row | undefined): string {
  if (!load) return '';
  if (load.skipped) return `\nThe uniform A/B from pgbench (the load generator's share): skipped, ${load.skipped}.\n`;
  let md = `\n**The uniform A/B again, from ${load.pgbench}** as the load generator: A as the calls the app's queue made above `;
  md += `(\`api.reserve_seats_many\` with as many holds per call, from as many connections as it had calls out), B as above. `;
  md += `The same customers are in flight; only the client differs. Node.js and postgres.js spend a hundred µs or more of CPU per call `;
  md += `on the cores the database needs, and with two calls out that time is in every call's path; pgbench spends a few. `;
  md += `Each run measured after a warm-up of ${load.warmUpSeconds} s (pgbench's connections and their first calls), ${load.seconds} s per level and side:\n\n`;
  md += table(load.rows as Row[], [
    ['clients', 'clients'], ['connections', 'A: connections'], ['perCall', 'A: holds per call'],
    ['aPerSecond', 'A holds/s'], ['bPerSecond', 'B holds/s'], ['ratio', 'A/B'],
  ]);
  return md;
}

/** The benchmark issue's targets against this run, one row each. */
function targets(results: Record<string, unknown>, clients: number[]): string {
  const db = (results.databaseLevel as Row[]) ?? [];
  const http = (results.http as Row[]) ?? [];
  const sweep = results.sweep as Row | undefined;
  const lag = results.releaseLag as Row | undefined;
  const rows: Row[] = [];
  for (const [label, a, sharedA, b, model] of [
    ['A/B ≥ 0.5, one hot slot', 'A hot slot', 'A hot slot, shared calls', 'B hot slot', 'B-model hot slot'],
    ['A/B ≥ 0.5, uniform over 10,000 slots', 'A uniform', 'A uniform, shared calls', 'B uniform', 'B-model uniform'],
  ] as const) {
    const shared = ratios(db, sharedA, b, clients, 0.5);
    const one = ratios(db, a, b, clients, 0.5);
    const both = ratios(db, sharedA, `${b}, shared calls`, clients, 0.5);
    const againstModel = ratios(db, a, model, clients, 0.5);
    const load = results.loadGenerator as Row | undefined;
    const fromPgbench =
      label.includes('uniform') && Array.isArray(load?.rows) ? `; the same calls from pgbench ${(load.rows as Row[]).map((r) => r.ratio).join(' / ')}` : '';
    rows.push({
      target: label,
      run: `A sharing calls ${shared.text}; one call per hold ${one.text}; both sharing calls ${both.text}; A/B-model ${againstModel.text}${fromPgbench}`,
      verdict: verdict(shared.met, clients, 'clients'),
    });
  }
  const d = http.filter((r) => r.scenario === D);
  if (d.length > 0) {
    const met = d.filter((r) => (r.perSecond as number) >= 1000 && (r.p99 as number) <= 50).map((r) => r.connections as number);
    rows.push({
      target: 'D ≥ 1,000 holds/s on one hot slot, p99 ≤ 50 ms',
      run: d.map((r) => `${r.perSecond} req/s, p99 ${r.p99} ms at ${r.connections}${beside(http.find((b) => b.scenario === BARE && b.connections === r.connections))}`).join('; '),
      verdict: verdict(met, d.map((r) => r.connections as number), 'connections'),
    });
  }
  const open = http.find((r) => String(r.scenario).startsWith(D_OPEN_LOOP_PREFIX));
  if (open) {
    const bareOpen = http.find((r) => String(r.scenario).startsWith(BARE_OPEN_LOOP_PREFIX));
    rows.push({
      target: `D, open loop: ${Number(open.offeredPerSecond).toLocaleString('en')} holds/s offered, p99 ≤ 50 ms`,
      run: `${open.perSecond} answered/s, p50 ${open.p50} ms, p99 ${open.p99} ms${open.keptUp ? '' : ', not every request answered with a 2xx'}${beside(bareOpen)}`,
      verdict: open.keptUp && Number(open.offeredPerSecond) >= 1000 && (open.p99 as number) <= 50 ? '**met**' : 'not met',
    });
  }
  if (sweep) rows.push({ target: 'F: sweep of 100,000 lapsed holds ≤ 10 s', run: `${sweep.seconds} s`, verdict: (sweep.seconds as number) <= 10 ? '**met**' : 'not met' });
  if (lag) rows.push({ target: 'F: release lag p99 ≤ 2 s', run: `p99 ${lag.p99Ms} ms`, verdict: (lag.p99Ms as number) <= 2000 ? '**met**' : 'not met' });
  const oversold = Number(results.holdfastOversoldSeats) + Number(results.invariantViolations);
  rows.push({ target: 'zero oversell, every Holdfast scenario', run: `${results.holdfastOversoldSeats} seats oversold, ${results.invariantViolations} invariant violations`, verdict: oversold === 0 ? '**met**' : 'NOT MET' });
  return table(rows, [['target', 'target (the benchmark issue)'], ['run', `this run (at ${clients.join(' / ')}; D at each number of connections)`], ['verdict', 'reached (the app\'s own path)']]);
}

export function markdown(results: Record<string, unknown>): string {
  const meta = results.meta as Row;
  const db = (results.databaseLevel as Row[]) ?? [];
  const sellOut = (results.sellOut as Row[]) ?? [];
  const http = (results.http as Row[]) ?? [];
  const sweep = results.sweep as Row | undefined;
  const lag = results.releaseLag as Row | undefined;
  const clients = [...new Set(db.map((r) => r.clients as number))];

  let md = `### Benchmark (${String(meta.date).slice(0, 10)})\n\n`;
  md += `Machine: ${meta.cpus}, ${meta.memoryGiB} GiB, Node ${meta.node}, PostgreSQL ${meta.postgres}, `;
  md += `database and load generator on the same machine; ${meta.secondsPerMeasurement} s per measurement`;
  md += meta.turns ? `, at database level taken as ${meta.turns} turns of ${Number(meta.secondsPerMeasurement) / Number(meta.turns)} s interleaved with the scenarios it is compared with.\n\n` : '.\n\n';
  md += targets(results, clients) + '\n';
  md += `**A (Holdfast's reserve function) / B (floor: one conditional UPDATE + one INSERT)**, same server, same run. `;
  md += `"A" calls \`api.reserve_seats\` once per hold, as B calls its function; "A, shared calls" is the app's own path `;
  md += `(\`reserveSeats\` on two connections of its own, as in the app), where holds that arrive in the same turn of the event loop, or while its two calls are running, share a call; `;
  md += `"both sharing calls" sets it beside the floor sharing calls the same way (\`bench.floor_hold_many\`, same queue and limits, two connections of its own); `;
  md += `"B-model" is the data model's own floor, the rows a hold writes and nothing else (\`bench.model_floor_hold\`, one call per hold, as A):\n\n`;
  md += table(
    clients.map((c) => ({
      clients: c,
      uniform: ratio(db, 'A uniform', 'B uniform', c),
      cpuUniform: ratio(db, 'B uniform', 'A uniform', c, 'totalUsPerOp'),
      sharedUniform: ratio(db, 'A uniform, shared calls', 'B uniform', c),
      bothUniform: ratio(db, 'A uniform, shared calls', 'B uniform, shared calls', c),
      modelUniform: ratio(db, 'A uniform', 'B-model uniform', c),
      hot: ratio(db, 'A hot slot', 'B hot slot', c),
      cpuHot: ratio(db, 'B hot slot', 'A hot slot', c, 'totalUsPerOp'),
      sharedHot: ratio(db, 'A hot slot, shared calls', 'B hot slot', c),
      bothHot: ratio(db, 'A hot slot, shared calls', 'B hot slot, shared calls', c),
      modelHot: ratio(db, 'A hot slot', 'B-model hot slot', c),
    })),
    [
      ['clients', 'clients'], ['uniform', 'A/B uniform (10,000 slots)'], ['cpuUniform', 'CPU per hold, B/A (uniform)'],
      ['sharedUniform', 'A/B uniform, A sharing calls'], ['bothUniform', 'A/B uniform, both sharing calls'],
      ['modelUniform', 'A/B-model uniform'],
      ['hot', 'A/B one hot slot'], ['cpuHot', 'CPU per hold, B/A (hot slot)'], ['sharedHot', 'A/B hot slot, A sharing calls'],
      ['bothHot', 'A/B hot slot, both sharing calls'], ['modelHot', 'A/B-model hot slot'],
    ],
  );
  md += `\nWhere the machine's cores are the limit (machine busy near 100%), A/B can be no higher than B's CPU per hold over A's`;
  md += ` (PostgreSQL and the benchmark's own client together, in the table below). Shared calls are not bound by that:`;
  md += ` they spend less than one call's CPU per hold.\n`;
  md += `\nDatabase-level holds per second (closed loop; p50/p99 in ms; CPU in µs per hold):\n\n`;
  md += table(db, [
    ['scenario', 'scenario'], ['clients', 'clients'], ['perSecond', 'holds/s'], ['p50', 'p50'], ['p99', 'p99'], ['errors', 'errors'],
    ['serverUsPerOp', 'PostgreSQL CPU'], ['clientUsPerOp', 'client CPU'], ['machineBusy', 'machine busy'], ['perCall', 'holds per call'],
  ]);
  md += pgbenchSection(results.loadGenerator as Row | undefined);
  md += `\nNaive read-then-write (C) on the hot slot lost **${results.naiveLostUpdates}** updates (holds recorded but not counted).\n\n`;
  md += `**Sell-out: 10,000 customers race for 500 seats**:\n\n`;
  md += table(sellOut, [['scenario', 'scenario'], ['clients', 'clients'], ['seatsSold', 'seats sold'], ['oversold', 'oversold'], ['msToSellOut', 'ms to sell out'], ['perSecond', 'attempts/s']]);
  md += `\nHoldfast invariant violations after all runs: **${results.invariantViolations}**; oversold seats: **${results.holdfastOversoldSeats}**.\n\n`;
  const eDb = results.availabilityDb as Row | undefined;
  if (eDb) {
    md += `**E at database level**: \`api.check_availability\` of one day of ${eDb.startTimes} start times, ${eDb.withHolds ?? 'most'} of them with live holds, `;
    md += `with ${eDb.liveHolds} live holds in the database: ${eDb.perSecond} reads/s from one client, p50 ${eDb.p50} ms, p99 ${eDb.p99} ms.\n\n`;
  }
  const levels = [...new Set(http.map((r) => r.connections).filter((c): c is number => typeof c === 'number'))];
  const open = http.find((r) => String(r.scenario).startsWith(D_OPEN_LOOP_PREFIX));
  if (http.length > 0) {
    md += `**Through HTTP** (\`next start\`, autocannon; p50/p99 in ms, over every response of ${meta.httpTurns ?? 1} interleaved turns). `;
    md += `D / the bare route (a pages/api route that does nothing, as D is a pages/api route; D's floor on this machine), requests/s: `;
    md += levels.map((c) => `${c} conn. ${ratio(http, D, BARE, c)}`).join(', ');
    md += `; D / A hot slot: `;
    md += levels.map((c) => {
      const d = http.find((r) => String(r.scenario).startsWith('D') && r.connections === c)?.perSecond as number | undefined;
      const a = db.find((r) => r.scenario === 'A hot slot' && r.clients === c)?.perSecond as number | undefined;
      return `${c}: ${d && a ? (d / a).toFixed(2) : 'n/a'}`;
    }).join(', ');
    md += `.\n\n`;
    md += table(http, [
      ['scenario', 'scenario'], ['connections', 'connections'], ['perSecond', 'req/s'], ['p50', 'p50'], ['p99', 'p99'],
      ['non2xx', 'non-2xx'], ['errors', 'errors'], ['nextUsPerOp', 'Next.js CPU µs/req'], ['serverUsPerOp', 'PostgreSQL CPU µs/req'],
      ['clientUsPerOp', 'autocannon CPU µs/req'], ['nextCpuUse', 'Next.js CPU use'], ['machineBusy', 'machine busy'],
      ['ceilingPerSecond', 'CPU ceiling req/s'],
    ]);
    if (open) {
      md += `\nThe first rows are closed loops (autocannon: each connection waits for its answer before it sends again, so the latency is the connections over the throughput). `;
      md += `"${open.scenario}" is an open loop (bench/open-loop.ts): requests fall due ${Number(open.offeredPerSecond).toLocaleString('en')} times a second whatever the answers, `;
      md += `each timed from when it fell due; ${open.keptUp ? 'every request was answered, with a 2xx' : '**not** every request was answered with a 2xx'} (its latency is in its row)`;
      md += http.some((r) => String(r.scenario).startsWith(BARE_OPEN_LOOP_PREFIX)) ? `; the bare route took turns with it at the same rate.\n` : `.\n`;
    }
    md += `\nThe Next.js server is one Node.js process: at 100% CPU use it is the bottleneck, whatever the database does.`;
    md += ` The CPU ceiling is the machine's ${String(meta.cpus).split(' ')[0]} cores divided by the CPU that Next.js and PostgreSQL spend on one request:`;
    md += ` no spreading of the work over more processes can serve more on this machine (the load generator's own CPU is left out, as if the load came from elsewhere).\n`;
    const d = http.filter((r) => String(r.scenario).startsWith('D') && typeof r.ceilingPerSecond === 'number');
    if (d.length > 0) {
      const best = Math.max(...d.map((r) => r.ceilingPerSecond as number));
      md += `\nD's CPU ceiling on this machine: at most **${best} reservations/s** through HTTP (best of ${d.length} measurements).\n`;
    }
    if (http.some((r) => r.scenario === TWO_PROCESSES)) {
      md += `\nTwo \`next start\` processes sharing the reservations, against one (same connections, taking turns): `;
      md += levels.map((c) => `${c} conn. ${ratio(http, TWO_PROCESSES, ONE_OF_TWO, c)}`).join(', ');
      md += `. A second process only helps where the first left CPU unused.\n`;
    }
  }
  if (sweep) md += `\n**Expiry**: sweep of ${sweep.holds} lapsed holds in ${sweep.seconds} s (${sweep.perSecond}/s). `;
  if (lag) md += `Release lag of ${lag.holds} holds expiring over one minute, worker running: p50 ${lag.p50Ms} ms, p99 ${lag.p99Ms} ms, max ${lag.maxMs} ms.\n`;
  return md;
}
