/**
 * Model-based property test of the reservation core (db/migrations/0001_reservation_core.sql).
 *
 * Random sequences of customer, job and clock operations run against the database from several
 * connections (some steps run several operations at once) and against a small in-memory model.
 * After every step the SQL invariants must hold and the database must agree with the model.
 *
 * The model keeps time in minutes of clock skew since the run started. Holds last 15 minutes and
 * the clock only moves in steps of 7 minutes, so a hold is either clearly live (skew since it was
 * taken or extended <= 14 min, >= 1 min of margin) or clearly lapsed (>= 21 min, 6 min of margin).
 *
 * Sequential steps are predicted exactly, including lazy expiry (a reserve that finds its slot
 * full releases the lapsed holds on it first). Concurrent steps are checked for consistency (no
 * seat is won twice, no sold_out while seats were certainly free) and the model is then updated
 * from what actually happened; a lapsed hold may then be `held` or `expired` in the database,
 * because sweeps and lazy expiry skip bookings that another transaction has locked.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Sql } from '@/db/client';
import { AppError } from '@/db/errors';
import {
  expireBooking,
  expireLapsedHolds,
  releaseBooking,
  releaseItem,
  reserveSeats,
  type Booking,
  type ReserveResult,
} from '@/db/reservations';
import { connect, createExperience, createSlot, invariantViolations } from '../helpers/fixtures';

const HOLD_MINUTES = 15;
const CLOCK_STEP_MINUTES = 7;
const PRICE_MINOR = 2500;
const CLIENTS = 4;

/* ------------------------------------------------------------------------------------------------
 * The model.
 * ---------------------------------------------------------------------------------------------- */
interface MSlot {
  index: number;
  id: number;
  capacity: number;
}

type Status = 'held' | 'released' | 'expired';

interface MBooking {
  number: string;
  token: string;
  status: Status;
  /** Expiry in model minutes: the hold is live while model clock < expiresAt. */
  expiresAt: number;
  /** Current items by slot id (items stay on a booking when it is released or expires). */
  items: Map<number, { itemId: number; quantity: number }>;
  /** Every item id this booking ever had (release_item may pick a removed one). */
  itemIds: number[];
  /** Tier of the terminal event when known; undefined when a concurrent step left it ambiguous. */
  tier: string | null | undefined;
}

interface Model {
  clock: number;
  slots: MSlot[];
  bookings: MBooking[];
  sweepReleased: number;
  jobReleased: number;
}

const isLapsed = (m: Model, b: MBooking) => m.clock >= b.expiresAt;
const isLive = (m: Model, b: MBooking) => b.status === 'held' && !isLapsed(m, b);
const isLapsedHeld = (m: Model, b: MBooking) => b.status === 'held' && isLapsed(m, b);

function seatsOn(b: MBooking, slotId: number): number {
  return b.items.get(slotId)?.quantity ?? 0;
}
/** Seats of live (non-lapsed) holds on a slot: what a customer cannot take. */
function liveHeld(m: Model, slotId: number): number {
  return m.bookings.filter((b) => isLive(m, b)).reduce((n, b) => n + seatsOn(b, slotId), 0);
}
/** Seats counted in data.slots.held: every reserved booking, lapsed or not. */
function dbHeld(m: Model, slotId: number): number {
  return m.bookings.filter((b) => b.status === 'held').reduce((n, b) => n + seatsOn(b, slotId), 0);
}
/** What data.release_lapsed_on_slots does when nothing is locked. */
function lazyRelease(m: Model, slotId: number): number {
  const lapsed = m.bookings.filter((b) => isLapsedHeld(m, b) && b.items.has(slotId));
  for (const b of lapsed) {
    b.status = 'expired';
    b.tier = 'lazy';
  }
  return lapsed.length;
}

/* ------------------------------------------------------------------------------------------------
 * Generated operations, and operations resolved against the model.
 * ---------------------------------------------------------------------------------------------- */
type TokenKind = 'other' | 'forged' | 'missing';
/** Which bookings an operation picks from (falling back to all when there is none). */
type Pool = 'live' | 'lapsed' | 'any';
type WrongAction = 'add' | 'release' | 'releaseItem';

