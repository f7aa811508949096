'use client';
/** The staff sign-in form: labelled fields, the server's answer read out, a pending state. */
import { useActionState } from 'react';
import { signInAction, type SignInState } from './actions';

export function SignInForm() {
  const [state, action, pending] = useActionState<SignInState, FormData>(signInAction, {});
  return (
    <form action={action} className="card sign-in" noValidate>
      <div className="field">
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" required defaultValue={state.email ?? ''} />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
      </div>
      <p className="field-error" role="alert" aria-live="polite">
        {state.error ?? ''}
      </p>
      <button type="submit" className="button button--primary button--large" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
