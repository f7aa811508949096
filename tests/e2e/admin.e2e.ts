/**
 * The staff area in a real browser: every admin page, admin API and server action refuses an
 * anonymous visitor and a customer (listed from the app itself: the page and route files, and
 * the build's server-action manifest), sign-in, and the live board following a customer's hold.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { closeDb, collectErrors, db, experienceWithSlot, holdSeats, openExperience, routesOf, screenshot, slotCounts } from './fixtures';
import { E2E_STAFF } from './staff';

test.afterAll(closeDb);

const appDir = path.resolve('app');

/** A route's dynamic segments given any value: the session is checked before anything is looked up. */
const anyValue = (route: string) => route.replace(/\[[^\]]*\]/g, '1');

/** Server actions of the staff area, from the production build's manifest. */
function adminActions(): { id: string; exportedName: string; page: string }[] {
  const manifest = JSON.parse(readFileSync('.next/server/server-reference-manifest.json', 'utf8')) as {
    node: Record<string, { filename: string; exportedName: string; workers: Record<string, unknown> }>;
  };
  return Object.entries(manifest.node)
    .filter(([, a]) => a.filename.startsWith('app/(admin)/'))
    .map(([id, a]) => ({
      id,
      exportedName: a.exportedName,
      page: '/' + Object.keys(a.workers)[0]!.replace(/^app\//, '').replace(/\/page$/, '').split('/').filter((s) => !/^\(.*\)$/.test(s)).join('/'),
    }));
}

async function customerCookie(request: APIRequestContext): Promise<{ bookingNumber: string }> {
  const { slotId } = await experienceWithSlot({ capacity: 3 });
  const res = await request.post('/api/reserve-availability', { data: { slotId, quantity: 1 } });
  expect(res.status()).toBe(201);
  return { bookingNumber: ((await res.json()) as { bookingNumber: string }).bookingNumber };
}

async function signIn(page: Page, who: (typeof E2E_STAFF)[number] = E2E_STAFF[0]): Promise<void> {
  await page.goto('/admin/sign-in');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin$/);
}

async function newPage(browser: Browser): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
}