type Op =
  | { t: 'reserve'; slot: number; q: number }
  | { t: 'add'; pool: Pool; b: number; slot: number; q: number }
  | { t: 'release'; pool: Pool; b: number }
  | { t: 'releaseItem'; pool: Pool; b: number; current: boolean; i: number }
  | { t: 'sweep' }
  | { t: 'expire'; pool: Pool; b: number }
  | { t: 'wrongToken'; b: number; other: number; token: TokenKind; action: WrongAction; slot: number; q: number; i: number };

type Step =
  | { kind: 'one'; op: Op; client: number }
  | { kind: 'many'; ops: Op[] }
  | { kind: 'shift'; k: number };

type ROp =
  | { t: 'reserve'; slot: MSlot; q: number }
  | { t: 'add'; b: MBooking; slot: MSlot; q: number }
  | { t: 'release'; b: MBooking }
  | { t: 'releaseItem'; b: MBooking; itemId: number }
  | { t: 'sweep' }
  | { t: 'expire'; b: MBooking }
  | { t: 'wrongToken'; b: MBooking; token: string | undefined; action: WrongAction; slot: MSlot; q: number; itemId: number };

const slotArb = fc.nat({ max: 2 });
const qArb = fc.integer({ min: 1, max: 3 });
const bArb = fc.nat({ max: 50 });
const poolArb = (live: number, lapsed: number, any: number): fc.Arbitrary<Pool> =>
  fc.oneof(
    { weight: live, arbitrary: fc.constant('live' as const) },
    { weight: lapsed, arbitrary: fc.constant('lapsed' as const) },
    { weight: any, arbitrary: fc.constant('any' as const) },
  );

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('reserve' as const), slot: slotArb, q: qArb }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('add' as const), pool: poolArb(3, 1, 1), b: bArb, slot: slotArb, q: qArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('release' as const), pool: poolArb(2, 1, 1), b: bArb }) },
  { weight: 2, arbitrary: fc.record({
      t: fc.constant('releaseItem' as const),
      pool: poolArb(3, 1, 1),
      b: bArb,
      current: fc.boolean(),
      i: fc.nat({ max: 10 }),
    }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('sweep' as const) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('expire' as const), pool: poolArb(1, 3, 1), b: bArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('wrongToken' as const),
      b: bArb,
      other: bArb,
      token: fc.constantFrom<TokenKind>('other', 'other', 'forged', 'missing'),
      action: fc.constantFrom<WrongAction>('add', 'release', 'releaseItem'),
      slot: slotArb,
      q: qArb,
      i: fc.nat({ max: 10 }),
    }),
  },
);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('one' as const), op: opArb, client: fc.nat({ max: CLIENTS - 1 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('many' as const), ops: fc.array(opArb, { minLength: 2, maxLength: CLIENTS }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('shift' as const), k: fc.integer({ min: 1, max: 3 }) }) },
);

function pick<T>(xs: readonly T[], i: number): T | undefined {
  return xs.length === 0 ? undefined : xs[i % xs.length];
}

function pickBooking(m: Model, pool: Pool, i: number): MBooking | undefined {
  const candidates = m.bookings.filter((b) => pool === 'any' || (pool === 'live' ? isLive(m, b) : isLapsedHeld(m, b)));
  return pick(candidates.length > 0 ? candidates : m.bookings, i);
}

function resolve(m: Model, op: Op): ROp | undefined {
  const slot = (i: number) => m.slots[i % m.slots.length]!;
  switch (op.t) {
    case 'reserve':
      return { t: 'reserve', slot: slot(op.slot), q: op.q };
    case 'sweep':
      return { t: 'sweep' };
    case 'add': {
      const b = pickBooking(m, op.pool, op.b);
      return b ? { t: 'add', b, slot: slot(op.slot), q: op.q } : { t: 'reserve', slot: slot(op.slot), q: op.q };
    }
    case 'release': {
      const b = pickBooking(m, op.pool, op.b);
      return b && { t: 'release', b };
    }
    case 'expire': {
      const b = pickBooking(m, op.pool, op.b);
      return b && { t: 'expire', b };
    }
    case 'releaseItem': {
      const b = pickBooking(m, op.pool, op.b);
      if (!b) return undefined;
      const itemIds = op.current ? [...b.items.values()].map((i) => i.itemId) : b.itemIds;
      return { t: 'releaseItem', b, itemId: pick(itemIds, op.i)! };
    }
    case 'wrongToken': {
      const b = pick(m.bookings, op.b);
      if (!b) return undefined;
      const others = m.bookings.filter((o) => o !== b);
      let token: string | undefined;
      if (op.token === 'missing') token = undefined;
      else if (op.token === 'other' && others.length > 0) token = pick(others, op.other)!.token;
      else token = b.token.split('').reverse().join('') + 'x';
      // An item id of this booking, or of another one: neither may be touched without the token.
      const itemId = pick([...b.itemIds, ...others.flatMap((o) => o.itemIds)], op.i)!;
      return { t: 'wrongToken', b, token, action: op.action, slot: slot(op.slot), q: op.q, itemId };
    }
  }
}

