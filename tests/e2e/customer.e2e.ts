/**
 * The seed's five scenarios in a real browser against the production build, plus live updates,
 * both payment paths and the README's screenshots. Every scenario checks the seats in SQL, and
 * the suite ends with the invariants.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { closeDb, collectErrors, db, experienceWithSlot, holdSeats, invariantProblems, openExperience, screenshot, slotCounts } from './fixtures';

test.afterAll(async () => {
  expect(await invariantProblems()).toBe(0);
  await closeDb();
});

/**
 * Moves to another experience the way a visitor does, through the site's links. (Typing an
 * address unloads the page, which — like closing it — gives the hold back by beacon.)
 */
async function browseToExperience(page: Page, name: string, slotId: number): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiences' }).click();
  await page.getByRole('link', { name, exact: true }).click();
  await expect(page.getByTestId(`slot-${slotId}`)).toBeVisible();
}

async function goToBasket(page: Page): Promise<void> {
  await page.getByTestId('hold-banner').getByRole('link', { name: 'Go to basket' }).click();
  await page.waitForURL(/\/basket$/);
}

async function fillContact(page: Page): Promise<void> {
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill('ada@example.com');
}

async function bookingOf(slotId: number): Promise<{ booking_number: string; status: string; expires_at: Date }[]> {
  return db()`
    select b.booking_number, b.status, b.expires_at from data.pending_bookings b
      join data.booking_items i on i.booking_id = b.id where i.slot_id = ${slotId} order by b.id`;
}

async function newPage(browser: Browser, width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: width > 600 ? 900 : 844 } });
  return context.newPage();
}

test('1. single booking: select a time → hold → pay through Stripe Checkout → confirmed, blocked throughout', async ({ page }) => {
  const { slug, slotId } = await experienceWithSlot({ name: 'Harbour sunset', capacity: 6 });
  await openExperience(page, slug, slotId);
  await holdSeats(page, slotId, 2);
  expect(await slotCounts(slotId)).toMatchObject({ held: 2, booked: 0 });
  await expect(page.getByTestId(`slot-${slotId}`)).toHaveAttribute('data-remaining', '4');
  // The visitor's own seats read as theirs, not as seats that "may free".
  await expect(page.getByTestId(`slot-${slotId}`)).toHaveAttribute('data-mine', '2');
  await expect(page.getByRole('button', { name: /^\d\d:\d\d, 4 left, 2 held for you$/ })).toBeVisible();

  await goToBasket(page);
  await expect(page.getByTestId('basket-item')).toHaveCount(1);
  await fillContact(page);
  await page.getByRole('button', { name: 'Confirm and pay' }).click();

  // The Stripe fake's Checkout page; its Pay button posts the signed webhook, then returns here.
  await page.waitForURL(/\/pay\/cs_test_/);
  expect(await slotCounts(slotId)).toMatchObject({ held: 2, booked: 0 });
  await page.getByRole('button', { name: 'Pay' }).click();
  await page.waitForURL(/\/booking\/BK-/);
  await expect(page.getByTestId('booking-status')).toContainText(/confirmed/i);
  expect(await slotCounts(slotId)).toMatchObject({ held: 0, booked: 2 });
});

