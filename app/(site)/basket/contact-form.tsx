'use client';
/**
 * ContactForm: name, email and (optionally) phone, then payment. The server is the one judge of
 * what is valid — its messages are shown beside the fields they concern. The answer is either a
 * Stripe Checkout address (the page leaves on purpose: flagged so the hold is not given back on
 * the way out) or, without online payment, the confirmed booking's page.
 */
import { useRouter } from 'next/navigation';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, issuesOf, startCheckout } from '../_lib/api-client';
import type { Booking } from '../_lib/booking-types';
import { describeHoldError } from '../_lib/hold-errors';
import { isLive } from '../_lib/hold-summary';
import { markLeaving } from '../_lib/leaving';
import { useBooking } from '../_components/booking-provider';
import { useHydrated } from '@/lib/use-hydrated';

type Field = 'name' | 'email' | 'phone';
const LABELS: Record<Field, string> = { name: 'Name', email: 'Email', phone: 'Phone' };

type Contact = NonNullable<Booking['contact']>;

function valuesOf(contact: Contact | null | undefined): Record<Field, string> {
  return { name: contact?.name ?? '', email: contact?.email ?? '', phone: contact?.phone ?? '' };
}

/* "is required" → "Name is required."; a message that is already a sentence stays as it is. */
function sentence(field: Field, message: string): string {
  const text = /^[a-z]/.test(message) ? `${LABELS[field]} ${message}` : message;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

export function ContactForm({ bookingNumber, paying, contact }: { bookingNumber: string; paying: boolean; contact: Contact | null | undefined }) {
  const router = useRouter();
  const { refresh, settled } = useBooking();
  const id = useId();
  const [values, setValues] = useState<Record<Field, string>>(() => valuesOf(contact));
  // The details given at checkout arrive with the booking (back from the payment page): shown
  // again, unless the customer has started typing.
  useEffect(() => {
    if (contact) setValues((v) => (v.name || v.email || v.phone ? v : valuesOf(contact)));
  }, [contact]);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [state, setState] = useState<'idle' | 'sending' | 'leaving'>('idle');
  // Before hydration the browser would submit the form itself (a GET with the details in the URL).
  const hydrated = useHydrated();

  // Back from Stripe through the back/forward cache: the form is usable again.
  useEffect(() => {
    const onShow = (event: PageTransitionEvent) => {
      if (event.persisted) setState('idle');
    };
    window.addEventListener('pageshow', onShow);
    return () => window.removeEventListener('pageshow', onShow);
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (state !== 'idle') return;
    setState('sending');
    setFieldErrors({});
    setFormError(null);
    try {
      // Seats being held again after a reload join a new booking: pay for that one.
      const current = await settled();
      const number = current && isLive(current) ? current.bookingNumber : bookingNumber;
      const answer = await startCheckout({
        bookingNumber: number,
        name: values.name.trim(),
        email: values.email.trim(),
        ...(values.phone.trim() ? { phone: values.phone.trim() } : {}),
      });
      if ('url' in answer) {
        setState('leaving');
        markLeaving();
        window.location.assign(answer.url);
        return;
      }
      await refresh();
      const target = answer.redirectUrl.startsWith('/') && !answer.redirectUrl.startsWith('//') ? answer.redirectUrl : `/booking/${number}`;
      router.push(target);
    } catch (err) {
      setState('idle');
      if (err instanceof ApiError && err.code === 'invalid_request') {
        const byField: Partial<Record<Field, string>> = {};
        const other: string[] = [];
        for (const issue of issuesOf(err)) {
          const field = issue.path.split('.')[0];
          if (field === 'name' || field === 'email' || field === 'phone') byField[field] ??= sentence(field, issue.message);
          else other.push(issue.message);
        }
        setFieldErrors(byField);
        // Take keyboard and screen-reader users straight to the first field to fix.
        const first = (['name', 'email', 'phone'] as const).find((f) => byField[f]);
        if (first) document.getElementById(`${id}-${first}`)?.focus();
        if (other.length > 0 || Object.keys(byField).length === 0) setFormError(other[0] ?? err.message);
        else setFormError('Please check the highlighted fields.');
        return;
      }
      if (err instanceof ApiError && err.code === 'payment_unavailable') {
        setFormError('Online payment is unavailable right now. Your seats are still held — please try again in a minute.');
        return;
      }
      setFormError(describeHoldError(err));
      if (err instanceof ApiError && ['hold_expired', 'booking_not_editable', 'invalid_hold_token', 'booking_not_found'].includes(err.code)) void refresh();
    }
  }

  const field = (name: Field, type: string, autoComplete: string, required: boolean) => {
    const error = fieldErrors[name];
    return (
      <div className={`field${error ? ' field--invalid' : ''}`}>
        <label htmlFor={`${id}-${name}`}>
          {LABELS[name]}
          {!required && <span className="field-optional"> (optional)</span>}
        </label>
        <input
          id={`${id}-${name}`}
          name={name}
          type={type}
          autoComplete={autoComplete}
          value={values[name]}
          // Typed before the page is hydrated, it would be wiped when React takes over the field.
          disabled={!hydrated}
          required={required}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-${name}-error` : undefined}
          onChange={(event) => setValues((v) => ({ ...v, [name]: event.target.value }))}
        />
        <p className="field-error" id={`${id}-${name}-error`}>
          {error ?? ''}
        </p>
      </div>
    );
  };

  return (
    <form className="contact-form" onSubmit={submit} noValidate aria-describedby={`${id}-form-note`}>
      {field('name', 'text', 'name', true)}
      {field('email', 'email', 'email', true)}
      {field('phone', 'tel', 'tel', false)}
      <p className="contact-form__note" id={`${id}-form-note`}>
        We send the confirmation to this email address. If online payment is needed you’ll pay on the next page;
        otherwise payment is due on arrival.
      </p>
      <p className="contact-form__error" role="alert">
        {formError ?? ''}
      </p>
      <button type="submit" className="button button--primary button--large" disabled={!hydrated || state !== 'idle'} aria-busy={state !== 'idle'}>
        {state === 'sending' ? 'Confirming…' : state === 'leaving' ? 'Going to payment…' : paying ? 'Continue to payment' : 'Confirm and pay'}
      </button>
    </form>
  );
}