function describeOp(op: ROp): string {
  switch (op.t) {
    case 'reserve':
      return `reserve(slot#${op.slot.index}, ${op.q})`;
    case 'add':
      return `add(${op.b.number}, slot#${op.slot.index}, ${op.q})`;
    case 'release':
      return `release(${op.b.number})`;
    case 'releaseItem':
      return `releaseItem(${op.b.number}, item ${op.itemId})`;
    case 'sweep':
      return 'sweep()';
    case 'expire':
      return `expire(${op.b.number})`;
    case 'wrongToken':
      return `wrongToken(${op.action} ${op.b.number}, ${op.token === undefined ? 'no token' : 'bad token'})`;
  }
}

/* ------------------------------------------------------------------------------------------------
 * Running operations.
 * ---------------------------------------------------------------------------------------------- */
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

async function exec(op: ROp, sql: Sql): Promise<Outcome> {
  try {
    switch (op.t) {
      case 'reserve':
        return { ok: true, value: await reserveSeats({ slotId: op.slot.id, quantity: op.q }, sql) };
      case 'add':
        return {
          ok: true,
          value: await reserveSeats({ slotId: op.slot.id, quantity: op.q, bookingNumber: op.b.number, holdToken: op.b.token }, sql),
        };
      case 'release':
        return { ok: true, value: await releaseBooking({ bookingNumber: op.b.number, holdToken: op.b.token, tier: 'customer' }, sql) };
      case 'releaseItem':
        return { ok: true, value: await releaseItem({ bookingNumber: op.b.number, holdToken: op.b.token, itemId: op.itemId }, sql) };
      case 'sweep':
        return { ok: true, value: await expireLapsedHolds({ tier: 'sweep' }, sql) };
      case 'expire':
        return { ok: true, value: await expireBooking(op.b.number, sql) };
      case 'wrongToken':
        switch (op.action) {
          case 'add':
            return {
              ok: true,
              value: await reserveSeats({ slotId: op.slot.id, quantity: op.q, bookingNumber: op.b.number, holdToken: op.token }, sql),
            };
          case 'release':
            return { ok: true, value: await releaseBooking({ bookingNumber: op.b.number, holdToken: op.token, tier: 'customer' }, sql) };
          case 'releaseItem':
            return {
              ok: true,
              value: await releaseItem({ bookingNumber: op.b.number, holdToken: op.token ?? '', itemId: op.itemId }, sql),
            };
        }
    }
  } catch (error) {
    return { ok: false, error };
  }
}

/** 'ok', or the AppError code; anything else is a failure of the test. */
function codeOf(out: Outcome): string {
  if (out.ok) return 'ok';
  if (out.error instanceof AppError) return out.error.code;
  throw out.error;
}
function valueOf<T>(out: Outcome): T {
  if (!out.ok) throw new Error(`expected success, got ${codeOf(out)}`);
  return out.value as T;
}

function describeOutcome(out: Outcome): string {
  if (!out.ok) return out.error instanceof AppError ? `error ${out.error.code}` : `error ${String(out.error)}`;
  const v = out.value as Record<string, unknown> | boolean | null;
  if (v && typeof v === 'object') {
    if ('code' in v) return `ok=false ${String(v.code)} remaining=${String(v.remaining)}`;
    if ('status' in v) return `${String(v.bookingNumber)} ${String(v.status)}`;
    if ('released' in v) return `released ${String(v.released)}`;
  }
  return JSON.stringify(v);
}