test('back from the payment page without paying, the customer changes the booking: that payment page closes, the new one charges the change', async ({ page }) => {
  const { slug, slotId } = await experienceWithSlot({ name: 'Harbour change of mind', capacity: 6 });
  await openExperience(page, slug, slotId);
  await holdSeats(page, slotId, 1);
  await goToBasket(page);
  await fillContact(page);
  await page.getByRole('button', { name: 'Confirm and pay' }).click();
  await page.waitForURL(/\/pay\/cs_test_/);
  const firstPaymentPage = page.url();
  await expect(page.getByTestId('total')).toHaveText('30.00 EUR');
  await page.getByRole('button', { name: 'Cancel' }).click();

  await page.waitForURL(/\/booking\/BK-.*checkout=cancelled/);
  await expect(page.getByRole('status')).toContainText('Payment was cancelled. Your seats stay held until');
  await page.getByRole('link', { name: 'Back to your basket' }).click();
  await page.waitForURL(/\/basket$/);
  await expect(page.getByRole('button', { name: /One person more/ })).toHaveCount(0); // frozen while paying
  // The details given before the payment page are there again.
  await expect(page.getByLabel('Name')).toHaveValue('Ada Lovelace');
  await expect(page.getByLabel('Email')).toHaveValue('ada@example.com');
  await page.getByRole('button', { name: 'Change booking' }).click();
  await expect(page.getByText('The payment page is closed: you can change your booking now.')).toBeVisible();
  await page.getByRole('button', { name: /One person more/ }).click();
  await expect(page.getByTestId('basket-total')).toHaveText('€60.00');
  expect(await slotCounts(slotId)).toMatchObject({ held: 2, booked: 0 });
  const [held] = await bookingOf(slotId);
  expect(held).toMatchObject({ status: 'held' });

  await page.getByRole('button', { name: 'Confirm and pay' }).click();
  await page.waitForURL(/\/pay\/cs_test_/);
  expect(page.url()).not.toBe(firstPaymentPage);
  await expect(page.getByTestId('total')).toHaveText('60.00 EUR');
  await page.getByRole('button', { name: 'Pay' }).click();
  await page.waitForURL(/\/booking\/BK-/);
  await expect(page.getByTestId('booking-status')).toContainText(/confirmed/i);
  expect(await slotCounts(slotId)).toMatchObject({ held: 0, booked: 2 });
  // The first payment page can no longer take money.
  await page.goto(firstPaymentPage);
  await expect(page.getByText('This checkout session is expired.')).toBeVisible();
});

test('2. multiple bookings: the timer extends with each, one payment (pay on arrival) confirms both', async ({ page }) => {
  const first = await experienceWithSlot({ name: 'Kayak hour', paymentMode: 'on_arrival', holdDuration: '10 minutes' });
  const second = await experienceWithSlot({ name: 'Pottery evening', paymentMode: 'on_arrival', holdDuration: '15 minutes' });
  await openExperience(page, first.slug, first.slotId);
  await holdSeats(page, first.slotId, 1);
  const [afterFirst] = await bookingOf(first.slotId);
  await expect(page.getByTestId('hold-countdown')).toHaveText(/^(10:00|09:5\d)$/);

  await browseToExperience(page, second.name, second.slotId);
  await page.getByTestId(`slot-${second.slotId}`).click();
  await expect(page.getByTestId('hold-countdown')).toHaveText(/^(15:00|14:5\d)$/);
  const [afterSecond] = await bookingOf(second.slotId);
  expect(afterSecond!.booking_number).toBe(afterFirst!.booking_number);
  expect(afterSecond!.expires_at.getTime()).toBeGreaterThan(afterFirst!.expires_at.getTime());

  await goToBasket(page);
  await expect(page.getByTestId('basket-item')).toHaveCount(2);
  await screenshot(page, 'basket-desktop');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'basket-phone');
  await page.setViewportSize({ width: 1280, height: 900 });

  await fillContact(page);
  await page.getByRole('button', { name: 'Confirm and pay' }).click();
  await page.waitForURL(/\/booking\/BK-/);
  await expect(page.getByTestId('booking-status')).toContainText(/confirmed/i);
  await expect(page.getByText(/due on arrival/i).first()).toBeVisible();
  await screenshot(page, 'confirmation-desktop');
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'confirmation-phone');
  expect(await slotCounts(first.slotId)).toMatchObject({ held: 0, booked: 1 });
  expect(await slotCounts(second.slotId)).toMatchObject({ held: 0, booked: 1 });
});

test('3. concurrent users race for the last seats: exactly one wins, the other is told and sees the count', async ({ browser }) => {
  const { slug, slotId } = await experienceWithSlot({ capacity: 2 });
  const [a, b] = [await newPage(browser), await newPage(browser)];
  for (const page of [a, b]) {
    await openExperience(page, slug, slotId);
    await page.getByLabel('People').selectOption('2');
  }
  // force: the loser's page may already show the start time sold out (aria-disabled) by the time
  // its click lands, and a customer can still click it; Playwright would wait for it to be enabled.
  await Promise.all([a.getByTestId(`slot-${slotId}`).click({ force: true }), b.getByTestId(`slot-${slotId}`).click({ force: true })]);

  const won = await Promise.all(
    [a, b].map((page) =>
      Promise.race([
        page.getByTestId('hold-banner').waitFor().then(() => true),
        page.getByTestId('sold-out-message').waitFor().then(() => false),
      ]),
    ),
  );
  expect(won.filter(Boolean)).toHaveLength(1);
  const loser = won[0] ? b : a;
  await expect(loser.getByTestId('sold-out-message')).toBeVisible();
  await expect(loser.getByTestId(`slot-${slotId}`)).toHaveAttribute('data-remaining', '0');
  expect(await slotCounts(slotId)).toMatchObject({ held: 2 });
  await Promise.all([a.context().close(), b.context().close()]);
});

