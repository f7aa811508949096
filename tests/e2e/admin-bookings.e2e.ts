/**
 * Bookings in the staff area, in a real browser against the production build: staff find a
 * booking a customer paid on the site through the Stripe fake's Checkout, read its history,
 * refund part of it through Stripe (the refund reaches the fake exactly once), cancel it (the
 * seats come back on the live board and in the database), and book a walk-in customer who
 * pays on arrival. Invariants are checked in SQL at the end.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { closeDb, db, experienceWithSlot, invariantProblems, screenshot, slotCounts, state } from './fixtures';
import { E2E_STAFF } from './staff';

test.afterAll(async () => {
  expect(await invariantProblems()).toBe(0);
  await closeDb();
});

async function newPage(browser: Browser): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
}

async function signIn(page: Page): Promise<void> {
  const who = E2E_STAFF[1];
  await page.goto('/admin/sign-in');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin$/);
}

/** Moves a fixture slot to start in three hours, so it is among the first on the live board. */
async function startSoon(slotId: number): Promise<void> {
  await db()`update data.slots set starts_at = api.clock_now() + interval '3 hours', ends_at = api.clock_now() + interval '5 hours'
              where id = ${slotId}`;
}

async function localDateOf(slotId: number): Promise<string> {
  const [row] = await db()<{ day: string }[]>`
    select to_char(s.starts_at at time zone e.timezone, 'YYYY-MM-DD') as day
      from data.slots s join data.experiences e on e.id = s.experience_id where s.id = ${slotId}`;
  return row!.day;
}

/** Refunds the Stripe fake has made for a payment intent (GET /v1/refunds, as Stripe lists them). */
async function refundsAtFake(paymentIntent: string): Promise<{ id: string; amount: number }[]> {
  const res = await fetch(`${state().stripeUrl}/v1/refunds?payment_intent=${encodeURIComponent(paymentIntent)}`, {
    headers: { authorization: 'Bearer sk_test_holdfast_e2e' },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { id: string; amount: number }[] }).data;
}

