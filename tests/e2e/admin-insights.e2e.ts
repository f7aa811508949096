/**
 * Staff metrics and logs in a real browser: the metrics page shows the database's numbers for a
 * period (after a customer holds, pays on arrival, closes a page and loses a race), an outbox
 * email opens in its sandboxed preview, and "Run cleanup now" releases a lapsed hold. Takes
 * docs/screenshots/admin-metrics.png.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { closeDb, db, experienceWithSlot, screenshot, slotCounts } from './fixtures';
import { E2E_METRICS_TOKEN } from './metrics-token';
import { E2E_STAFF } from './staff';

test.afterAll(closeDb);

async function staffPage(browser: Browser, height = 900): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height } })).newPage();
  await page.goto('/admin/sign-in');
  await page.getByLabel('Email').fill(E2E_STAFF[1].email);
  await page.getByLabel('Password').fill(E2E_STAFF[1].password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin$/);
  return page;
}

interface Metrics {
  reservations: { attempts: number; successes: number; conflicts: number };
  releases: Record<string, number>;
  bookings: { created: number; converted: number; abandoned: number };
}

/** The metrics of local days on the metrics' clock, straight from the database. */
async function dbMetrics(from: string, to: string): Promise<Metrics> {
  const [row] = await db()<{ m: Metrics }[]>`select api.staff_metrics_days(${from}::date, ${to}::date) as m`;
  return row!.m;
}

/** The metrics' time zone (most experiences') and today's date on it. */
async function dbClock(): Promise<{ timezone: string; today: string }> {
  const [row] = await db()<{ c: { timezone: string; today: string } }[]>`select api.staff_metrics_clock() as c`;
  return row!.c;
}

/** A customer's story on a two-seat slot: A pays on arrival, B closes the page, C finds it sold out. */
async function customerStory(browser: Browser): Promise<{ paid: string }> {
  const { slotId } = await experienceWithSlot({ name: 'Metrics harbour walk', capacity: 2, paymentMode: 'on_arrival' });
  const customer = await (await browser.newContext()).newPage();
  const reserve = async () => {
    const res = await customer.request.post('/api/reserve-availability', { data: { slotId, quantity: 1 } });
    return { status: res.status(), body: (await res.json()) as { bookingNumber: string; holdToken: string } };
  };
  const a = await reserve();
  const b = await reserve();
  expect([a.status, b.status]).toEqual([201, 201]);
  expect((await reserve()).status).toBe(409);
  const paid = await customer.request.post('/api/create-checkout-session', {
    data: { bookingNumber: a.body.bookingNumber, holdToken: a.body.holdToken, name: 'Ada Metrics', email: 'ada@example.com' },
  });
  expect(paid.status()).toBe(200);
  const released = await customer.request.post('/api/cleanup-expired', {
    data: { bookingNumber: b.body.bookingNumber, holdToken: b.body.holdToken, reason: 'beacon' },
  });
  expect(released.status()).toBe(200);
  expect(await slotCounts(slotId)).toMatchObject({ held: 0, booked: 1 });
  await customer.context().close();
  return { paid: a.body.bookingNumber };
}

test('metrics: the page shows the database\'s numbers for the chosen period, and its screenshot', async ({ browser }) => {
  await customerStory(browser);
  const staff = await staffPage(browser, 1500);
  const { timezone, today } = await dbClock();

  await staff.goto('/admin/metrics?preset=today');
  await expect(staff.getByRole('heading', { name: 'Metrics' })).toBeVisible();
  await expect(staff.getByTestId('metrics-period')).toContainText(`${today} (days in ${timezone}, both included; 1 day)`);
  const expected = await dbMetrics(today, today);
  expect(expected.reservations.attempts).toBeGreaterThanOrEqual(3);
  expect(expected.reservations.conflicts).toBeGreaterThanOrEqual(1);
  await expect(staff.getByTestId('metric-success-rate')).toContainText(
    `${expected.reservations.successes} of ${expected.reservations.attempts} attempts`,
  );
  await expect(staff.getByTestId('metric-conflicts').locator('[data-value]')).toHaveText(String(expected.reservations.conflicts));
  await expect(staff.getByTestId('metric-conversion')).toContainText(`${expected.bookings.converted} of ${expected.bookings.created} bookings`);
  await expect(staff.getByTestId('metric-abandonment')).toContainText(`${expected.bookings.abandoned} of ${expected.bookings.created} bookings`);
  await expect(staff.locator('[data-testid="releases-by-tier"] tr[data-tier="beacon"]')).toHaveAttribute('data-value', String(expected.releases.beacon));
  // Each chart states its numbers for assistive technology.
  await expect(staff.getByTestId('chart-reservations-svg')).toHaveAttribute('aria-label', new RegExp(`Taken ${expected.reservations.successes}, Refused \\(conflict\\) ${expected.reservations.conflicts} over 1 day`));

  // A chosen period through the form's GET parameters; a backwards one is refused with a message.
  await staff.goto(`/admin/metrics?from=${today}&to=${today}`);
  await expect(staff.getByTestId('metric-success-rate')).toContainText(`of ${expected.reservations.attempts} attempts`);
  await staff.goto('/admin/metrics?from=2026-02-10&to=2026-02-01');
  await expect(staff.locator('p[role="alert"]')).toContainText('must end on or after');

  await staff.goto('/admin/metrics?preset=7d');
  await expect(staff.getByTestId('metric-success-rate')).toBeVisible();
  await screenshot(staff, 'admin-metrics');
  await staff.context().close();
});

