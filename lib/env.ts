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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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

/** Whether this process should run the pg-boss worker inside the web server. */
export function inlineWorker(): boolean {
  const config = env();
  return (config.HOLDFAST_WORKER ?? (config.VERCEL ? 'off' : 'inline')) === 'inline';
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