test('4. abandonment: closing the page gives the seats back at once', async ({ browser }) => {
  const { slug, slotId } = await experienceWithSlot({ capacity: 5 });
  const page = await newPage(browser);
  await openExperience(page, slug, slotId);
  await holdSeats(page, slotId, 3);
  expect(await slotCounts(slotId)).toMatchObject({ held: 3 });
  await page.close({ runBeforeUnload: true });
  await expect.poll(async () => (await slotCounts(slotId)).held, { timeout: 3_000 }).toBe(0);
  const [event] = await db()`
    select e.tier from data.booking_events e join data.booking_items i on i.booking_id = e.booking_id
     where i.slot_id = ${slotId} and e.type = 'released'`;
  expect(event).toEqual({ tier: 'beacon' });
});

test('leaving for another address gives the seats back on the way out; the basket takes the same booking up again, and logs no error', async ({ page }) => {
  const { slug, slotId } = await experienceWithSlot({ capacity: 5 });
  const errors: string[] = [];
  collectErrors(page, errors);
  await openExperience(page, slug, slotId);
  await holdSeats(page, slotId, 2);
  const [before] = await bookingOf(slotId);
  await page.goto('/basket'); // typed in the address bar: the experience page is left, not navigated within
  await expect(page.getByRole('heading', { name: `Booking ${before!.booking_number}` })).toBeVisible();
  await expect(page.getByTestId('basket-item')).toHaveCount(1);
  await expect(page.getByText('These seats are held for you.')).toBeVisible();
  await expect.poll(async () => (await slotCounts(slotId)).held, { timeout: 3_000 }).toBe(2);
  const after = await bookingOf(slotId);
  expect(after).toEqual([{ ...before!, status: 'held' }]); // same number, same expiry: no second booking
  const tiers = await db()`
    select e.type, e.tier from data.booking_events e join data.booking_items i on i.booking_id = e.booking_id
     where i.slot_id = ${slotId} and e.type in ('reserved', 'released', 'resumed') order by e.id`;
  expect(tiers).toEqual([
    { type: 'reserved', tier: null },
    { type: 'released', tier: 'beacon' },
    { type: 'resumed', tier: null },
  ]);
  await expect(page.getByTestId('hold-notice')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a reload keeps the booking: the same number and the same expiry, its seats held throughout the page', async ({ page }) => {
  const { slug, slotId } = await experienceWithSlot({ capacity: 3 });
  const errors: string[] = [];
  collectErrors(page, errors);
  await openExperience(page, slug, slotId);
  await holdSeats(page, slotId, 2);
  const [before] = await bookingOf(slotId);
  await page.reload();
  await expect(page.getByTestId('hold-banner')).toContainText(before!.booking_number);
  await expect.poll(async () => (await bookingOf(slotId)).map((b) => b.status), { timeout: 5_000 }).toEqual(['held']);
  expect((await bookingOf(slotId))[0]!.expires_at).toEqual(before!.expires_at);
  expect(await slotCounts(slotId)).toMatchObject({ held: 2 });
  expect(errors).toEqual([]);
});

test('a reload while someone takes the seats in the moment they were free: the page says they could not be held again', async ({ page }) => {
  const { slug, slotId } = await experienceWithSlot({ capacity: 3 });
  await openExperience(page, slug, slotId);
  await holdSeats(page, slotId, 2);
  const [before] = await bookingOf(slotId);
  // Another customer takes two of the three seats between the beacon and the reloaded page's resume.
  await page.route('**/api/booking/resume', async (route) => {
    await db()`select api.reserve_seats(${slotId}::bigint, 2)`;
    await route.continue();
  });
  await page.reload();
  await expect(page.getByTestId('hold-notice')).toContainText('Leaving the page gave your seats back, and they could not be held again');
  const bookings = await bookingOf(slotId);
  expect(bookings.find((b) => b.booking_number === before!.booking_number)?.status).toBe('released');
  expect(await slotCounts(slotId)).toMatchObject({ held: 2 });
});

test('a booking paid elsewhere while this page still showed it held: leaving the page holds nothing again', async ({ page }) => {
  const { slug, slotId } = await experienceWithSlot({ capacity: 5, paymentMode: 'on_arrival' });
  const errors: string[] = [];
  collectErrors(page, errors);
  await openExperience(page, slug, slotId);
  await holdSeats(page, slotId, 2);
  const [before] = await bookingOf(slotId);
  // Confirmed behind the page's back (the browser's cookie, another client): the page still shows a hold.
  const paid = await page.request.post('/api/create-checkout-session', {
    data: { bookingNumber: before!.booking_number, name: 'Ada Lovelace', email: 'ada@example.com' },
  });
  expect(paid.status()).toBe(200);
  await page.goto('/basket'); // the page unloads with what it thinks is a live hold: its beacon is refused
  // The tab looks into what its beacon gave back, then settles.
  await expect(page.getByTestId('basket-restoring')).toBeVisible();
  await expect(page.getByTestId('basket-restoring')).toHaveCount(0);
  await expect(page.getByText('This booking is confirmed.')).toBeVisible();
  expect(await bookingOf(slotId)).toEqual([{ ...before!, status: 'confirmed' }]);
  expect(await slotCounts(slotId)).toMatchObject({ held: 0, booked: 2 });
  expect(errors).toEqual([]);
});

test('5. expiry: a short hold gives its seats back with no manual step, and the page says so', async ({ page }) => {
  const { slug, slotId } = await experienceWithSlot({ capacity: 4, holdDuration: '4 seconds' });
  await openExperience(page, slug, slotId);
  await holdSeats(page, slotId, 2);
  expect(await slotCounts(slotId)).toMatchObject({ held: 2 });
  // Under a minute left from the start: the banner warns.
  await expect(page.getByTestId('hold-banner')).toHaveAttribute('data-state', 'warning');
  await expect.poll(async () => (await slotCounts(slotId)).held, { timeout: 15_000, intervals: [250] }).toBe(0);
  await expect(page.getByTestId('hold-expired')).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId(`slot-${slotId}`)).toHaveAttribute('data-remaining', '4', { timeout: 5_000 });

  // One click takes the same seats again (a new, short hold that lapses in its turn).
  await page.getByTestId('hold-expired').getByRole('button', { name: 'Try to hold the same seats again' }).click();
  await expect.poll(async () => (await slotCounts(slotId)).held, { timeout: 3_000, intervals: [100] }).toBe(2);
  const holds = await db()`
    select count(*)::int as n from data.pending_bookings b join data.booking_items i on i.booking_id = b.id
     where i.slot_id = ${slotId}`;
  expect(holds[0]!.n).toBe(2);
});