test('staff find a booking paid on the site, see its history, refund part of it through Stripe once, and cancel it', async ({ browser }) => {
  const { slug, slotId } = await experienceWithSlot({ name: 'Lighthouse walk', capacity: 6, priceMinor: 3000 });
  await startSoon(slotId);
  const email = `ada.${Date.now().toString(36)}@example.com`;

  // The customer books and pays on the site (the Stripe fake's Checkout page posts the webhook).
  const customer = await newPage(browser);
  await customer.goto(`/experiences/${slug}?date=${await localDateOf(slotId)}`);
  await customer.getByLabel('People').selectOption('2');
  await customer.getByTestId(`slot-${slotId}`).click();
  await expect(customer.getByTestId('hold-banner')).toBeVisible();
  await customer.getByTestId('hold-banner').getByRole('link', { name: 'Go to basket' }).click();
  await customer.waitForURL(/\/basket$/);
  await customer.getByLabel('Name').fill('Ada Lovelace');
  await customer.getByLabel('Email').fill(email);
  await customer.getByRole('button', { name: 'Confirm and pay' }).click();
  await customer.waitForURL(/\/pay\/cs_test_/);
  await customer.getByRole('button', { name: 'Pay' }).click();
  await customer.waitForURL(/\/booking\/BK-/);
  await expect(customer.getByTestId('booking-status')).toContainText(/confirmed/i);
  const bookingNumber = new URL(customer.url()).pathname.split('/').pop()!;
  expect(await slotCounts(slotId)).toMatchObject({ held: 0, booked: 2 });
  const [paid] = await db()<{ payment_intent_id: string; paid_minor: string }[]>`
    select payment_intent_id, paid_minor from data.pending_bookings where booking_number = ${bookingNumber}`;
  expect(Number(paid!.paid_minor)).toBe(6000);

  // Staff find it by the customer's email.
  const staff = await newPage(browser);
  await signIn(staff);
  await staff.getByRole('navigation', { name: 'Staff' }).getByRole('link', { name: 'Bookings' }).click();
  await staff.waitForURL(/\/admin\/bookings$/);
  await staff.getByLabel('Booking number, name or email').fill(email);
  await staff.getByRole('button', { name: 'Search' }).click();
  await staff.waitForURL(/q=/);
  const rows = staff.getByTestId('booking-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-booking', bookingNumber);
  await expect(rows.first()).toHaveAttribute('data-status', 'confirmed');
  // The filtered list is a link: the same address shows the same result.
  await staff.goto(staff.url());
  await expect(staff.getByTestId('booking-row')).toHaveCount(1);
  await rows.first().getByRole('link', { name: bookingNumber }).click();
  await staff.waitForURL(new RegExp(`/admin/bookings/${bookingNumber}$`));

  // The detail: items on the experience's clock, the whole history, the emails.
  const detail = staff.getByTestId('booking-detail');
  await expect(detail).toHaveAttribute('data-status', 'confirmed');
  await expect(staff.getByTestId('booking-item')).toHaveCount(1);
  await expect(staff.getByTestId('booking-item').first()).toContainText('Lighthouse walk');
  const types = await staff.getByTestId('history-event').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
  expect(types).toEqual(['reserved', 'checkout_started', 'confirmed']);
  await expect(staff.getByTestId('booking-email')).toHaveCount(2);

  // A partial refund through Stripe: the job reaches the fake once; the page follows it.
  await staff.getByLabel('Amount (EUR)').fill('10.00');
  await staff.getByLabel('Note').fill('Late start');
  await staff.getByRole('button', { name: 'Refund', exact: true }).click();
  await expect(staff.getByTestId('action-message')).toHaveText('Refund of €10.00 sent to Stripe.');
  await expect(staff.getByTestId('refund-request').first()).toHaveAttribute('data-status', 'succeeded', { timeout: 15_000 });
  await expect(staff.getByTestId('refunded')).toHaveText('€10.00');
  const refunds = await refundsAtFake(paid!.payment_intent_id);
  expect(refunds.map((r) => r.amount)).toEqual([1000]);
  await staff.evaluate(() => window.scrollTo(0, 0));
  await screenshot(staff, 'admin-booking-detail');

  // Cancel: a confirmation step, then the seats are back — in the database and on the live board.
  await staff.getByRole('button', { name: 'Cancel booking…' }).click();
  await staff.getByLabel('Reason').fill('Customer phoned');
  await staff.getByRole('button', { name: `Yes, cancel ${bookingNumber}` }).click();
  await expect(staff.getByTestId('action-message')).toContainText(`Cancelled ${bookingNumber}; 2 seats are free again. Nothing was refunded: €50.00`);
  await expect(detail).toHaveAttribute('data-status', 'cancelled');
  expect(await slotCounts(slotId)).toMatchObject({ held: 0, booked: 0 });
  const [cancelled] = await db()`
    select e.tier, e.detail->>'reason' as reason, e.detail->>'staffId' as staff from data.booking_events e
      join data.pending_bookings b on b.id = e.booking_id where b.booking_number = ${bookingNumber} and e.type = 'cancelled'`;
  expect(cancelled).toMatchObject({ tier: 'staff', reason: 'Customer phoned', staff: expect.stringMatching(/^\d+$/) });
  await expect(staff.getByTestId('history-event').last()).toHaveAttribute('data-type', 'cancelled');
  // Cancelling refunded nothing more.
  expect((await refundsAtFake(paid!.payment_intent_id)).map((r) => r.amount)).toEqual([1000]);

  await staff.getByRole('navigation', { name: 'Staff' }).getByRole('link', { name: 'Live board' }).click();
  const boardRow = staff.getByTestId(`board-slot-${slotId}`);
  await expect(boardRow).toHaveAttribute('data-booked', '0');
  await expect(boardRow).toHaveAttribute('data-remaining', '6');
  await Promise.all([customer.context().close(), staff.context().close()]);
});