/* ------------------------------------------------------------------------------------------------
 * Updating the model from results.
 * ---------------------------------------------------------------------------------------------- */
function itemsOf(json: { items: { itemId: number; slotId: number; quantity: number }[] }) {
  return json.items.map((i) => ({ slotId: i.slotId, itemId: i.itemId, quantity: i.quantity })).sort((a, b) => a.slotId - b.slotId);
}
function modelItems(b: MBooking) {
  return [...b.items].map(([slotId, i]) => ({ slotId, itemId: i.itemId, quantity: i.quantity })).sort((a, b) => a.slotId - b.slotId);
}
function expectBookingJson(json: Booking, b: MBooking): void {
  expect(json.bookingNumber).toBe(b.number);
  expect(json.status).toBe(b.status);
  expect(json.availabilityReserved).toBe(b.status === 'held');
  expect(itemsOf(json)).toEqual(modelItems(b));
  expect(json.totalMinor).toBe(PRICE_MINOR * [...b.items.values()].reduce((n, i) => n + i.quantity, 0));
}

/** Records a successful reserve on the model (new booking or add) and checks the returned booking. */
function recordReserve(m: Model, op: Extract<ROp, { t: 'reserve' | 'add' }>, r: Extract<ReserveResult, { ok: true }>): MBooking {
  let b: MBooking;
  if (op.t === 'add') {
    b = op.b;
    expect(r.holdToken).toBeNull();
  } else {
    expect(typeof r.holdToken).toBe('string');
    expect(m.bookings.some((o) => o.number === r.bookingNumber)).toBe(false);
    b = { number: r.bookingNumber, token: r.holdToken!, status: 'held', expiresAt: -Infinity, items: new Map(), itemIds: [], tier: null };
    m.bookings.push(b);
  }
  const returned = r.items.find((i) => i.slotId === op.slot.id);
  expect(returned).toBeDefined();
  const existing = b.items.get(op.slot.id);
  if (existing) {
    expect(returned!.itemId).toBe(existing.itemId);
    existing.quantity += op.q;
  } else {
    expect(b.itemIds).not.toContain(returned!.itemId);
    b.items.set(op.slot.id, { itemId: returned!.itemId, quantity: op.q });
    b.itemIds.push(returned!.itemId);
  }
  b.expiresAt = Math.max(b.expiresAt, m.clock + HOLD_MINUTES);
  expectBookingJson(r, b);
  return b;
}

/** One operation alone: the model predicts its outcome exactly. */
function applySequential(m: Model, op: ROp, out: Outcome): void {
  switch (op.t) {
    case 'reserve':
    case 'add': {
      if (op.t === 'add' && !isLive(m, op.b)) {
        expect(codeOf(out)).toBe('hold_expired');
        return;
      }
      expect(codeOf(out)).toBe('ok');
      const r = valueOf<ReserveResult>(out);
      const cap = op.slot.capacity;
      const live = liveHeld(m, op.slot.id);
      // The first conditional UPDATE fails when the counter (lapsed holds included) is full;
      // then every lapsed hold on the slot is released and the UPDATE is tried once more.
      if (dbHeld(m, op.slot.id) + op.q > cap) lazyRelease(m, op.slot.id);
      if (live + op.q <= cap) {
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        recordReserve(m, op, r);
        expect(r.slot).toEqual({ slotId: op.slot.id, remaining: cap - dbHeld(m, op.slot.id) });
      } else {
        expect(r).toEqual({ ok: false, code: 'sold_out', remaining: Math.max(0, cap - dbHeld(m, op.slot.id)) });
      }
      return;
    }
    case 'release': {
      expect(codeOf(out)).toBe('ok');
      const b = op.b;
      if (b.status === 'held') {
        const lapsed = isLapsed(m, b);
        b.status = lapsed ? 'expired' : 'released';
        b.tier = lapsed ? 'lazy' : 'customer';
      }
      expectBookingJson(valueOf<Booking>(out), b);
      return;
    }
    case 'releaseItem': {
      const b = op.b;
      if (!isLive(m, b)) {
        expect(codeOf(out)).toBe('hold_expired');
        return;
      }
      const entry = [...b.items].find(([, i]) => i.itemId === op.itemId);
      if (!entry) {
        expect(codeOf(out)).toBe('item_not_found');
        return;
      }
      expect(codeOf(out)).toBe('ok');
      if (b.items.size === 1) {
        b.status = 'released';
        b.tier = 'customer';
      } else {
        b.items.delete(entry[0]);
      }
      expectBookingJson(valueOf<Booking>(out), b);
      return;
    }
    case 'sweep': {
      expect(codeOf(out)).toBe('ok');
      const lapsed = m.bookings.filter((b) => isLapsedHeld(m, b));
      expect(valueOf<{ released: number; complete: boolean }>(out)).toEqual({ released: lapsed.length, complete: true });
      for (const b of lapsed) {
        b.status = 'expired';
        b.tier = 'sweep';
      }
      m.sweepReleased += lapsed.length;
      return;
    }
    case 'expire': {
      expect(codeOf(out)).toBe('ok');
      const due = isLapsedHeld(m, op.b);
      expect(valueOf<boolean>(out)).toBe(due);
      if (due) {
        op.b.status = 'expired';
        op.b.tier = 'job';
        m.jobReleased += 1;
      }
      return;
    }
    case 'wrongToken':
      expect(codeOf(out)).toBe('invalid_hold_token');
      return;
  }
}

