/**
 * Every page of the app, customer's and staff's, in a browser far from the server's time zone and
 * language (UTC+14, German): none of them raises a page error or logs a console error, and none
 * has a violation of axe-core's WCAG 2.1 A and AA rules. The server renders in UTC; a component
 * that formatted a time with the runtime's own zone or locale would print other text in the
 * browser than on the server, and React reports the failed hydration as an error. The pages are
 * read from app/, so a new page fails this test until it has an address here.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { closeDb, collectErrors, db, experienceWithSlot, routesOf } from './fixtures';
import { E2E_STAFF } from './staff';

test.afterAll(closeDb);

test('every page renders without an error, and passes axe\'s WCAG 2.1 A/AA rules, in a browser at UTC+14 in German', async ({ browser }) => {
  test.setTimeout(240_000); // sixteen pages, each loaded and scanned: ~45 s here
  const { slug, slotId } = await experienceWithSlot({ name: 'Far-away tour', paymentMode: 'on_arrival' });
  const context = await browser.newContext({ timezoneId: 'Pacific/Kiritimati', locale: 'de-DE', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  collectErrors(page, problems);
  const visited = new Set<string>();
  const visit = async (route: string, url: string) => {
    await page.goto(url, { waitUntil: 'networkidle' });
    visited.add(route);
    // The email preview's frame is sandboxed without scripts: axe cannot run inside it (trying
    // costs a second's timeout and makes the browser log a refusal). It is left out.
    const axe = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .exclude('iframe[sandbox]')
      .analyze();
    for (const v of axe.violations) {
      problems.push(`${route}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }
  };

  // The customer's pages: a held basket, then the booking confirmed (pay on arrival) and its page.
  await visit('/', '/');
  await visit('/experiences/[slug]', `/experiences/${slug}`);
  const held = await page.request.post('/api/reserve-availability', { data: { slotId, quantity: 2 } });
  expect(held.status()).toBe(201);
  const { bookingNumber, holdToken } = (await held.json()) as { bookingNumber: string; holdToken: string };
  await visit('/basket', '/basket');
  await expect(page.getByText(bookingNumber).first()).toBeVisible();
  const paid = await page.request.post('/api/create-checkout-session', {
    data: { bookingNumber, holdToken, name: 'Fern Faraway', email: 'fern@example.com' },
  });
  expect(paid.status()).toBe(200);
  await visit('/booking/[number]', `/booking/${bookingNumber}`);
  await expect(page.getByText('Confirmed').first()).toBeVisible();

  // The staff's pages, signed in as an owner (who may see them all).
  await visit('/admin/sign-in', '/admin/sign-in');
  await page.getByLabel('Email').fill(E2E_STAFF[0].email);
  await page.getByLabel('Password').fill(E2E_STAFF[0].password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin$/);
  const [email] = await db()<{ id: string }[]>`
    select o.id from data.email_outbox o join data.pending_bookings b on b.id = o.booking_id
     where b.booking_number = ${bookingNumber} order by o.id limit 1`;
  const staffPages: [string, string][] = [
    ['/admin', '/admin'],
    ['/admin/bookings', '/admin/bookings'],
    ['/admin/bookings/[number]', `/admin/bookings/${bookingNumber}`],
    ['/admin/bookings/new', `/admin/bookings/new?experience=${slug}`],
    ['/admin/experiences', '/admin/experiences'],
    ['/admin/experiences/[slug]', `/admin/experiences/${slug}`],
    ['/admin/experiences/new', '/admin/experiences/new'],
    ['/admin/manifest/[slotId]', `/admin/manifest/${slotId}`],
    ['/admin/metrics', '/admin/metrics'],
    ['/admin/logs', '/admin/logs'],
    ['/admin/logs/emails/[id]', `/admin/logs/emails/${email!.id}`],
  ];
  for (const [route, url] of staffPages) {
    await visit(route, url);
    expect(new URL(page.url()).pathname, `${url} stayed where it was`).toBe(url.split('?')[0]);
  }

  expect(routesOf('', 'page.tsx').filter((route) => !visited.has(route)), 'pages this test does not visit').toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});
