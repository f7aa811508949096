/**
 * What the end-to-end tests share: the server's state file (written by serve.ts), a connection
 * to its database for fixtures and for checking the invariants in SQL, screenshots, and the
 * app's own list of its pages and routes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import postgres from 'postgres';

export interface E2EState {
  baseUrl: string;
  databaseUrl: string;
  stripeUrl: string;
}

export function state(): E2EState {
  return JSON.parse(readFileSync(path.resolve('.holdfast/e2e-state.json'), 'utf8')) as E2EState;
}

/**
 * Every file under app/`under` named `name` ("page.tsx", "route.ts"), as the route it serves
 * ("/admin/bookings/[number]"): route groups dropped, dynamic segments kept.
 */
export function routesOf(under: string, name: string): string[] {
  const appDir = path.resolve('app');
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === name) found.push(full);
    }
  };
  walk(path.join(appDir, under));
  return found
    .map((file) => '/' + path.relative(appDir, path.dirname(file)).split(path.sep).filter((s) => s && !/^\(.*\)$/.test(s)).join('/'))
    .sort();
}

/**
 * A sandboxed frame without scripts (the email preview's) refusing a script. Not the page's own:
 * the test's tools run scripts in every frame of a page, and the browser logs the refusal.
 * Playwright's trace recorder does (an init script, and on each new frame): in some runs and not
 * others, a trace of a failed CI run shows it logged during page.goto, before anything else had
 * touched the page. So did axe, before the every-page test left the frame out of its run. It is
 * the sandbox doing its job, whoever asked.
 */
const SANDBOX_REFUSAL = /^Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/;

/**
 * Collects the page's uncaught errors and console errors (the way React reports a failed
 * hydration) into `into`, each after the path it happened on.
 */
export function collectErrors(page: Page, into: string[]): Page {
  const where = () => new URL(page.url()).pathname;
  page.on('pageerror', (err) => into.push(`${where()}: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (SANDBOX_REFUSAL.test(message.text())) return;
    into.push(`${where()}: ${message.text()}`);
  });
  return page;
}

let pool: postgres.Sql | undefined;
export function db(): postgres.Sql {
  pool ??= postgres(state().databaseUrl, { max: 4, onnotice: () => {} });
  return pool;
}
export async function closeDb(): Promise<void> {
  await pool?.end({ timeout: 5 });
  pool = undefined;
}

let counter = 0;

/** A fresh experience with one slot tomorrow at 10:00 local time; returns slug and slot id. */
export async function experienceWithSlot(options: {
  name?: string;
  capacity?: number;
  holdDuration?: string;
  paymentMode?: 'auto' | 'stripe' | 'on_arrival';
  priceMinor?: number;
  timezone?: string;
} = {}): Promise<{ slug: string; slotId: number; name: string }> {
  const slug = `e2e-${Date.now().toString(36)}-${(counter++).toString(36)}`;
  const name = options.name ?? `Test tour ${counter}`;
  const sql = db();
  const [exp] = await sql<{ id: string }[]>`
    insert into data.experiences (slug, name, description, timezone, duration, default_capacity, price_minor,
                                  currency, hold_duration, max_people_per_booking, payment_mode, what_to_bring)
    values (${slug}, ${name}, 'An experience made by the end-to-end tests.', ${options.timezone ?? 'Europe/Lisbon'},
            '2 hours', ${options.capacity ?? 6}, ${options.priceMinor ?? 3000}, 'EUR',
            ${options.holdDuration ?? '15 minutes'}::interval, 6, ${options.paymentMode ?? 'auto'}, 'Comfortable shoes')
    returning id`;
  const [slot] = await sql<{ id: string }[]>`
    insert into data.slots (experience_id, starts_at, ends_at, capacity)
    select e.id, t.starts_at, t.starts_at + e.duration, e.default_capacity
      from data.experiences e
     cross join lateral (select ((api.clock_now() at time zone e.timezone)::date + 1 + time '10:00') at time zone e.timezone as starts_at) t
     where e.id = ${exp!.id}
    returning id`;
  return { slug, slotId: Number(slot!.id), name };
}

export async function slotCounts(slotId: number): Promise<{ capacity: number; held: number; booked: number }> {
  const [row] = await db()<{ capacity: number; held: number; booked: number }[]>`
    select capacity, held, booked from data.slots where id = ${slotId}`;
  return row!;
}

/** Oversold slots or counters out of step with the items (must be none). */
export async function invariantProblems(): Promise<number> {
  const [row] = await db()<{ n: number }[]>`
    select count(*)::int as n from data.slots s
     where s.held + s.booked > s.capacity
        or s.held <> (select coalesce(sum(i.quantity), 0) from data.booking_items i
                        join data.pending_bookings b on b.id = i.booking_id
                       where i.slot_id = s.id and b.availability_reserved)
        or s.booked <> (select coalesce(sum(i.quantity), 0) from data.booking_items i
                          join data.pending_bookings b on b.id = i.booking_id
                         where i.slot_id = s.id and b.status = 'confirmed')`;
  return row!.n;
}

/** Saves a screenshot for the README (docs/screenshots), at the page's current size. */
export async function screenshot(page: Page, name: string): Promise<void> {
  // The viewport, not the full page: the hold banner is fixed to the bottom of the window.
  await page.screenshot({ path: path.resolve('docs/screenshots', `${name}.png`) });
}

/** Opens the experience on the day of its slot (tomorrow, local) — a fresh visit, by address. */
export async function openExperience(page: Page, slug: string, slotId: number): Promise<void> {
  const [row] = await db()<{ day: string }[]>`
    select to_char(s.starts_at at time zone e.timezone, 'YYYY-MM-DD') as day
      from data.slots s join data.experiences e on e.id = s.experience_id where s.id = ${slotId}`;
  await page.goto(`/experiences/${slug}?date=${row!.day}`);
  await expect(page.getByTestId(`slot-${slotId}`)).toBeVisible();
  // Hydrated: a click on the server-rendered button before React has attached its handlers is
  // lost (it failed the two-browser race once in CI, on a busy machine: one page never sent).
  await expect(page.locator('.booker')).toHaveAttribute('data-ready', 'true');
}

/** Picks the number of people and clicks the start time, as a customer does. */
export async function holdSeats(page: Page, slotId: number, people: number): Promise<void> {
  await page.getByLabel('People').selectOption(String(people));
  await page.getByTestId(`slot-${slotId}`).click();
  await expect(page.getByTestId('hold-banner')).toBeVisible();
}