/**
 * Several operations at once (customer operations on distinct bookings): check what no
 * interleaving may produce, then update the model from the actual results.
 */
function applyConcurrent(m: Model, ops: ROp[], outs: Outcome[]): MBooking[] {
  const liveBefore = new Map(m.slots.map((s) => [s.id, liveHeld(m, s.id)]));
  const dbBefore = new Map(m.slots.map((s) => [s.id, dbHeld(m, s.id)]));
  const lapsedBefore = m.bookings.filter((b) => isLapsedHeld(m, b));
  const won = new Map(m.slots.map((s) => [s.id, 0]));
  const freed = new Map(m.slots.map((s) => [s.id, 0]));
  const soldOut: { slot: MSlot; q: number }[] = [];
  const jobExpired = new Set<MBooking>();
  let swept = 0;
  const updates: (() => void)[] = [];

  ops.forEach((op, k) => {
    const out = outs[k]!;
    switch (op.t) {
      case 'reserve':
      case 'add': {
        if (op.t === 'add' && !isLive(m, op.b)) {
          expect(codeOf(out)).toBe('hold_expired');
          return;
        }
        expect(codeOf(out)).toBe('ok');
        const r = valueOf<ReserveResult>(out);
        if (r.ok) {
          won.set(op.slot.id, won.get(op.slot.id)! + op.q);
          expect(r.slot.slotId).toBe(op.slot.id);
          expect(r.slot.remaining).toBeGreaterThanOrEqual(0);
          expect(r.slot.remaining).toBeLessThanOrEqual(op.slot.capacity - op.q);
          updates.push(() => recordReserve(m, op, r));
        } else {
          expect(r.code).toBe('sold_out');
          soldOut.push({ slot: op.slot, q: op.q });
        }
        return;
      }
      case 'release': {
        expect(codeOf(out)).toBe('ok');
        const b = op.b;
        const json = valueOf<Booking>(out);
        if (b.status === 'held') {
          const lapsed = isLapsed(m, b);
          if (!lapsed) for (const [slotId, i] of b.items) freed.set(slotId, freed.get(slotId)! + i.quantity);
          updates.push(() => {
            b.status = lapsed ? 'expired' : 'released';
            // A lapsed booking may have been expired by a concurrent sweep, job or lazy release.
            b.tier = lapsed ? undefined : 'customer';
          });
          expect(json.status).toBe(lapsed ? 'expired' : 'released');
        } else {
          expect(json.status).toBe(b.status);
        }
        expect(itemsOf(json)).toEqual(modelItems(b));
        return;
      }
      case 'releaseItem': {
        // Only this operation touches the booking, and a live hold cannot lapse within the step.
        const b = op.b;
        if (!isLive(m, b)) {
          expect(codeOf(out)).toBe('hold_expired');
          return;
        }
        const entry = [...b.items].find(([, i]) => i.itemId === op.itemId);
        if (!entry) {
          expect(codeOf(out)).toBe('item_not_found');
          return;
        }
        expect(codeOf(out)).toBe('ok');
        freed.set(entry[0], freed.get(entry[0])! + entry[1].quantity);
        updates.push(() => {
          if (b.items.size === 1) {
            b.status = 'released';
            b.tier = 'customer';
          } else {
            b.items.delete(entry[0]);
          }
          expectBookingJson(valueOf<Booking>(out), b);
        });
        return;
      }
      case 'sweep': {
        expect(codeOf(out)).toBe('ok');
        const n = valueOf<{ released: number; complete: boolean }>(out).released;
        expect(n).toBeGreaterThanOrEqual(0);
        expect(n).toBeLessThanOrEqual(lapsedBefore.length);
        swept += n;
        return;
      }
      case 'expire': {
        expect(codeOf(out)).toBe('ok');
        const expired = valueOf<boolean>(out);
        if (!isLapsedHeld(m, op.b)) expect(expired).toBe(false);
        if (expired) {
          expect(jobExpired.has(op.b)).toBe(false);
          jobExpired.add(op.b);
        }
        return;
      }
      case 'wrongToken':
        expect(codeOf(out)).toBe('invalid_hold_token');
        return;
    }
  });

  for (const s of m.slots) {
    // Never more seats won than were free (lapsed holds count as free) or freed during the step.
    expect(won.get(s.id)!).toBeLessThanOrEqual(s.capacity - liveBefore.get(s.id)! + freed.get(s.id)!);
  }
  for (const { slot, q } of soldOut) {
    // sold_out only if the slot could not take q even counting every lapsed seat and every seat
    // won by the others as taken.
    expect(dbBefore.get(slot.id)! + won.get(slot.id)! + q).toBeGreaterThan(slot.capacity);
  }
  // No lapsed booking released twice by the sweep and the job.
  expect(swept + jobExpired.size).toBeLessThanOrEqual(lapsedBefore.length);

  for (const update of updates) update();
  for (const b of jobExpired) {
    b.status = 'expired';
    b.tier = 'job';
  }
  m.sweepReleased += swept;
  m.jobReleased += jobExpired.size;
  // These may or may not have been expired by the step (sweep, lazy release: SKIP LOCKED).
  return lapsedBefore.filter((b) => b.status === 'held');
}