test('live: page B shows A\'s hold within a second, and its release within a second', async ({ browser }) => {
  const { slug, slotId } = await experienceWithSlot({ capacity: 8 });
  const [a, b] = [await newPage(browser), await newPage(browser)];
  await openExperience(a, slug, slotId);
  await openExperience(b, slug, slotId);
  await expect(b.getByTestId(`slot-${slotId}`)).toHaveAttribute('data-remaining', '8');

  await holdSeats(a, slotId, 3);
  await expect(b.getByTestId(`slot-${slotId}`)).toHaveAttribute('data-remaining', '5', { timeout: 1_000 });
  await screenshot(a, 'experience-desktop');
  await a.setViewportSize({ width: 390, height: 844 });
  await screenshot(a, 'experience-phone');

  const [booking] = await bookingOf(slotId);
  await a.request.post('/api/cleanup-expired', { data: { bookingNumber: booking!.booking_number, reason: 'customer' } });
  await expect(b.getByTestId(`slot-${slotId}`)).toHaveAttribute('data-remaining', '8', { timeout: 1_000 });
  await Promise.all([a.context().close(), b.context().close()]);
});

test('live: a dropped stream re-reads on reconnect, so changes made while it was away still show', async ({ browser }) => {
  const { slug, slotId } = await experienceWithSlot({ capacity: 7 });
  const [a, b, c] = [await newPage(browser), await newPage(browser), await newPage(browser)];
  for (const page of [a, b, c]) await openExperience(page, slug, slotId);
  await b.context().setOffline(true);
  await holdSeats(a, slotId, 2);
  // C, online, sees the change: it has been announced — and B, offline, missed it.
  await expect(c.getByTestId(`slot-${slotId}`)).toHaveAttribute('data-remaining', '5', { timeout: 1_000 });
  await expect(b.getByTestId(`slot-${slotId}`)).toHaveAttribute('data-remaining', '7');
  await b.context().setOffline(false);
  await expect(b.getByTestId(`slot-${slotId}`)).toHaveAttribute('data-remaining', '5', { timeout: 5_000 });
  await Promise.all([a, b, c].map((page) => page.context().close()));
});