test('logs: an outbox email opens in its sandboxed preview with the text part', async ({ browser }) => {
  const { paid } = await customerStory(browser);
  // The inline worker renders the confirmation into the outbox (not sent: no RESEND_API_KEY here).
  await expect
    .poll(async () => {
      const [row] = await db()`
        select o.id, o.html is not null as rendered from data.email_outbox o
          join data.pending_bookings b on b.id = o.booking_id
         where b.booking_number = ${paid} and o.kind = 'confirmation'`;
      return row?.rendered ? Number(row.id) : 0;
    }, { timeout: 10_000 })
    .toBeGreaterThan(0);

  const staff = await staffPage(browser);
  await staff.goto('/admin/logs');
  const row = staff.locator(`[data-testid="outbox-row"][data-booking="${paid}"]`).filter({ hasText: 'confirmation' });
  await expect(row).toHaveCount(1);
  await row.getByRole('link').click();
  await staff.waitForURL(/\/admin\/logs\/emails\/\d+$/);
  const frame = staff.getByTestId('email-html');
  await expect(frame).toHaveAttribute('sandbox', '');
  // (The first occurrence is the preheader React Email hides; look for a visible one.)
  await expect(staff.frameLocator('[data-testid="email-html"]').getByText(paid).filter({ visible: true }).first()).toBeVisible();
  await expect(staff.getByTestId('email-text')).toContainText(paid);

  // On the booking's page: the staff notification is rendered but has nobody to go to (no
  // STAFF_EMAIL here), and each email opens in the same preview.
  await expect
    .poll(async () => {
      const [row] = await db()`
        select o.subject is not null as rendered from data.email_outbox o
          join data.pending_bookings b on b.id = o.booking_id
         where b.booking_number = ${paid} and o.kind = 'staff_notification'`;
      return row?.rendered ?? false;
    }, { timeout: 10_000 })
    .toBe(true);
  await staff.goto(`/admin/bookings/${paid}`);
  const notification = staff.locator('[data-testid="booking-email"][data-kind="staff_notification"]');
  await expect(notification).toContainText('no recipient');
  await expect(notification).not.toContainText('not rendered yet');
  await notification.getByRole('link', { name: 'staff notification' }).click();
  await staff.waitForURL(/\/admin\/logs\/emails\/\d+$/);
  await expect(staff.getByTestId('email-text')).toContainText(paid);
  await staff.context().close();
});

test('logs: "Run cleanup now" releases a lapsed hold and says how many', async ({ browser }) => {
  const staff = await staffPage(browser);
  await staff.goto('/admin/logs');
  // The worker's every-minute sweep may take a lapsed hold in the instant before the click (it
  // records the same tier): then the button found nothing, and the story runs once more.
  let releasedByButton = 0;
  for (let attempt = 0; attempt < 3 && releasedByButton === 0; attempt++) {
    const { slotId } = await experienceWithSlot({ name: 'Lapsing hold tour', capacity: 4, holdDuration: '10 minutes' });
    const res = await staff.request.post('/api/reserve-availability', { data: { slotId, quantity: 2 } });
    const { bookingNumber } = (await res.json()) as { bookingNumber: string };
    try {
      await db()`select api.shift_clock('11 minutes')`;
      await staff.getByRole('button', { name: 'Run cleanup now' }).click();
      const result = staff.getByTestId('cleanup-result');
      await expect(result).toHaveText(/^Released \d+ lapsed holds?\./);
      releasedByButton = Number(await result.getAttribute('data-released'));
    } finally {
      await db()`update data.clock set skew = '0'`;
    }
    const [booking] = await db()`
      select b.status, e.tier from data.pending_bookings b join data.booking_events e on e.booking_id = b.id
       where b.booking_number = ${bookingNumber} and e.type = 'expired'`;
    expect(booking).toMatchObject({ status: 'expired', tier: 'sweep' });
    expect(await slotCounts(slotId)).toMatchObject({ held: 0 });
    await staff.reload();
  }
  expect(releasedByButton).toBeGreaterThanOrEqual(1);
  await staff.context().close();
});

test('GET /api/metrics from the production build: 401 without the token, Prometheus text with it or a staff session', async ({ browser, request }) => {
  expect((await request.get('/api/metrics')).status()).toBe(401);
  expect((await request.get('/api/metrics', { headers: { authorization: 'Bearer not-the-token-at-all' } })).status()).toBe(401);
  const res = await request.get('/api/metrics', { headers: { authorization: `Bearer ${E2E_METRICS_TOKEN}` } });
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toMatch(/^text\/plain/);
  const body = await res.text();
  for (const name of ['holdfast_reservation_attempts', 'holdfast_hold_releases', 'holdfast_orphaned_holds', 'holdfast_process_cpu_seconds_total']) {
    expect(body).toContain(`# TYPE ${name} `);
  }
  const staff = await staffPage(browser);
  const asStaff = await staff.request.get('/api/metrics');
  expect(asStaff.status()).toBe(200);
  expect(await asStaff.text()).toContain('holdfast_reservation_attempts{window="24h"}');
  await staff.context().close();
});
