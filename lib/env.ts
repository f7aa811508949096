/**
 * The one place that reads process.env. Every setting is optional, validated once, and
 * documented in README.md (Configuration) and .env.example.
 */
import { z } from 'zod';

const booleanish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const Env = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** PostgreSQL to use. Absent: `npm run dev`/`npm start` start an embedded PostgreSQL. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Connections per server process. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),
  /** Named prepared statements; set false behind a transaction pooler (PgBouncer, Supavisor). */
  DATABASE_PREPARE: booleanish.default(true),
  /** Where the embedded PostgreSQL keeps its data (relative to the project). */
  HOLDFAST_DATA_DIR: z.string().min(1).default('.holdfast/postgres'),
  /** Port of the embedded PostgreSQL; absent: the first free port from 54329 up. */
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).optional(),
  /** Bearer token that GET /api/cleanup-expired requires (Vercel cron sends it). */
  CRON_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /**
   * Bearer token GET /api/metrics (Prometheus) requires; a signed-in staff session may read it
   * too. Absent: the endpoint is disabled (404).
   */
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (it travels in an HTTP header)')
    .optional(),
  /**
   * Where pg-boss jobs run: `inline` in the Next.js server process, `off` when `npm run worker`
   * runs them (or on Vercel, where the cron route does the work). Default: inline, off on Vercel.
   */
  HOLDFAST_WORKER: z.enum(['inline', 'off']).optional(),
  /** Set by Vercel; turns the inline worker off by default. */
  VERCEL: z.string().optional(),
  /** Cron expression of the failsafe sweep schedule (pg-boss, UTC). */
  SWEEP_CRON: z.string().min(9).default('* * * * *'),
  /** How often an idle worker polls for due jobs, in seconds (>= 0.5). */
  JOB_POLL_SECONDS: z.coerce.number().min(0.5).max(60).default(0.5),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /**
   * How many proxies in front of the app append to X-Forwarded-For (Vercel, a load balancer,
   * nginx's $proxy_add_x_forwarded_for). The client is the address the outermost of them saw:
   * that many entries from the right; what the client sent itself, further left, is not trusted.
   * 0: no proxy, the connection's own address (the header is ignored).
   */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(1),
  /**
   * Whether `next start` gzips its answers (Next.js's `compress`, read by next.config.ts). Off
   * behind a proxy or CDN that compresses: Next.js's middleware then stays out of every request
   * (README, Performance: ~10 % more reservations a second at 32-64 connections).
   */
  HTTP_COMPRESSION: booleanish.default(true),
  /** Public base URL of the site, for links in emails and Stripe's return URLs. Absent: the request's own origin (emails: http://localhost:PORT). */
  SITE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Stripe secret key. Absent: every booking is confirmed with payment due on arrival. */
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret key (sk_test_…, sk_live_…)').optional(),
  /** Signing secret of the webhook endpoint (whsec_…). Required with STRIPE_SECRET_KEY. */
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, 'must be a webhook signing secret (whsec_…)').optional(),
  /** Stripe API base URL; only for tests and local fakes (default: Stripe's own). */
  STRIPE_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
  /** Resend API key. Absent: emails are rendered into the outbox but not sent. */
  RESEND_API_KEY: z.string().min(8).optional(),
  /** Resend API base URL; only for tests and local fakes. */
  RESEND_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Sender of every email. */
  EMAIL_FROM: z.string().min(3).default('Holdfast <bookings@holdfast.invalid>'),
  /** The first owner, created at start-up (and by `npm run db:migrate`) if no account has this email. */
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
  /** Where staff notifications go. Absent: they stay in the outbox (status not_sent). */
  STAFF_EMAIL: z.email().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})
  .refine((e) => !e.STRIPE_SECRET_KEY === !e.STRIPE_WEBHOOK_SECRET, {
    message: 'set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or neither (without the webhook secret no payment could be confirmed)',
    path: ['STRIPE_WEBHOOK_SECRET'],
  })
  .refine((e) => !e.ADMIN_EMAIL === !e.ADMIN_PASSWORD, {
    message: 'set both ADMIN_EMAIL and ADMIN_PASSWORD, or neither',
    path: ['ADMIN_PASSWORD'],
  });
export type Env = z.infer<typeof Env>;

/** Parses an environment; throws one readable error listing every bad variable. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = Env.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

let cached: Env | undefined;

/** The process environment, parsed once. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Parses the environment again on next use (tests that start a fake provider on a new port). */
export function reloadEnv(): void {
  cached = undefined;
}

/** Whether this process should run the pg-boss worker inside the web server. */
export function inlineWorker(): boolean {
  const config = env();
  return (config.HOLDFAST_WORKER ?? (config.VERCEL ? 'off' : 'inline')) === 'inline';
}

/**
 * HTTP_COMPRESSION alone, for next.config.ts, which Next.js also loads to build: the rest of the
 * environment is checked when the server starts, not when it is built.
 */
export function httpCompression(): boolean {
  return parseEnv({ HTTP_COMPRESSION: process.env.HTTP_COMPRESSION }).HTTP_COMPRESSION;
}

/** The database URL, or a clear error when none was configured. */
export function databaseUrl(): string {
  const url = env().DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set. Start Holdfast with `npm run dev` or `npm start` (they start an embedded PostgreSQL), or set DATABASE_URL.',
    );
  }
  return url;
}
