/**
 * An open-loop load through HTTP: requests fall due on a fixed schedule (`rate` per second),
 * whether or not the earlier ones have been answered, and each one's latency counts from when it
 * fell due, not from when the client got round to sending it.
 *
 * autocannon runs a closed loop: each connection waits for its answer before it sends again, so at
 * N connections the latency is N over the throughput, whatever the server does, and a server that
 * stalls also slows the load down. A target such as "1,000 holds/s at p99 ≤ 50 ms" asks what
 * customers arriving at 1,000 a second would see, which is this.
 */
import http from 'node:http';

export interface OpenLoopRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface OpenLoopResult {
  due: number;
  answered: number;
  non2xx: number;
  errors: number;
  seconds: number;
  /** Every answered request's latency from its due time, in ms. */
  latencies: number[];
}

export async function openLoop(opts: {
  port: number;
  rate: number;
  seconds: number;
  request: () => OpenLoopRequest;
  /** Connections are opened as requests need them (kept alive), up to this many. */
  maxSockets?: number;
  timeoutMs?: number;
}): Promise<OpenLoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 256 });
  const due = Math.round(opts.rate * opts.seconds);
  const latencies: number[] = [];
  const running = new Set<Promise<void>>();
  let non2xx = 0;
  let errors = 0;

  const send = (dueAt: number) => {
    const r = opts.request();
    const done = new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: opts.port,
          method: r.method,
          path: r.path,
          headers: r.body === undefined ? r.headers : { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) },
          agent,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - dueAt);
            if (res.statusCode! < 200 || res.statusCode! >= 300) non2xx++;
            resolve();
          });
        },
      );
      req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error('timed out')));
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(r.body);
    });
    running.add(done);
    void done.then(() => running.delete(done));
  };

  // The schedule is kept by the clock: a tick that comes late sends everything that fell due
  // since the last one, each timed from its own due time.
  const start = performance.now();
  let sent = 0;
  while (sent < due) {
    const fallen = Math.min(due, Math.floor(((performance.now() - start) * opts.rate) / 1000) + 1);
    for (; sent < fallen; sent++) send(start + (sent * 1000) / opts.rate);
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(running);
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { due, answered: latencies.length, non2xx, errors, seconds, latencies };
}