test('keyboard: a start time can be found and held with the keyboard alone', async ({ page }) => {
  const { slug, slotId } = await experienceWithSlot({ capacity: 3 });
  await openExperience(page, slug, slotId);
  const target = page.getByTestId(`slot-${slotId}`);
  for (let i = 0; i < 25 && !(await target.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(target).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('hold-banner')).toBeVisible();
  expect(await slotCounts(slotId)).toMatchObject({ held: 1 });
});

test('a start time that cannot be held says why when chosen, by pointer or keyboard, and asks the server nothing', async ({ page }) => {
  const { slug, slotId } = await experienceWithSlot({ capacity: 3 });
  // Someone else holds two of the three seats.
  const other = await page.context().browser()!.newContext();
  expect((await other.request.post('/api/reserve-availability', { data: { slotId, quantity: 2 } })).status()).toBe(201);
  await openExperience(page, slug, slotId);
  const target = page.getByTestId(`slot-${slotId}`);
  await expect(target).toHaveAttribute('data-remaining', '1');
  const posts: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().includes('/api/reserve-availability')) posts.push(r.url());
  });

  await page.getByLabel('People').selectOption('2');
  // aria-disabled, not disabled: a customer can still click it (Playwright would wait for it to be enabled).
  await target.click({ force: true });
  await expect(page.getByTestId('sold-out-message')).toHaveText(/^Only 1 seat is left at \d\d:\d\d — not enough for 2\. 2 held — may free at \d\d:\d\d\.$/);

  // The last seat goes too; the keyboard gets the same answer as the pointer.
  expect((await other.request.post('/api/reserve-availability', { data: { slotId, quantity: 1 } })).status()).toBe(201);
  await expect(target).toHaveAttribute('data-status', 'sold_out', { timeout: 5_000 });
  await page.getByLabel('People').selectOption('1');
  await target.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('sold-out-message')).toHaveText(/^\d\d:\d\d is sold out\. 3 held — may free at \d\d:\d\d\.$/);
  expect(posts).toEqual([]);
  expect(await slotCounts(slotId)).toMatchObject({ held: 3 });
  await other.close();
});

test('before hydration the people and date choices and the contact details are disabled, so nothing typed is lost; after, it holds that many', async ({ browser }) => {
  const { slug, slotId } = await experienceWithSlot({ capacity: 6 });
  const [row] = await db()<{ day: string }[]>`
    select to_char(s.starts_at at time zone e.timezone, 'YYYY-MM-DD') as day
      from data.slots s join data.experiences e on e.id = s.experience_id where s.id = ${slotId}`;
  // The server's HTML alone, as a slow phone shows it before the scripts run.
  const html = await browser.newContext({ javaScriptEnabled: false });
  const still = await html.newPage();
  await still.goto(`/experiences/${slug}?date=${row!.day}`);
  await expect(still.getByTestId(`slot-${slotId}`)).toBeVisible();
  await expect(still.getByLabel('People')).toBeDisabled();
  await expect(still.getByLabel('Date')).toBeDisabled();
  await expect(still.getByRole('button', { name: /^Next day/ })).toBeDisabled();
  // The basket's contact details likewise: typed before the scripts run, they would be wiped.
  expect((await html.request.post('/api/reserve-availability', { data: { slotId, quantity: 1 } })).status()).toBe(201);
  await still.goto('/basket');
  await expect(still.getByLabel('Name')).toBeDisabled();
  await expect(still.getByLabel('Email')).toBeDisabled();
  await html.close();

  const page = await browser.newPage();
  await openExperience(page, slug, slotId);
  await holdSeats(page, slotId, 3);
  expect(await slotCounts(slotId)).toMatchObject({ held: 3 + 1 }); // and the basket check's one
  await page.context().close();
});