/* ------------------------------------------------------------------------------------------------
 * Comparing the model with the database.
 * ---------------------------------------------------------------------------------------------- */
interface DbBooking {
  number: string;
  status: string;
  reserved: boolean;
  lapsed: boolean;
  total: number;
  items: { itemId: number; slotId: number; quantity: number }[];
  terminal: { type: string; tier: string | null }[];
}

async function dbBookings(sql: Sql, slotIds: number[]): Promise<Map<string, DbBooking>> {
  const rows = await sql<DbBooking[]>`
    select b.booking_number as number, b.status, b.availability_reserved as reserved,
           b.expires_at <= api.clock_now() as lapsed, b.total_minor::int as total,
           (select json_agg(json_build_object('itemId', i.id, 'slotId', i.slot_id, 'quantity', i.quantity) order by i.slot_id)
              from data.booking_items i where i.booking_id = b.id) as items,
           (select coalesce(json_agg(json_build_object('type', e.type, 'tier', e.tier) order by e.id), '[]')
              from data.booking_events e where e.booking_id = b.id and e.type in ('released', 'expired')) as terminal
      from data.pending_bookings b
     where b.id in (select i.booking_id from data.booking_items i where i.slot_id in ${sql(slotIds)})`;
  return new Map(rows.map((r) => [r.number, r]));
}

