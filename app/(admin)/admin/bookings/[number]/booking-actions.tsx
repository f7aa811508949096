'use client';
/**
 * What staff can do to one booking: cancel (with a confirmation step, and saying plainly that a
 * card payment is not refunded by cancelling), refund through Stripe (full or partial, card
 * payments only) and resend the confirmation. Each calls a server action and reads its answer
 * out; while a refund waits for Stripe the page re-reads itself every few seconds.
 */
import { useRouter } from 'next/navigation';
import { useEffect, useId, useState, useTransition } from 'react';
import type { BookingStatus } from '@/db/admin-bookings';
import { cancelBookingAction, refundBookingAction, resendConfirmationAction, type ActionResult } from '../actions';
import styles from '../bookings.module.css';
import { majorText, minorDigits, money } from '../format';

interface Props {
  bookingNumber: string;
  status: BookingStatus;
  live: boolean;
  paymentProvider: 'stripe' | 'on_arrival' | null;
  currency: string;
  refundableMinor: number;
  customerEmail: string | null;
  pendingRefunds: number;
}

function Message({ result, testId }: { result: ActionResult | null; testId: string }) {
  return (
    <p
      className={`${styles.message} ${result ? (result.ok ? styles.message_ok : styles.message_error) : ''}`}
      role={result && !result.ok ? 'alert' : 'status'}
      aria-live="polite"
      data-testid={testId}
    >
      {result?.message ?? ''}
    </p>
  );
}

export function BookingActions(props: Props) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const [amount, setAmount] = useState(() => majorText(props.refundableMinor, props.currency));
  const [refundReason, setRefundReason] = useState('');
  const [result, setResult] = useState<ActionResult | null>(null);
  const ids = useId();

  // The refund job answers within seconds: re-read the page until it has.
  useEffect(() => {
    if (props.pendingRefunds === 0) return;
    const timer = window.setInterval(() => router.refresh(), 1500);
    return () => window.clearInterval(timer);
  }, [props.pendingRefunds, router]);

  // A new refundable amount (after a refund) becomes the suggested one.
  useEffect(() => setAmount(majorText(props.refundableMinor, props.currency)), [props.refundableMinor, props.currency]);

  const cancellable = props.live || props.status === 'confirmed';
  const paidByCard = props.paymentProvider === 'stripe' && (props.status === 'confirmed' || props.status === 'cancelled');
  const hasActions = cancellable || paidByCard || props.status === 'confirmed';
  if (!hasActions && !result) return null;

  const run = (action: () => Promise<ActionResult>, afterSuccess?: () => void) =>
    startTransition(async () => {
      setResult(null);
      const answer = await action();
      setResult(answer);
      if (answer.ok) afterSuccess?.();
      router.refresh();
    });

  return (
    <section className="card" aria-labelledby={`${ids}-heading`}>
      <h2 id={`${ids}-heading`}>Actions</h2>
      <Message result={result} testId="action-message" />
      <div className={styles.actions}>
        {cancellable && (
          <div className={styles.action}>
            <h3>{props.live ? 'Release the hold' : 'Cancel the booking'}</h3>
            <p>
              The seats go back on sale at once.
              {props.paymentProvider === 'stripe' && props.status === 'confirmed' && (
                <strong> Cancelling does not refund the card payment: use “Refund through Stripe” if the customer should get money back.</strong>
              )}
            </p>
            {!confirming ? (
              <div className={styles.row}>
                <button type="button" className="button" onClick={() => setConfirming(true)} disabled={pending}>
                  {props.live ? 'Release…' : 'Cancel booking…'}
                </button>
              </div>
            ) : (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  run(() => cancelBookingAction(props.bookingNumber, reason), () => setConfirming(false));
                }}
              >
                <div className="field">
                  <label htmlFor={`${ids}-reason`}>
                    Reason <span className="field-optional">(optional, kept in the history)</span>
                  </label>
                  <input id={`${ids}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} autoFocus />
                </div>
                <div className={styles.row}>
                  <button type="submit" className={`button ${styles.danger}`} disabled={pending}>
                    {pending ? 'Cancelling…' : `Yes, ${props.live ? 'release' : 'cancel'} ${props.bookingNumber}`}
                  </button>
                  <button type="button" className="button button--quiet" onClick={() => setConfirming(false)} disabled={pending}>
                    Keep it
                  </button>
                </div>
              </form>
            )}
          </div>
        )}

        {paidByCard && (
          <div className={styles.action}>
            <h3>Refund through Stripe</h3>
            {props.refundableMinor > 0 ? (
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  run(
                    () => refundBookingAction({ bookingNumber: props.bookingNumber, amount, reason: refundReason }),
                    () => setRefundReason(''),
                  );
                }}
              >
                <p>
                  Up to {money(props.refundableMinor, props.currency)} can be refunded to the card. A full refund of a confirmed
                  booking also cancels it.
                </p>
                <div className="field">
                  <label htmlFor={`${ids}-amount`}>Amount ({props.currency})</label>
                  <input
                    id={`${ids}-amount`}
                    inputMode="decimal"
                    value={amount}
                    onChange={(e) => setAmount(e.target.value)}
                    required
                    aria-describedby={`${ids}-amount-hint`}
                  />
                  <span id={`${ids}-amount-hint`} className={styles.hint}>
                    Change it for a partial refund.
                  </span>
                </div>
                <div className="field">
                  <label htmlFor={`${ids}-refund-reason`}>
                    Note <span className="field-optional">(optional)</span>
                  </label>
                  <input id={`${ids}-refund-reason`} value={refundReason} onChange={(e) => setRefundReason(e.target.value)} maxLength={500} />
                </div>
                <div className={styles.row}>
                  <button type="submit" className="button button--primary" disabled={pending}>
                    {pending ? 'Refunding…' : 'Refund'}
                  </button>
                </div>
              </form>
            ) : (
              <p>{props.pendingRefunds > 0 ? 'Waiting for Stripe to confirm the refund…' : 'Nothing left to refund.'}</p>
            )}
          </div>
        )}

        {props.status === 'confirmed' && (
          <div className={styles.action}>
            <h3>Confirmation email</h3>
            {props.customerEmail ? (
              <>
                <p>Sends the confirmation to {props.customerEmail} again.</p>
                <div className={styles.row}>
                  <button
                    type="button"
                    className="button"
                    disabled={pending}
                    onClick={() => run(() => resendConfirmationAction(props.bookingNumber))}
                  >
                    Resend confirmation
                  </button>
                </div>
              </>
            ) : (
              <p>This booking has no email address.</p>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
