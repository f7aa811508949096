/** The production build serves the site and its API against the suite's own database. */
import { expect, test } from '@playwright/test';

test('the home page lists the experiences, and the server is healthy', async ({ page, request }) => {
  expect((await request.get('/api/health')).ok()).toBe(true);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Harbour Cruise' })).toBeVisible();
});