test.describe('access control', () => {
  const pages = routesOf('(admin)', 'page.tsx').map(anyValue);
  const apis = routesOf('api/admin', 'route.ts').map(anyValue);

  test('the app has admin pages, APIs and actions to check', () => {
    expect(pages).toEqual(expect.arrayContaining(['/admin', '/admin/sign-in']));
    expect(apis.length).toBeGreaterThan(0);
    expect(adminActions().length).toBeGreaterThan(1);
  });

  for (const visitor of ['anonymous', 'customer'] as const) {
    test(`every admin page sends a ${visitor} visitor to sign in`, async ({ browser }) => {
      const page = await newPage(browser);
      if (visitor === 'customer') await customerCookie(page.request);
      for (const route of pages.filter((p) => p !== '/admin/sign-in')) {
        await page.goto(route);
        expect(new URL(page.url()).pathname, route).toBe('/admin/sign-in');
      }
      await page.context().close();
    });

    test(`every admin API answers a ${visitor} visitor 401`, async ({ browser }) => {
      const page = await newPage(browser);
      if (visitor === 'customer') await customerCookie(page.request);
      for (const route of apis) {
        const source = readFileSync(path.join(appDir, route.replace(/^\/api\//, 'api/'), 'route.ts'), 'utf8');
        const methods = [...source.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]!);
        expect(methods.length, route).toBeGreaterThan(0);
        for (const method of methods) {
          const res = await page.request.fetch(route, { method });
          expect({ route, method, status: res.status() }).toEqual({ route, method, status: 401 });
          expect(((await res.json()) as { code: string }).code).toBe('not_signed_in');
        }
      }
      await page.context().close();
    });

    test(`every admin server action refuses a ${visitor} visitor and changes nothing`, async ({ browser }) => {
      const page = await newPage(browser);
      const customer = await customerCookie(page.request); // a live hold an action could try to release
      if (visitor === 'anonymous') await page.context().clearCookies();
      const before = await slotCountsOf(customer.bookingNumber);
      for (const action of adminActions().filter((a) => a.exportedName !== 'signInAction')) {
        const res = await page.request.post(action.page, {
          headers: { 'next-action': action.id, 'content-type': 'text/plain;charset=UTF-8', accept: 'text/x-component' },
          data: JSON.stringify([customer.bookingNumber]),
          maxRedirects: 0,
        });
        // requireStaff() answers with a redirect to the sign-in page instead of running the action.
        expect(res.headers()['x-action-redirect'] ?? res.headers()['location'] ?? '', action.exportedName).toContain('/admin/sign-in');
      }
      expect(await slotCountsOf(customer.bookingNumber)).toEqual(before);
      await page.context().close();
    });
  }
});

async function slotCountsOf(bookingNumber: string) {
  return db()`
    select b.status, b.availability_reserved, s.held from data.pending_bookings b
      join data.booking_items i on i.booking_id = b.id join data.slots s on s.id = i.slot_id
     where b.booking_number = ${bookingNumber}`;
}

test('sign-in refuses a wrong password without saying which half was wrong, then lets staff in', async ({ page }) => {
  await page.goto('/admin/sign-in');
  await page.getByLabel('Email').fill(E2E_STAFF[1].email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.sign-in').getByRole('alert')).toHaveText('That email and password do not match a staff account.');
  await signIn(page, E2E_STAFF[1]);
  await expect(page.getByRole('heading', { name: 'Live board' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/admin\/sign-in$/);
  await page.goto('/admin');
  expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
});

test('sign-in attempts past the limit for one email are refused for a while, saying so; the password is not checked', async ({ page }) => {
  // As if through a proxy, from an address of its own: other tests' attempts from this machine do not count here.
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': `198.51.100.${Date.now() % 250}` });
  await page.goto('/admin/sign-in');
  const email = `guesswork-${Date.now()}@example.com`;
  const attempts = async () => (await db()<{ attempts: number }[]>`select attempts from data.sign_in_attempts where key = ${'account:' + email}`)[0]?.attempts ?? 0;
  for (let i = 1; i <= 5; i++) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(`guess number ${i}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(attempts).toBe(i);
    // The answer is in and the form reset (React resets a form when its action ends) before the next is typed.
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
    await expect(page.locator('.sign-in').getByRole('alert')).toHaveText('That email and password do not match a staff account.');
  }
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('one more guess');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.sign-in').getByRole('alert')).toHaveText('Too many sign-in attempts. Please wait 15 minutes and try again.');
  expect(await attempts()).toBe(6);
});

test('live board: a start time that began is marked under way, one that is over ended', async ({ browser }) => {
  const { slotId } = await experienceWithSlot({ name: 'Board clock tour' });
  const addSlot = async (startsAgo: string, endsIn: string) => {
    const [slot] = await db()<{ id: string }[]>`
      insert into data.slots (experience_id, starts_at, ends_at, capacity)
      select experience_id, now() - ${startsAgo}::interval, now() + ${endsIn}::interval, 6 from data.slots where id = ${slotId}
      returning id`;
    return staff.getByTestId(`board-slot-${slot!.id}`);
  };
  const staff = await newPage(browser);
  const running = await addSlot('30 minutes', '90 minutes');
  const over = await addSlot('110 minutes', '-10 minutes');
  await signIn(staff);
  await expect(running).toContainText('under way');
  await expect(over).toContainText('ended');
  await expect(over).not.toContainText('under way');
  await expect(staff.getByTestId(`board-slot-${slotId}`)).not.toContainText(/under way|ended/);
  await staff.context().close();
});

test('live board: holds count down, and start times are marked, on the server\'s clock when the staff computer\'s is off', async ({ browser }) => {
  const { slotId } = await experienceWithSlot({ name: 'Board skew tour' });
  const [running] = await db()<{ id: string }[]>`
    insert into data.slots (experience_id, starts_at, ends_at, capacity)
    select experience_id, now() - interval '5 minutes', now() + interval '55 minutes', 6 from data.slots where id = ${slotId}
    returning id`;
  const [hold] = await db()<{ result: { bookingNumber: string } }[]>`
    select api.reserve_seats(p_slot_id => ${slotId}::bigint, p_quantity => 1) as result`;
  const staff = await newPage(browser);
  const errors: string[] = [];
  collectErrors(staff, errors);
  // The staff computer's clock is ten minutes slow (Date only: its timers run as usual).
  await staff.clock.setFixedTime(Date.now() - 10 * 60_000);
  await signIn(staff);
  await staff.reload(); // the board served as HTML and hydrated (sign-in lands on it client-side)
  // The 15-minute hold has about 15 minutes left on the server's clock (about 25 on the
  // browser's), and the start time that began 5 minutes ago is under way (not for 5 more
  // minutes on the browser's). The first render in the browser is the server's, so hydration
  // does not fail.
  const timer = staff.getByRole('timer', { name: `Time left on ${hold!.result.bookingNumber}` });
  await expect(timer).toHaveText(/^1[45]:\d\d$/, { timeout: 5_000 });
  await expect(staff.getByTestId(`board-slot-${running!.id}`)).toContainText('under way');
  expect(errors).toEqual([]);
  await staff.context().close();
});

test('live board: a customer\'s hold appears within a second, and staff can release it', async ({ browser }) => {
  const { slug, slotId } = await experienceWithSlot({ name: 'Board watch tour', capacity: 5 });
  const staff = await newPage(browser);
  await signIn(staff);
  const row = staff.getByTestId(`board-slot-${slotId}`);
  await expect(row).toHaveAttribute('data-held', '0');

  // A customer holds two seats on the site, in a second browser context.
  const customer = await newPage(browser);
  await openExperience(customer, slug, slotId);
  await holdSeats(customer, slotId, 2);
  await expect(row).toHaveAttribute('data-held', '2', { timeout: 1_000 });
  const [held] = await db()<{ booking_number: string }[]>`
    select b.booking_number from data.pending_bookings b join data.booking_items i on i.booking_id = b.id
     where i.slot_id = ${slotId} and b.availability_reserved`;
  const bookingNumber = held!.booking_number;
  const hold = staff.locator(`[data-testid="board-hold"][data-booking="${bookingNumber}"]`);
  await expect(hold).toBeVisible({ timeout: 1_000 });
  await screenshot(staff, 'admin-live-board');

  await hold.getByRole('button', { name: 'Release' }).click();
  await expect(row).toHaveAttribute('data-held', '0', { timeout: 2_000 });
  expect(await slotCounts(slotId)).toMatchObject({ held: 0 });
  const [event] = await db()`
    select e.tier, e.detail->>'staffId' as staff from data.booking_events e
      join data.pending_bookings b on b.id = e.booking_id
     where b.booking_number = ${bookingNumber} and e.type = 'released'`;
  expect(event).toMatchObject({ tier: 'staff', staff: expect.stringMatching(/^\d+$/) });
  await Promise.all([staff.context().close(), customer.context().close()]);
});