test('time zones: a start the database placed at 09:00 reads 09:00 in the server’s HTML, the browser, basket and confirmation', async ({ page }) => {
  // British Columbia keeps UTC−7 from November 2026; Node 20's tzdata (2025c) still says UTC−8
  // then, and PostgreSQL's or Chromium's may say either. Pages print the database's local time,
  // so whatever each runtime believes, the slot the database placed at 09:00 reads 09:00.
  const { slug, name } = await experienceWithSlot({ name: 'Kayak in the Salish Sea', timezone: 'America/Vancouver', paymentMode: 'on_arrival' });
  const sql = db();
  const [day] = await sql<{ day: string }[]>`
    select to_char(greatest((api.clock_now() at time zone 'America/Vancouver')::date + 2, date '2026-11-28'), 'YYYY-MM-DD') as day`;
  await sql`select api.generate_slots(${slug}, ${day!.day}::date, ${day!.day}::date, array['09:00']::time[])`;
  const [slot] = await sql<{ id: string; local: string }[]>`
    select s.id, data.local_iso(s.starts_at, e.timezone) as local
      from data.slots s join data.experiences e on e.id = s.experience_id
     where e.slug = ${slug} and data.local_iso(s.starts_at, e.timezone) like ${day!.day + 'T09:00:00%'}`;
  const slotId = Number(slot!.id);
  const offset = `GMT${Number(slot!.local.slice(19, 22))}`; // "-07:00" → "GMT-7"
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /hydrat|#418|#423|#425/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));

  // The server's HTML, before any script runs.
  const html = await (await page.request.get(`/experiences/${slug}?date=${day!.day}`)).text();
  expect(html).toMatch(new RegExp(`data-testid="slot-${slotId}"[^]*?class="start-time__time">09:00<`));
  expect(html).toContain(`America/Vancouver, ${offset}`);

  // The same once hydrated in the browser.
  await page.goto(`/experiences/${slug}?date=${day!.day}`);
  await expect(page.locator('.booker')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId(`slot-${slotId}`).locator('.start-time__time')).toHaveText('09:00');
  await holdSeats(page, slotId, 1);
  await expect(page.getByText(/Held 1 seat at 09:00/)).toBeVisible();

  await goToBasket(page);
  const range = new RegExp(`, 09:00–11:00 \\(America/Vancouver, ${offset}\\)`);
  await expect(page.getByTestId('basket-item')).toContainText(range);
  await fillContact(page);
  await page.getByRole('button', { name: 'Confirm and pay' }).click();
  await page.waitForURL(/\/booking\/BK-/);
  await expect(page.getByRole('heading', { name })).toBeVisible();
  await expect(page.locator('.confirmation__item')).toContainText(range);
  expect(problems).toEqual([]);
});

test('clocks: with the computer\'s clock 20 minutes fast, a hold shows as held and counts down on the server\'s clock, and pages hydrate', async ({ browser }) => {
  const { slug, slotId } = await experienceWithSlot({ name: 'Fast clock tour' });
  const context = await browser.newContext();
  // Date only: the browser's timers run as usual. To this clock the 15-minute hold has lapsed.
  await context.clock.setFixedTime(Date.now() + 20 * 60_000);
  const errors: string[] = [];
  const watch = (page: Page) => collectErrors(page, errors);
  const first = watch(await context.newPage());
  await openExperience(first, slug, slotId);
  await holdSeats(first, slotId, 2);
  await expect(first.getByTestId('hold-countdown')).toHaveText(/^1[45]:\d\d$/);
  // Each page served as HTML with the hold on it, in tabs of its own (the first stays open, so
  // none of them gives the hold back on the way out).
  for (const path of ['/', `/experiences/${slug}`, '/basket']) {
    const page = watch(await context.newPage());
    await page.goto(path);
    await expect(page.getByTestId('hold-banner')).toBeVisible();
    await expect(page.getByTestId('hold-countdown')).toHaveText(/^1[45]:\d\d$/);
  }
  await expect(async () => expect(await slotCounts(slotId)).toMatchObject({ held: 2 })).toPass();
  expect(errors).toEqual([]);
  await context.close();
});
