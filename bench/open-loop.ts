/**
 * An open-loop load through HTTP: requests fall due on a fixed schedule (`rate` per second),
 * whether or not the earlier ones have been answered, and each one's latency counts from when it
 * fell due, not from when the client got round to sending it.
 *
 * autocannon runs a closed loop: each connection waits for its answer before it sends again, so at
 * N connections the latency is N over the throughput, whatever the server does, and a server that
 * stalls also slows the load down. A target such as "1,000 holds/s at p99 ≤ 50 ms" asks what
 * customers arriving at 1,000 a second would see, which is this.
 *
 * The client shares the machine's cores with the server, so it is kept cheap, as autocannon is:
 * keep-alive connections written to and read from as raw HTTP/1.1 (one request at a time on each,
 * answers with a Content-Length), a connection opened whenever every open one is busy, up to
 * `maxSockets`; beyond that, due requests wait for a connection (and their wait counts).
 */
import net from 'node:net';

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

interface Connection {
  socket: net.Socket;
  /** The due time of the request it is waiting for an answer to, if any. */
  dueAt: number | undefined;
  buffered: Buffer;
}

const HEADERS_END = Buffer.from('\r\n\r\n');

export async function openLoop(opts: {
  port: number;
  rate: number;
  seconds: number;
  request: () => OpenLoopRequest;
  maxSockets?: number;
  /** After the schedule, how long the last answers are waited for before they count as errors. */
  timeoutMs?: number;
}): Promise<OpenLoopResult> {
  const maxSockets = opts.maxSockets ?? 256;
  const due = Math.round(opts.rate * opts.seconds);
  const latencies: number[] = [];
  const idle: Connection[] = [];
  const open = new Set<Connection>();
  const waiting: number[] = []; // due times of requests without a connection yet
  let non2xx = 0;
  let errors = 0;
  let settled = 0;
  let finished = false;
  let onSettled: (() => void) | undefined;

  const settle = () => {
    settled++;
    if (settled === due) onSettled?.();
  };

  const send = (conn: Connection, dueAt: number) => {
    const r = opts.request();
    const body = r.body ?? '';
    let head = `${r.method} ${r.path} HTTP/1.1\r\nHost: 127.0.0.1:${opts.port}\r\n`;
    for (const [name, value] of Object.entries(r.headers)) head += `${name}: ${value}\r\n`;
    head += `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    conn.dueAt = dueAt;
    conn.socket.write(head + body);
  };

  const release = (conn: Connection) => {
    conn.dueAt = undefined;
    const next = waiting.shift();
    if (next === undefined) idle.push(conn);
    else send(conn, next);
  };

  /** Reads whole answers off the connection's buffer: status line, headers, Content-Length body. */
  const read = (conn: Connection) => {
    for (;;) {
      const end = conn.buffered.indexOf(HEADERS_END);
      if (end < 0) return;
      const head = conn.buffered.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (conn.buffered.length < end + 4 + length) return;
      conn.buffered = conn.buffered.subarray(end + 4 + length);
      const status = Number(head.slice(9, 12));
      if (conn.dueAt !== undefined) {
        latencies.push(performance.now() - conn.dueAt);
        if (status < 200 || status >= 300) non2xx++;
        settle();
        release(conn);
      }
    }
  };

  const connect = (): Connection => {
    const conn: Connection = { socket: net.connect(opts.port, '127.0.0.1'), dueAt: undefined, buffered: Buffer.alloc(0) };
    conn.socket.setNoDelay(true);
    open.add(conn);
    conn.socket.on('data', (chunk: Buffer) => {
      conn.buffered = conn.buffered.length === 0 ? chunk : Buffer.concat([conn.buffered, chunk]);
      read(conn);
    });
    // A connection that fails or is closed under a request loses that request; others go on.
    const drop = () => {
      if (finished || !open.delete(conn)) return;
      const i = idle.indexOf(conn);
      if (i >= 0) idle.splice(i, 1);
      if (conn.dueAt !== undefined) {
        conn.dueAt = undefined;
        errors++;
        settle();
      }
      const next = waiting.shift();
      if (next !== undefined) send(connect(), next);
    };
    conn.socket.on('error', drop).on('close', drop);
    return conn;
  };

  const start = performance.now();
  let sent = 0;
  while (sent < due) {
    // The schedule is kept by the clock: a tick that comes late sends everything that fell due
    // since the last one, each timed from its own due time.
    const fallen = Math.min(due, Math.floor(((performance.now() - start) * opts.rate) / 1000) + 1);
    for (; sent < fallen; sent++) {
      const dueAt = start + (sent * 1000) / opts.rate;
      const conn = idle.pop() ?? (open.size < maxSockets ? connect() : undefined);
      if (conn) send(conn, dueAt);
      else waiting.push(dueAt);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  if (settled < due) {
    await new Promise<void>((resolve) => {
      onSettled = resolve;
      setTimeout(resolve, opts.timeoutMs ?? 30_000).unref();
    });
  }
  const seconds = (performance.now() - start) / 1000;
  finished = true;
  errors += due - settled; // never answered
  for (const conn of open) conn.socket.destroy();
  return { due, answered: latencies.length, non2xx, errors, seconds, latencies };
}
