/**
 * Late payments racing new customers, sweeps and duplicate deliveries, many rounds over, on
 * real connections: every payment ends confirmed or refund_due (never dropped), no slot is
 * ever oversold, each event takes effect once, and each outcome queues exactly its emails and
 * refund. Invariants are checked in SQL after every round.
 */
import { describe, expect, test } from 'vitest';
import type Stripe from 'stripe';
import { processStripeEvent } from '@/lib/stripe-webhook/process-event';
import { connect, createExperience, createSlot, invariantViolations } from '../helpers/fixtures';

const ROUNDS = 12;
const PAYERS = 6;
const NEWCOMERS = 24;
const DELIVERIES = 3;

const sql = connect(NEWCOMERS + 4);

function completedEvent(round: number, payer: number, bookingNumber: string, sessionId: string, amount: number): Stripe.Event {
  return {
    id: `evt_storm_${round}_${payer}`,
    object: 'event',
    type: 'checkout.session.completed',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: {
      object: {
        id: sessionId,
        object: 'checkout.session',
        payment_status: 'paid',
        status: 'complete',
        amount_total: amount,
        currency: 'eur',
        payment_intent: `pi_storm_${round}_${payer}`,
        metadata: { booking_number: bookingNumber },
        client_reference_id: bookingNumber,
      },
    },
  } as unknown as Stripe.Event;
}

describe('late payments under contention', () => {
  test(`${ROUNDS} rounds: ${PAYERS} lapsed paid bookings × ${DELIVERIES} deliveries vs ${NEWCOMERS} new customers and a sweep`, async () => {
    const exp = await createExperience(sql, { capacity: 10, priceMinor: 1000, holdDuration: '10 minutes' });
    const totals = { confirmed: 0, refundDue: 0 };

    for (let round = 0; round < ROUNDS; round++) {
      const slot = await createSlot(sql, exp.id, { startsInHours: 24 + round });
      const payers: { number: string; session: string; quantity: number }[] = [];
      for (let p = 0; p < PAYERS; p++) {
        const quantity = 1 + ((p + round) % 2);
        const [row] = await sql<{ r: { bookingNumber: string; holdToken: string } }[]>`
          select api.reserve_seats(${slot}::bigint, ${quantity}::int) as r`;
        const { bookingNumber, holdToken } = row!.r;
        const [begun] = await sql<{ r: { generation: number } }[]>`
          select api.begin_checkout(${bookingNumber}, ${holdToken}, 'Payer', 'payer@example.com', null, true) as r`;
        const session = `cs_storm_${round}_${p}`;
        await sql`select api.attach_checkout_session(${bookingNumber}, ${begun!.r.generation}::int, ${session}, 'http://pay')`;
        payers.push({ number: bookingNumber, session, quantity });
      }
      // Every hold lapses (checkout extends holds to 33 minutes).
      await sql`select api.shift_clock('34 minutes')`;

      const deliveries = payers.flatMap((payer, p) =>
        Array.from({ length: DELIVERIES }, () =>
          processStripeEvent(completedEvent(round, p, payer.number, payer.session, payer.quantity * 1000)),
        ),
      );
      const newcomers = Array.from({ length: NEWCOMERS }, (_, i) =>
        sql`select api.reserve_seats(${slot}::bigint, ${1 + (i % 2)}::int) as r`.then(([r]) => (r!.r as { ok: boolean }).ok),
      );
      const sweep = sql`select api.expire_lapsed_holds()`;
      const [outcomes, taken] = await Promise.all([Promise.all(deliveries), Promise.all(newcomers), sweep]);

      // Each event took effect once; the other deliveries were duplicates.
      expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(PAYERS);
      expect(taken.some(Boolean)).toBe(true);
      expect(await invariantViolations(sql)).toEqual([]);

      const rows = await sql<{ booking_number: string; status: string; emails: string[]; refund_jobs: number }[]>`
        select b.booking_number, b.status,
               array(select kind from data.email_outbox o where o.booking_id = b.id order by kind) as emails,
               (select count(*)::int from pgboss.job j where j.name = 'refund-payment'
                  and j.data->>'bookingNumber' = b.booking_number) as refund_jobs
          from data.pending_bookings b where b.booking_number in ${sql(payers.map((p) => p.number))}`;
      for (const row of rows) {
        if (row.status === 'confirmed') {
          expect(row.emails).toEqual(['confirmation', 'staff_notification']);
          expect(row.refund_jobs).toBe(0);
          totals.confirmed++;
        } else {
          expect(row.status).toBe('refund_due');
          expect(row.emails).toEqual(['refund_notice']);
          expect(row.refund_jobs).toBe(1);
          totals.refundDue++;
        }
      }
      const [seats] = await sql<{ capacity: number; held: number; booked: number; paid: number }[]>`
        select s.capacity, s.held, s.booked,
               (select coalesce(sum(i.quantity), 0)::int from data.booking_items i
                  join data.pending_bookings b on b.id = i.booking_id
                 where i.slot_id = s.id and b.status = 'confirmed') as paid
          from data.slots s where s.id = ${slot}`;
      expect(seats!.held + seats!.booked).toBeLessThanOrEqual(seats!.capacity);
      expect(seats!.booked).toBe(seats!.paid);
    }
    console.log(`[payment storm] ${totals.confirmed} late payments re-took their seats, ${totals.refundDue} became refund_due`);
    // Both branches were exercised by the race.
    expect(totals.confirmed).toBeGreaterThan(0);
    expect(totals.refundDue).toBeGreaterThan(0);
  });
});