test('a walk-in booking is confirmed at once, paid on arrival, and its confirmation can be sent again', async ({ browser }) => {
  const { slug, slotId } = await experienceWithSlot({ name: 'Walk-in kayak', capacity: 4, priceMinor: 2000 });
  const staff = await newPage(browser);
  await signIn(staff);
  await staff.goto('/admin/bookings');
  await staff.getByRole('link', { name: 'New phone or walk-in booking' }).click();
  await staff.waitForURL(/\/admin\/bookings\/new/);
  await staff.getByLabel('Experience', { exact: true }).selectOption(slug);
  // No date chosen: the experience's today, on its own clock.
  await staff.getByRole('button', { name: 'Show start times' }).click();
  const [today] = await db()<{ day: string }[]>`
    select to_char((api.clock_now() at time zone e.timezone)::date, 'YYYY-MM-DD') as day
      from data.experiences e where e.slug = ${slug}`;
  await expect(staff.getByLabel(/^Date/)).toHaveValue(today!.day);
  const day = await localDateOf(slotId);
  await staff.getByLabel(/^Date/).fill(day);
  await staff.getByRole('button', { name: 'Show start times' }).click();
  // The day in words, as every staff page prints dates ("Friday 4 December 2026").
  const [words] = await db()<{ text: string }[]>`select trim(to_char(${day}::date, 'FMDay FMDD FMMonth YYYY')) as text`;
  await expect(staff.getByRole('heading', { name: `Walk-in kayak on ${words!.text}` })).toBeVisible();
  const time = staff.getByTestId(`walk-in-slot-${slotId}`);
  await expect(time).toHaveAttribute('data-remaining', '4');

  // Nothing chosen: the form says what is missing and books nothing.
  await staff.getByRole('button', { name: 'Book and confirm' }).click();
  await expect(staff.getByTestId('walk-in-message')).toHaveText('Please check the highlighted fields.');
  await expect(staff.getByText('Choose a start time.')).toBeVisible();

  await time.click();
  await staff.getByLabel('People').fill('3');
  await staff.getByLabel('Name').fill('Walter Walkin');
  await staff.getByLabel(/^Email/).fill('walter@example.com');
  await staff.getByLabel(/^Phone/).fill('+351 21 000 0000');
  await staff.getByRole('button', { name: 'Book and confirm' }).click();
  await staff.waitForURL(/\/admin\/bookings\/BK-[^/?]+\?created=1$/);
  const bookingNumber = new URL(staff.url()).pathname.split('/').pop()!;
  await expect(staff.getByTestId('booking-detail')).toHaveAttribute('data-status', 'confirmed');
  await expect(staff.getByText('Booked and confirmed; payment is due on arrival.')).toBeVisible();
  expect(await slotCounts(slotId)).toMatchObject({ held: 0, booked: 3 });
  const [row] = await db()`
    select status, payment_provider, customer_phone from data.pending_bookings where booking_number = ${bookingNumber}`;
  expect(row).toMatchObject({ status: 'confirmed', payment_provider: 'on_arrival', customer_phone: '+351 21 000 0000' });
  await expect(staff.getByTestId('booking-email')).toHaveCount(2);
  // No card payment: nothing to refund, so no refund form.
  await expect(staff.getByRole('button', { name: 'Refund', exact: true })).toHaveCount(0);

  await staff.getByRole('button', { name: 'Resend confirmation' }).click();
  await expect(staff.getByTestId('action-message')).toHaveText('Confirmation queued for walter@example.com.');
  await expect(staff.getByTestId('booking-email')).toHaveCount(3);
  await expect(staff.getByTestId('history-event').last()).toHaveAttribute('data-type', 'confirmation_resent');

  // In the list, confirmed; and the start time has one seat left for the next walk-in.
  await staff.goto(`/admin/bookings?q=${encodeURIComponent('Walter Walkin')}&status=confirmed`);
  await expect(staff.locator(`[data-testid="booking-row"][data-booking="${bookingNumber}"]`)).toHaveAttribute('data-status', 'confirmed');
  // The filtered list downloads as CSV: the same booking, as a spreadsheet will read it.
  const [download] = await Promise.all([staff.waitForEvent('download'), staff.getByTestId('bookings-export').click()]);
  expect(download.suggestedFilename()).toBe('holdfast-bookings.csv');
  const csv = await readFile((await download.path())!, 'utf8');
  const lines = csv.trim().split('\r\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^booking_number,status,/);
  expect(lines[1]).toContain(`${bookingNumber},confirmed,`);
  expect(lines[1]).toContain('Walter Walkin');
  await staff.goto(`/admin/bookings/new?experience=${slug}&date=${await localDateOf(slotId)}`);
  await expect(staff.getByTestId(`walk-in-slot-${slotId}`)).toHaveAttribute('data-remaining', '1');
  await staff.getByTestId(`walk-in-slot-${slotId}`).click();
  await staff.getByLabel('People').fill('2');
  await staff.getByLabel('Name').fill('Too Many');
  await staff.getByRole('button', { name: 'Book and confirm' }).click();
  await expect(staff.getByTestId('walk-in-message')).toHaveText('Only 1 seat is left at that time.');
  expect(await slotCounts(slotId)).toMatchObject({ booked: 3 });
  await staff.context().close();
});

test('the list filters by status and date, says when nothing matches, and flags late payments to refund', async ({ page }) => {
  await signIn(page);
  await page.goto('/admin/bookings?q=nobody-matches-this-search');
  await expect(page.getByTestId('bookings-empty')).toContainText('No booking matches this search.');
  await page.goto('/admin/bookings?status=bogus&from=not-a-date');
  await expect(page.getByRole('status').filter({ hasText: 'is not a status' })).toBeVisible();

  // A late payment whose seats were gone: refund_due, flagged above the list.
  const { slotId } = await experienceWithSlot({ name: 'Late payment tour', capacity: 2 });
  const [booking] = await db()<{ n: string }[]>`
    with b as (
      insert into data.pending_bookings (booking_number, hold_token_hash, status, expires_at, availability_reserved,
                                         customer_name, customer_email, payment_provider, payment_intent_id,
                                         paid_minor, total_minor, currency)
      values (data.new_booking_number(), data.hash_token('e2e'), 'refund_due', api.clock_now(), false,
              'Late Payer', 'late@example.com', 'stripe', 'pi_e2e_late', 3000, 3000, 'EUR')
      returning id, booking_number)
    , i as (insert into data.booking_items (booking_id, slot_id, quantity, unit_price_minor)
            select id, ${slotId}, 1, 3000 from b)
    select booking_number as n from b`;
  await page.goto('/admin/bookings');
  await expect(page.getByTestId('refund-due-alert')).toBeVisible();
  await page.getByTestId('refund-due-alert').getByRole('link', { name: 'Show them' }).click();
  await page.waitForURL(/status=refund_due/);
  await expect(page.locator(`[data-testid="booking-row"][data-booking="${booking!.n}"]`)).toBeVisible();
  const statuses = await page.getByTestId('booking-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
  expect(new Set(statuses)).toEqual(new Set(['refund_due']));

  // Dates are the experiences' local dates.
  const day = await localDateOf(slotId);
  await page.goto(`/admin/bookings?q=late%40example.com&from=${day}&to=${day}`);
  await expect(page.locator(`[data-testid="booking-row"][data-booking="${booking!.n}"]`)).toBeVisible();
  await page.goto(`/admin/bookings?q=late%40example.com&from=2000-01-01&to=2000-01-02`);
  await expect(page.getByTestId('bookings-empty')).toBeVisible();
});
