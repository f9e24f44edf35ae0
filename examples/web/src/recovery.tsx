import { useMutation } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { RequestPasswordResetMutation, ResetPasswordMutation } from './operations';
import { Problem, refusalOf, refusedFor } from './problems';
import { Link, navigate } from './router';
import { session } from './session';
import { SecondFactor, secondStepOf, type SecondStep } from './sign-in';

/** `/forgot-password`: asks for a reset link, which the API mails to the account's address. */
export function ForgotPassword() {
  const [request, { data, error, loading }] = useMutation(RequestPasswordResetMutation);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    await request({ variables: { email: String(form.get('email')) } }).catch(() => undefined);
  };
  // The API answers the same whether or not the address has an account, and so does the page.
  if (data?.requestPasswordReset) {
    return (
      <section>
        <h1>Check your mail</h1>
        <p role="status">
          If an account has this address, a link to choose a new password is on its way.
        </p>
        <Link to="/">Back to sign in</Link>
      </section>
    );
  }
  return (
    <form onSubmit={submit}>
      <h1>Forgot your password?</h1>
      <input name="email" type="email" placeholder="Email address" autoComplete="email" />
      <button type="submit" disabled={loading}>
        Send me a link
      </button>
      {error && <Problem error={error} />}
      <Link to="/">Back to sign in</Link>
    </form>
  );
}

/**
 * `/reset-password?token=`: the emailed link; a new password signs the user in, past the second
 * step when the account has a second factor (the mailbox alone is one factor).
 */
export function ResetPassword({ token }: { token: string | null }) {
  const [reset, { error, loading }] = useMutation(ResetPasswordMutation);
  const [second, setSecond] = useState<SecondStep | null>(null);
  // The second step was left (a dead challenge, or the user's choice): sign in from the start.
  const [restart, setRestart] = useState<{ why: unknown } | null>(null);
  if (token === null) return <NeedsNewLink />;
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const { data } = await reset({
      variables: { token, newPassword: String(form.get('newPassword')) },
    }).catch((failure: unknown) => {
      setSecond(secondStepOf(failure));
      return { data: undefined };
    });
    if (!data) return;
    session.signedIn(data.resetPassword.accessToken);
    navigate('/');
  };
  if (restart !== null) return <ResetUnfinished error={restart.why} />;
  if (second !== null) {
    return (
      <SecondFactor
        step={second}
        onSignedIn={() => navigate('/')}
        onRestart={(why) => setRestart({ why })}
      />
    );
  }
  if (error && refusedFor(refusalOf(error), 'token', 'INVALID_TOKEN')) {
    return <NeedsNewLink error={error} />;
  }
  return (
    <form onSubmit={submit}>
      <h1>Choose a new password</h1>
      <input
        name="newPassword"
        type="password"
        placeholder="New password"
        autoComplete="new-password"
      />
      <button type="submit" disabled={loading}>
        Set password
      </button>
      {error && <Problem error={error} />}
    </form>
  );
}

/**
 * The second step of the reset was not completed: the API changed nothing, and the link is spent,
 * so the way on is a new link (or signing in with the old password).
 */
function ResetUnfinished({ error }: { error: unknown }) {
  return (
    <section>
      <h1>Your password was not changed</h1>
      {error !== null && <Problem error={error} />}
      <Link to="/forgot-password">Send me a new link</Link> or <Link to="/">sign in</Link>
    </section>
  );
}

/** A reset link that cannot be used (or was cut short): the way to a new one. */
function NeedsNewLink({ error }: { error?: unknown }) {
  const words = 'This link is invalid, expired or already used.';
  return (
    <section>
      <h1>Choose a new password</h1>
      {error ? <Problem error={error}>{words}</Problem> : <p role="alert">{words}</p>}
      <Link to="/forgot-password">Ask for a new link</Link>
    </section>
  );
}