async function checkAgainstDb(ctx: RunContext): Promise<void> {
  const { m, checker: sql } = ctx;
  expect(await invariantViolations(sql)).toEqual([]);

  const [clock] = await sql<{ minutes: number }[]>`select extract(epoch from skew)::float8 / 60 as minutes from data.clock`;
  expect(clock!.minutes - ctx.baseSkew).toBeCloseTo(m.clock, 6);

  const slotIds = m.slots.map((s) => s.id);
  const slots = await sql<{ id: number; capacity: number; held: number; booked: number; lapsed: number }[]>`
    select id::int as id, capacity, held, booked, data.lapsed_held(id) as lapsed
      from data.slots where id in ${sql(slotIds)} order by id`;
  expect(slots.map((s) => s.id)).toEqual([...slotIds].sort((a, b) => a - b));
  for (const row of slots) {
    const s = m.slots.find((x) => x.id === row.id)!;
    const label = `slot#${s.index}`;
    expect({ label, capacity: row.capacity, booked: row.booked }).toEqual({ label, capacity: s.capacity, booked: 0 });
    // The counter, and the counter minus lapsed-but-unreleased holds (what is really taken).
    expect({ label, held: row.held, live: row.held - row.lapsed }).toEqual({ label, held: dbHeld(m, s.id), live: liveHeld(m, s.id) });
  }

  const db = await dbBookings(sql, slotIds);
  expect([...db.keys()].sort()).toEqual(m.bookings.map((b) => b.number).sort());
  let sweepEvents = 0;
  let jobEvents = 0;
  for (const b of m.bookings) {
    const row = db.get(b.number)!;
    expect({ booking: b.number, status: row.status, reserved: row.reserved, items: row.items, total: row.total }).toEqual({
      booking: b.number,
      status: b.status,
      reserved: b.status === 'held',
      items: modelItems(b),
      total: PRICE_MINOR * [...b.items.values()].reduce((n, i) => n + i.quantity, 0),
    });
    if (b.status === 'held') expect({ booking: b.number, lapsed: row.lapsed }).toEqual({ booking: b.number, lapsed: isLapsed(m, b) });
    // Exactly one terminal event once the hold is given back, of the right type and tier.
    expect(row.terminal.map((e) => e.type)).toEqual(b.status === 'held' ? [] : [b.status]);
    if (b.status !== 'held' && b.tier !== undefined) expect({ booking: b.number, tier: row.terminal[0]!.tier }).toEqual({ booking: b.number, tier: b.tier });
    if (row.terminal[0]?.tier === 'sweep') sweepEvents++;
    if (row.terminal[0]?.tier === 'job') jobEvents++;
  }
  expect({ sweepEvents, jobEvents }).toEqual({ sweepEvents: m.sweepReleased, jobEvents: m.jobReleased });
}

/** Everything a failed attempt must leave alone: the run's slots, bookings and items, and the row counts. */
async function snapshot(sql: Sql, slotIds: number[]): Promise<string> {
  const slots = await sql`select id, capacity, held, booked, is_open from data.slots where id in ${sql(slotIds)} order by id`;
  const bookings = await sql`
    select b.id, b.booking_number, b.status, b.availability_reserved, b.expires_at::text as expires_at,
           b.total_minor::text as total_minor, b.updated_at::text as updated_at,
           (select json_agg(json_build_object('id', i.id, 'slot', i.slot_id, 'quantity', i.quantity) order by i.id)
              from data.booking_items i where i.booking_id = b.id) as items
      from data.pending_bookings b
     where b.id in (select i.booking_id from data.booking_items i where i.slot_id in ${sql(slotIds)})
     order by b.id`;
  const counts = await sql`
    select (select count(*) from data.pending_bookings)::int as bookings,
           (select count(*) from data.booking_items)::int as items,
           (select count(*) from data.booking_events)::int as events,
           (select count(*) from data.resource_allocations)::int as allocations`;
  return JSON.stringify({ slots, bookings, counts });
}

/* ------------------------------------------------------------------------------------------------
 * One run of the property.
 * ---------------------------------------------------------------------------------------------- */
interface RunContext {
  m: Model;
  clients: Sql[];
  checker: Sql;
  baseSkew: number;
  trace: string[];
}

