/**
 * Every expected failure in Holdfast, in one table: its stable `code`, its HTTP status and,
 * where the database raises it, its SQLSTATE. Stored functions raise `HFnnn` codes
 * (db/migrations); built-in SQLSTATEs keep their meaning (23514/23P01 conflict, 40001/40P01 retry).
 */

export const errorCodes = {
  // Request shape
  malformed_body: { status: 400, message: 'The request body could not be read.' },
  invalid_request: { status: 422, message: 'The request is not valid.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send JSON, form data or text.' },
  method_not_allowed: { status: 405, message: 'That method is not allowed here.' },
  unauthorized: { status: 401, message: 'Missing or wrong credentials.' },
  not_signed_in: { status: 401, message: 'Sign in as staff first.' },
  forbidden: { status: 403, message: 'Your role may not do this.' },
  too_many_attempts: { status: 429, message: 'Too many sign-in attempts; wait a while before trying again.' },
  staff_email_taken: { status: 409, sqlstate: 'HF020', message: 'A staff account with that email exists.' },
  invalid_signature: { status: 400, message: 'The webhook signature does not match the body.' },
  payments_not_configured: { status: 503, message: 'Online payment is not configured.' },
  payment_unavailable: { status: 503, message: 'The payment provider could not be reached; please try again.' },
  payment_completed: { status: 409, message: 'The payment has already gone through; the booking is being confirmed.' },
  // Raised by stored functions
  sold_out: { status: 409, sqlstate: 'HF001', message: 'Not enough seats left.' },
  slot_not_found: { status: 404, sqlstate: 'HF002', message: 'That start time does not exist.' },
  booking_closed: { status: 409, sqlstate: 'HF003', message: 'That start time is no longer open for booking.' },
  booking_not_found: { status: 404, sqlstate: 'HF004', message: 'No booking with that number.' },
  invalid_hold_token: { status: 403, sqlstate: 'HF005', message: 'This hold belongs to someone else.' },
  hold_expired: { status: 410, sqlstate: 'HF006', message: 'The hold has expired.' },
  too_many_people: { status: 422, sqlstate: 'HF007', message: 'Too many people for one booking.' },
  too_many_items: { status: 422, sqlstate: 'HF008', message: 'Too many items in one booking.' },
  too_many_holds: { status: 429, sqlstate: 'HF009', message: 'Too many open holds; finish or release one first.' },
  resource_unavailable: { status: 409, sqlstate: 'HF010', message: 'That time is no longer available.' },
  booking_not_editable: { status: 409, sqlstate: 'HF011', message: 'This booking can no longer be changed.' },
  invalid_quantity: { status: 422, sqlstate: 'HF012', message: 'The number of people must be at least 1.' },
  currency_mismatch: { status: 422, sqlstate: 'HF013', message: 'All items of a booking must be in one currency.' },
  experience_not_found: { status: 404, sqlstate: 'HF014', message: 'No experience with that name.' },
  invalid_range: { status: 422, sqlstate: 'HF015', message: 'That date range is not valid.' },
  item_not_found: { status: 404, sqlstate: 'HF016', message: 'That item is not part of the booking.' },
  too_many_reservations: { status: 422, sqlstate: 'HF017', message: 'Too many reservations in one call.' },
  not_resumable: { status: 409, sqlstate: 'HF018', message: 'That hold was given back and cannot be taken up again.' },
  refund_before_payment: { status: 503, sqlstate: 'HF019', message: 'This refund\'s payment has not been applied yet; deliver it again later.' },
  // Staff bookings (db/migrations/0007_admin_bookings.sql)
  refund_not_allowed: { status: 409, sqlstate: 'HF030', message: 'This booking was not paid through Stripe, or has nothing left to refund.' },
  invalid_refund_amount: { status: 422, sqlstate: 'HF031', message: 'The refund must be more than zero and at most what is left to refund.' },
  booking_not_cancellable: { status: 409, sqlstate: 'HF032', message: 'Only a confirmed booking or a live hold can be cancelled.' },
  invalid_walk_in: { status: 422, sqlstate: 'HF033', message: 'A walk-in booking needs a name, valid contact details and at least one start time.' },
  resend_not_possible: { status: 409, sqlstate: 'HF035', message: 'Only a confirmed booking with an email address can be sent its confirmation.' },
  refund_request_not_found: { status: 404, sqlstate: 'HF036', message: 'No such refund request.' },
  invalid_filter: { status: 422, sqlstate: 'HF037', message: 'That search or filter is not valid.' },
  // Staff: experiences, schedules, slots, manifest (db/migrations/0008_admin_schedules.sql)
  invalid_experience: { status: 422, sqlstate: 'HF040', message: 'A field of the experience is not valid.' },
  experience_slug_taken: { status: 409, sqlstate: 'HF041', message: 'Another experience has that web name.' },
  experience_in_use: { status: 409, sqlstate: 'HF042', message: 'That cannot change once the experience has bookings.' },
  invalid_schedule: { status: 422, sqlstate: 'HF043', message: 'The schedule is not valid.' },
  capacity_below_taken: { status: 409, sqlstate: 'HF044', message: 'The capacity cannot be below the seats held and booked.' },
  not_on_manifest: { status: 409, sqlstate: 'HF045', message: 'That booking is not on this manifest.' },
  // Staff insights (0009_admin_insights.sql): HF050–HF059
  invalid_period: { status: 422, sqlstate: 'HF050', message: 'A period must run forwards and span at most 400 days.' },
  invalid_email_status: { status: 422, sqlstate: 'HF051', message: 'Unknown email status.' },
  metrics_disabled: { status: 404, message: 'Metrics are disabled: set METRICS_TOKEN to enable /api/metrics.' },
  // Built-in SQLSTATEs
  conflict: { status: 409, sqlstate: ['23514', '23P01', '23505'], message: 'The change conflicts with another one.' },
  busy: { status: 503, sqlstate: ['40001', '40P01', '55P03', '57014'], message: 'Busy; please try again.' },
  invalid_input: { status: 400, sqlstate: ['22P02', '22007', '22008', '22003', '22021'], message: 'A value is out of range or malformed.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
} as const satisfies Record<string, { status: number; message: string; sqlstate?: string | readonly string[] }>;

export type ErrorCode = keyof typeof errorCodes;

/** An expected failure: a stable code, an HTTP status, a human message, optional details. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message ?? errorCodes[code].message);
    this.name = 'AppError';
    this.status = errorCodes[code].status;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.details };
  }
}

const bySqlstate = new Map<string, ErrorCode>(
  Object.entries(errorCodes).flatMap(([code, def]) => {
    const states = 'sqlstate' in def ? [def.sqlstate].flat() : [];
    return states.map((s) => [s, code as ErrorCode] as const);
  }),
);

/** SQLSTATEs after which the whole transaction may simply be run again. */
export const retryableSqlstates = new Set(['40001', '40P01']);

/**
 * Maps a database error to an AppError, or returns undefined for errors nobody expected.
 * Project errors carry their details as JSON in the error's DETAIL.
 */
export function fromDatabaseError(err: unknown): AppError | undefined {
  if (!err || typeof err !== 'object' || !('code' in err) || typeof err.code !== 'string') return undefined;
  const code = bySqlstate.get(err.code);
  if (!code) return undefined;
  let details: Record<string, unknown> = {};
  const detail = 'detail' in err && typeof err.detail === 'string' ? err.detail : undefined;
  if (detail?.startsWith('{')) {
    try {
      details = JSON.parse(detail) as Record<string, unknown>;
    } catch {
      details = {};
    }
  }
  const own = err.code.startsWith('HF') && 'message' in err && typeof err.message === 'string';
  return new AppError(code, own ? capitalise(err.message as string) : undefined, own ? details : { sqlstate: err.code });
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1) + (s.endsWith('.') ? '' : '.');
}
