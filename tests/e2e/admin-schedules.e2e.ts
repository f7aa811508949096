/**
 * Staff experiences, schedules and manifests in a real browser (issue 7, parts 2 and 5):
 * an owner creates an experience with a weekly schedule across a daylight-saving change and
 * sees the right local start times; capacity cannot go below what is taken; start times closed
 * and reopened together, with the people on them listed; the manifest shows
 * a confirmed party and staff check it in with the keyboard.
 */
import { expect, test, type Page } from '@playwright/test';
import { closeDb, db, experienceWithSlot, screenshot } from './fixtures';
import { E2E_STAFF } from './staff';

test.afterAll(closeDb);

async function signIn(page: Page, who: (typeof E2E_STAFF)[number]): Promise<void> {
  await page.goto('/admin/sign-in');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin$/);
}

test('sign in; create an experience with a weekly schedule across a DST change and see the right local start times', async ({ page }) => {
  await signIn(page, E2E_STAFF[0]);
  await page.getByRole('navigation', { name: 'Staff' }).getByRole('link', { name: 'Experiences' }).click();
  await page.getByRole('link', { name: 'New experience' }).click();

  const slug = `thames-walk-${Date.now().toString(36)}`;
  await page.getByLabel('Name', { exact: true }).fill('Thames clock walk');
  await page.getByLabel('Web name', { exact: true }).fill(slug);
  await page.getByLabel('Description', { exact: true }).fill('Along the river, whatever the clocks do.');
  await page.getByLabel('Time zone', { exact: true }).selectOption('Europe/London');
  await page.getByLabel('Duration (minutes)', { exact: true }).fill('90');
  await page.getByLabel('Capacity (people per start time)', { exact: true }).fill('8');
  await page.getByLabel('Price per person', { exact: true }).fill('25.50');
  await page.getByLabel('Currency', { exact: true }).fill('GBP');
  await page.getByLabel('Payment', { exact: true }).selectOption('on_arrival');
  await page.getByRole('button', { name: 'Create experience' }).click();
  await page.waitForURL(new RegExp(`/admin/experiences/${slug}$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Thames clock walk' })).toBeVisible();

  // Weekends from 20 March to 4 April 2027 (clocks go forward on Sunday 28 March), 3 April skipped.
  const schedule = page.getByRole('form', { name: 'Add a weekly schedule' });
  await schedule.getByLabel('First day', { exact: true }).fill('2027-03-20');
  await schedule.getByLabel('Last day', { exact: true }).fill('2027-04-04');
  await schedule.getByLabel('Start times', { exact: true }).fill('09:00, 17:30');
  await schedule.getByLabel('Except on', { exact: true }).fill('2027-04-03');
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) await schedule.getByLabel(day, { exact: true }).uncheck();
  await schedule.getByRole('button', { name: 'Add start times' }).click();
  await expect(page.locator('#schedule-message')).toHaveText('Added 10 start times.');

  const rows = page.locator('[data-testid^="slot-row-"]');
  await expect(rows).toHaveCount(10);
  const starts = await rows.locator('td:first-child').allInnerTexts();
  expect(starts.map((s) => s.trim())).toEqual([
    'Sat 20 Mar 2027, 09:00 GMT', 'Sat 20 Mar 2027, 17:30 GMT',
    'Sun 21 Mar 2027, 09:00 GMT', 'Sun 21 Mar 2027, 17:30 GMT',
    'Sat 27 Mar 2027, 09:00 GMT', 'Sat 27 Mar 2027, 17:30 GMT',
    'Sun 28 Mar 2027, 09:00 GMT+1', 'Sun 28 Mar 2027, 17:30 GMT+1',
    'Sun 4 Apr 2027, 09:00 GMT+1', 'Sun 4 Apr 2027, 17:30 GMT+1',
  ]);
  // The instants behind them, in SQL: the UTC hour moved with the clocks, the local one did not.
  const utc = await db()<{ utc: string }[]>`
    select to_char(s.starts_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') as utc
      from data.slots s join data.experiences e on e.id = s.experience_id
     where e.slug = ${slug} and to_char(s.starts_at at time zone e.timezone, 'HH24:MI') = '09:00' order by s.starts_at`;
  expect(utc.map((r) => r.utc)).toEqual(['2027-03-20 09:00', '2027-03-21 09:00', '2027-03-27 09:00', '2027-03-28 08:00', '2027-04-04 08:00']);
  await expect(page.getByRole('region', { name: 'Schedules added' })).toContainText('Sat, Sun at 09:00, 17:30 except Sat 3 Apr 2027');

  // A customer holds 2 seats on the first start; capacity cannot go below that, then closing works.
  const first = rows.first();
  const slotId = Number((await first.getAttribute('data-testid'))!.replace('slot-row-', ''));
  const hold = await page.request.post('/api/reserve-availability', { data: { slotId, quantity: 2 } });
  expect(hold.status()).toBe(201);
  await page.reload();
  await first.getByLabel(/^Capacity of/).fill('1');
  await first.getByRole('button', { name: /^Set/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'cannot be below 2' })).toBeVisible();
  await expect(first.getByLabel(/^Capacity of/)).toHaveValue('8');
  await first.getByLabel(/^Capacity of/).fill('2');
  await first.getByRole('button', { name: /^Set/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Capacity is now 2.' })).toBeVisible();
  await first.getByRole('button', { name: /^Close/ }).click();
  await expect(first.getByText('closed', { exact: true })).toBeVisible();
  const [slot] = await db()`select capacity, held, is_open from data.slots where id = ${slotId}`;
  expect(slot).toMatchObject({ capacity: 2, held: 2, is_open: false });

  // Close the evenings of the weekend the clocks change, at once; a customer holds a seat on one.
  const sundayEvening = rows.nth(7);
  const sundayEveningId = Number((await sundayEvening.getAttribute('data-testid'))!.replace('slot-row-', ''));
  expect((await page.request.post('/api/reserve-availability', { data: { slotId: sundayEveningId, quantity: 1 } })).status()).toBe(201);
  const together = page.getByRole('form', { name: 'Close or reopen start times' });
  await together.getByLabel('First day', { exact: true }).fill('2027-03-27');
  await together.getByLabel('Last day', { exact: true }).fill('2027-03-28');
  await together.getByLabel('Start times', { exact: true }).fill('5.30pm');
  await together.getByRole('button', { name: 'Close start times' }).click();
  await expect(together.getByRole('status')).toHaveText('Give start times as 24-hour times, such as 09:00, 14:30, or leave it empty for all.');
  await expect(together.getByLabel('Start times', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('[data-testid^="slot-row-"]:has(.tag)')).toHaveCount(1);
  await together.getByLabel('Start times', { exact: true }).fill('17:30');
  await together.getByRole('button', { name: 'Close start times' }).click();
  await expect(together.getByRole('status')).toHaveText('Closed 2 start times of 2. 1 of them has people booked or holding; their bookings stay:');
  await expect(together.getByTestId('closed-with-people')).toHaveText('Sun 28 Mar 2027, 17:30 GMT+1: 0 booked, 1 holding — manifest');
  await expect(rows.nth(5).getByText('closed', { exact: true })).toBeVisible();
  await expect(sundayEvening.getByText('closed', { exact: true })).toBeVisible();
  await expect(page.locator('[data-testid^="slot-row-"]:has(.tag)')).toHaveCount(3);

  // Reopen everything, with the keyboard: the three closed come back, the rest were open.
  await together.getByLabel('First day', { exact: true }).fill('2027-03-20');
  await together.getByLabel('Last day', { exact: true }).fill('2027-04-04');
  await together.getByLabel('Start times', { exact: true }).fill('');
  await together.getByRole('button', { name: 'Reopen start times' }).focus();
  await page.keyboard.press('Enter');
  await expect(together.getByRole('status')).toHaveText('Reopened 3 start times of 10 (7 were already open).');
  await expect(page.locator('[data-testid^="slot-row-"]:has(.tag)')).toHaveCount(0);
  const open = await db()`select bool_and(s.is_open) as all_open, sum(s.held)::int as held
                            from data.slots s join data.experiences e on e.id = s.experience_id where e.slug = ${slug}`;
  expect(open[0]).toMatchObject({ all_open: true, held: 3 });

  // No weekday chosen: refused, and the boxes show what was sent (none), not every day.
  const weekdays = together.getByRole('group', { name: 'Weekdays' });
  for (const box of await weekdays.getByRole('checkbox').all()) await box.uncheck();
  await together.getByRole('button', { name: 'Close start times' }).click();
  await expect(together.getByRole('status')).toHaveText('Choose at least one weekday (1 = Monday … 7 = Sunday).');
  await expect(weekdays).toHaveAttribute('aria-invalid', 'true');
  await expect(weekdays.getByRole('checkbox', { checked: true })).toHaveCount(0);
  await expect(weekdays.getByRole('checkbox')).toHaveCount(7);
  await expect(page.locator('[data-testid^="slot-row-"]:has(.tag)')).toHaveCount(0);
});

test('manifest shows check-in: a confirmed party, checked in and out with the keyboard, printable', async ({ browser, page }) => {
  const { slotId, name } = await experienceWithSlot({ name: 'Manifest harbour tour', capacity: 8, paymentMode: 'on_arrival', priceMinor: 3000 });
  const customer = await browser.newContext();
  const res = await customer.request.post('/api/reserve-availability', { data: { slotId, quantity: 3 } });
  const { bookingNumber, holdToken } = (await res.json()) as { bookingNumber: string; holdToken: string };
  const paid = await customer.request.post('/api/create-checkout-session', {
    data: { bookingNumber, holdToken, name: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0018' },
  });
  expect(((await paid.json()) as { status: string }).status).toBe('confirmed');
  await customer.request.post('/api/reserve-availability', { data: { slotId, quantity: 1 } }); // a live hold
  await customer.close();

  // Crew (not an owner) may use manifests but not edit experiences.
  await signIn(page, E2E_STAFF[1]);
  await page.goto('/admin/experiences');
  expect(new URL(page.url()).pathname).toBe('/admin');
  await page.goto(`/admin/manifest/${slotId}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Manifest: ${name}`);
  await expect(page.getByTestId('live-holds')).toHaveText('1 person held in 1 live hold (may still book)');
  const row = page.locator(`[data-testid="manifest-row"][data-booking="${bookingNumber}"]`);
  await expect(row).toContainText('Ada Lovelace');
  await expect(row).toContainText('ada@example.com');
  await expect(row).toContainText('+44 20 7946 0018');
  await expect(row).toContainText('Due €90.00');
  await expect(row).toHaveAttribute('data-checked-in', 'false');

  // Keyboard only: Tab to the checkbox, Space to tick it.
  const box = page.getByRole('checkbox', { name: 'Check in Ada Lovelace' });
  await box.focus();
  await page.keyboard.press('Space');
  await expect(row).toHaveAttribute('data-checked-in', 'true');
  await expect(page.getByRole('status').filter({ hasText: `${bookingNumber} checked in.` })).toBeVisible();
  await expect(page.getByTestId('checked-in-count')).toHaveText('3 of 3');
  await page.reload();
  await expect(page.getByRole('checkbox', { name: 'Check in Ada Lovelace' })).toBeChecked();
  await screenshot(page, 'admin-manifest');

  const [checkIn] = await db()`
    select c.staff_id is not null as by_staff from data.check_ins c
      join data.pending_bookings b on b.id = c.booking_id where b.booking_number = ${bookingNumber} and c.slot_id = ${slotId}`;
  expect(checkIn).toMatchObject({ by_staff: true });

  // The printed sheet: no staff header or buttons, the table and its checkboxes stay.
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('header.admin-header')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Print' })).toBeHidden();
  await expect(row).toBeVisible();
  await page.emulateMedia({ media: 'screen' });

  await page.getByRole('checkbox', { name: 'Check in Ada Lovelace' }).focus();
  await page.keyboard.press('Space');
  await expect(row).toHaveAttribute('data-checked-in', 'false');
  await expect(page.getByRole('status').filter({ hasText: 'no longer checked in' })).toBeVisible();
  const events = await db()`
    select e.type from data.booking_events e join data.pending_bookings b on b.id = e.booking_id
     where b.booking_number = ${bookingNumber} and e.type in ('checked_in', 'check_in_undone') order by e.id`;
  expect(events.map((e) => e.type)).toEqual(['checked_in', 'check_in_undone']);
});