async function runStep(ctx: RunContext, step: Step): Promise<void> {
  const { m, clients, checker } = ctx;
  if (step.kind === 'shift') {
    const minutes = step.k * CLOCK_STEP_MINUTES;
    await clients[0]!`select api.shift_clock(make_interval(mins => ${minutes}::int))`;
    m.clock += minutes;
    ctx.trace.push(`shift +${minutes} min -> clock ${m.clock}`);
    return;
  }

  if (step.kind === 'one') {
    const op = resolve(m, step.op);
    if (!op) return;
    const before = op.t === 'wrongToken' ? await snapshot(checker, m.slots.map((s) => s.id)) : undefined;
    const out = await exec(op, clients[step.client % clients.length]!);
    ctx.trace.push(`[${step.client}] ${describeOp(op)} -> ${describeOutcome(out)}`);
    applySequential(m, op, out);
    if (before !== undefined) expect(await snapshot(checker, m.slots.map((s) => s.id))).toBe(before);
    return;
  }

  // Several operations at once, each on its own connection. Customer operations touch distinct
  // bookings, so each one's outcome is determined; jobs and failing attempts may overlap anything.
  const ops: ROp[] = [];
  const touched = new Set<MBooking>();
  for (const raw of step.ops) {
    const op = resolve(m, raw);
    if (!op) continue;
    if (op.t === 'add' || op.t === 'release' || op.t === 'releaseItem') {
      if (touched.has(op.b)) continue;
      touched.add(op.b);
    }
    ops.push(op);
  }
  if (ops.length === 0) return;
  const outs = await Promise.all(ops.map((op, k) => exec(op, clients[k]!)));
  ctx.trace.push(`concurrently: ${ops.map((op, k) => `[${k}] ${describeOp(op)} -> ${describeOutcome(outs[k]!)}`).join(' | ')}`);
  const undecided = applyConcurrent(m, ops, outs);
  if (undecided.length > 0) {
    // A lapsed hold left reserved, or expired by some path: accept either, then follow the DB.
    const db = await dbBookings(checker, m.slots.map((s) => s.id));
    for (const b of undecided) {
      const status = db.get(b.number)?.status;
      expect(['held', 'expired']).toContain(status);
      if (status === 'expired') {
        b.status = 'expired';
        b.tier = undefined;
      }
    }
  }
}

async function runSequence(clients: Sql[], checker: Sql, capacities: number[], steps: Step[]): Promise<void> {
  const experience = await createExperience(checker, { holdDuration: `${HOLD_MINUTES} minutes`, priceMinor: PRICE_MINOR });
  const slots: MSlot[] = [];
  for (const [index, capacity] of capacities.entries()) {
    slots.push({ index, capacity, id: await createSlot(checker, experience.id, { capacity, startsInHours: 24 + index }) });
  }
  const [skew] = await checker<{ minutes: number }[]>`select extract(epoch from skew)::float8 / 60 as minutes from data.clock`;
  const ctx: RunContext = {
    m: { clock: 0, slots, bookings: [], sweepReleased: 0, jobReleased: 0 },
    clients,
    checker,
    baseSkew: skew!.minutes,
    trace: [`slots ${slots.map((s) => `#${s.index}(id ${s.id}, capacity ${s.capacity})`).join(', ')}`],
  };
  try {
    await checkAgainstDb(ctx);
    for (const step of steps) {
      await runStep(ctx, step);
      await checkAgainstDb(ctx);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}\n--- trace of this run ---\n${ctx.trace.join('\n')}`, { cause: err });
  } finally {
    // Leave nothing reserved for the next run: every hold of this run lapses, then the sweep.
    await checker`select api.shift_clock(make_interval(mins => ${3 * CLOCK_STEP_MINUTES}::int))`;
    await expireLapsedHolds({ tier: 'sweep' }, checker);
  }
}

describe('reservation core against an in-memory model', () => {
  let clients: Sql[] = [];
  let checker: Sql;

  beforeAll(async () => {
    // One connection per pool, so every client is one session and a batch of operations really
    // runs on that many connections at once.
    clients = Array.from({ length: CLIENTS }, () => connect(1));
    checker = connect(1);
    // Durability is not under test (visibility and locking do not depend on it); without this a
    // server with fsync on spends most of the test waiting for WAL flushes.
    await Promise.all([...clients, checker].map((c) => c`set synchronous_commit = off`));
  });

  test(
    'random concurrent sequences of reserve/add/release/expire/sweep/clock steps keep the invariants and match the model',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 2, max: 5 }), { minLength: 3, maxLength: 3 }),
          fc.array(stepArb, { minLength: 1, maxLength: 25, size: 'max' }),
          (capacities, steps) => runSequence(clients, checker, capacities, steps),
        ),
        { numRuns: 40, plugins: [fc.interruptAfterTimeLimit(200_000, { failOnInterrupt: true })] },
      );
    },
    240_000,
  );
});
