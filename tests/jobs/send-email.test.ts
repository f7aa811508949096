/**
 * The send-email job against a local Resend fake spoken to by the real Resend SDK: emails are
 * rendered into the outbox, sent once (idempotency key) through provider failures with retries,
 * kept in the outbox when no provider is configured, and never touch the booking's state.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';

vi.hoisted(() => {
  process.env.SWEEP_CRON = '0 0 1 1 *';
});

import { POST as createCheckoutSession } from '@/app/api/create-checkout-session/route';
import reserveAvailabilityRoute from '@/pages/api/reserve-availability';
import { reloadEnv } from '@/lib/env';
import { startWorker, type Worker } from '@/jobs/worker';
import { connect, createExperience, createSlot, invariantViolations } from '../helpers/fixtures';
import { json, request, nodeRoute } from '../helpers/http';
import { until } from '../helpers/poll';
import { startResendFake, type ResendFake } from '../helpers/resend-fake';

const reserveAvailability = nodeRoute(reserveAvailabilityRoute);

const sql = connect(2);
let resend: ResendFake;
let worker: Worker;

beforeAll(async () => {
  resend = await startResendFake();
  worker = await startWorker();
});
afterAll(async () => {
  await worker.stop();
  await resend.close();
  for (const name of ['RESEND_API_KEY', 'RESEND_BASE_URL', 'STAFF_EMAIL']) delete process.env[name];
  reloadEnv();
  expect(await invariantViolations(sql)).toEqual([]);
});

function configure(settings: { resend: boolean; staffEmail?: string }) {
  for (const name of ['RESEND_API_KEY', 'RESEND_BASE_URL', 'STAFF_EMAIL']) delete process.env[name];
  if (settings.resend) {
    process.env.RESEND_API_KEY = 're_test_holdfast';
    process.env.RESEND_BASE_URL = resend.url;
  }
  if (settings.staffEmail) process.env.STAFF_EMAIL = settings.staffEmail;
  reloadEnv();
}

/** A booking confirmed with pay-on-arrival (Stripe is not configured in this file). */
async function confirmedBooking(email: string): Promise<string> {
  const exp = await createExperience(sql, { timezone: 'Europe/London', currency: 'GBP', priceMinor: 4500, whatToBring: 'Warm clothes' });
  const slot = await createSlot(sql, exp.id);
  const held = await json(await reserveAvailability(request('POST', '/api/reserve-availability', { body: { slotId: slot, quantity: 2 } })));
  const done = await json(
    await createCheckoutSession(
      request('POST', '/api/create-checkout-session', {
        body: { bookingNumber: held.body.bookingNumber, holdToken: held.body.holdToken, name: 'Grace Hopper', email },
      }),
    ),
  );
  expect(done.body.status).toBe('confirmed');
  return held.body.bookingNumber as string;
}

async function emails(bookingNumber: string) {
  return sql<{ kind: string; status: string; attempts: number; recipient: string | null; subject: string | null; html: string | null; last_error: string | null; provider_id: string | null }[]>`
    select o.kind, o.status, o.attempts, o.recipient, o.subject, o.html, o.last_error, o.provider_id
      from data.email_outbox o join data.pending_bookings b on b.id = o.booking_id
     where b.booking_number = ${bookingNumber} order by o.kind`;
}

async function bookingStatus(bookingNumber: string): Promise<string> {
  const [row] = await sql<{ status: string }[]>`select status from data.pending_bookings where booking_number = ${bookingNumber}`;
  return row!.status;
}

describe('send-email job', () => {
  test('provider answers 500 twice, then 200: sent once, three attempts recorded, booking confirmed throughout', async () => {
    configure({ resend: true });
    resend.failNext(500, 2);
    const number = await confirmedBooking('grace@example.com');

    const statuses = new Set<string>();
    const sent = await until('the confirmation to be sent', async () => {
      statuses.add(await bookingStatus(number));
      const confirmation = (await emails(number)).find((e) => e.kind === 'confirmation')!;
      return confirmation.status === 'sent' && confirmation;
    }, 60_000, 50);
    expect([...statuses]).toEqual(['confirmed']);

    expect(sent.attempts).toBe(3);
    const mine = resend.requests.filter((r) => r.body?.to?.includes('grace@example.com'));
    expect(mine.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(new Set(mine.map((r) => r.idempotencyKey)).size).toBe(1);
    const delivered = resend.deliveries.filter((d) => [d.body.to].flat().includes('grace@example.com'));
    expect(delivered).toHaveLength(1);
    expect(sent.provider_id).toBe(delivered[0]!.id);

    const body = delivered[0]!.body;
    expect(body.subject).toBe(`Your booking ${number} is confirmed`);
    expect(body.html).toContain(number);
    expect(body.text).toContain('Warm clothes');
    expect(body.attachments?.[0]).toMatchObject({ filename: `${number}.ics` });
    expect(Buffer.from(body.attachments![0]!.content!, 'base64').toString()).toContain('BEGIN:VCALENDAR');

    // Without STAFF_EMAIL the staff notification is rendered and kept, not sent.
    const staff = await until('the staff notification to settle', async () =>
      (await emails(number)).find((e) => e.kind === 'staff_notification' && e.status !== 'queued'),
    );
    expect(staff).toMatchObject({ status: 'not_sent', recipient: null, attempts: 0 });
    expect(staff.html).toContain(number);
    expect(staff.last_error).toMatch(/STAFF_EMAIL/);
  });

  test('with STAFF_EMAIL set the staff notification goes to staff', async () => {
    configure({ resend: true, staffEmail: 'desk@example.com' });
    const number = await confirmedBooking('linus@example.com');
    await until('both emails to be sent', async () => (await emails(number)).every((e) => e.status === 'sent'));
    const toStaff = resend.deliveries.filter((d) => [d.body.to].flat().includes('desk@example.com') && d.body.html?.includes(number));
    expect(toStaff).toHaveLength(1);
    expect(toStaff[0]!.body.subject).toMatch(new RegExp(`^New booking ${number}`));
  });

  test('without RESEND_API_KEY emails are rendered into the outbox and stay there', async () => {
    configure({ resend: false });
    const before = resend.requests.length;
    const number = await confirmedBooking('barbara@example.com');
    const settled = await until('the emails to settle', async () => {
      const rows = await emails(number);
      return rows.every((e) => e.status !== 'queued') && rows;
    });
    for (const row of settled) {
      expect(row).toMatchObject({ status: 'not_sent', attempts: 0 });
      expect(row.html).toContain(number);
      expect(row.last_error).toMatch(/RESEND_API_KEY/);
    }
    expect(settled.find((e) => e.kind === 'confirmation')!.recipient).toBe('barbara@example.com');
    expect(resend.requests.length).toBe(before);
    expect(await bookingStatus(number)).toBe('confirmed');
  });
});
