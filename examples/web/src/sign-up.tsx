import type { ApolloClient } from '@apollo/client';
import { useApolloClient, useMutation } from '@apollo/client/react';
import { useEffect, useState, useSyncExternalStore, type FormEvent, type ReactNode } from 'react';
import { ResendEmailVerificationMutation, SignUpMutation, VerifyEmailMutation } from './operations';
import { Problem, refusalOf, refusedFor } from './problems';
import { Link } from './router';
import { session } from './session';

/** `/sign-up` (SIGNUP_MODE=open): the account is made when the emailed link is followed. */
export function SignUp() {
  const [signUp, { data, error, loading }] = useMutation(SignUpMutation);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const fullName = String(form.get('fullName')).trim();
    const input = {
      username: String(form.get('username')),
      email: String(form.get('email')),
      password: String(form.get('password')),
      fullName: fullName === '' ? null : fullName,
    };
    await signUp({ variables: { input } }).catch(() => undefined);
  };
  if (data?.signUp) {
    return (
      <section>
        <h1>Check your mail</h1>
        <p role="status">Follow the link we mailed you to create your account.</p>
        <Link to="/">Back to sign in</Link>
      </section>
    );
  }
  const closed = error !== undefined && refusalOf(error).reason === 'FEATURE_OFF';
  return (
    <form onSubmit={submit}>
      <h1>Create an account</h1>
      <input name="username" placeholder="Username" autoComplete="username" />
      <input name="email" type="email" placeholder="Email address" autoComplete="email" />
      <input name="password" type="password" placeholder="Password" autoComplete="new-password" />
      <input name="fullName" placeholder="Full name (optional)" autoComplete="name" />
      <button type="submit" disabled={loading}>
        Sign up
      </button>
      {error && (
        <Problem error={error}>
          {closed ? 'This server takes no sign-ups: ask an administrator for an account.' : null}
        </Problem>
      )}
      <Link to="/">Back to sign in</Link>
    </form>
  );
}

type Outcome =
  { readonly confirmed: true } | { readonly confirmed: false; readonly error: unknown };

/**
 * One request per link, however often the page's effect runs: StrictMode runs effects twice in
 * development, and a link works once, so a second request would report the first one's success
 * as a used link.
 */
const verifications = new Map<string, Promise<Outcome>>();

function verifyOnce(client: ApolloClient, token: string): Promise<Outcome> {
  let verification = verifications.get(token);
  if (verification === undefined) {
    verification = client.mutate({ mutation: VerifyEmailMutation, variables: { token } }).then(
      (): Outcome => ({ confirmed: true }),
      (error: unknown): Outcome => ({ confirmed: false, error }),
    );
    verifications.set(token, verification);
  }
  return verification;
}

/** `/verify-email?token=`: confirms an address, and so completes a sign-up, on opening. */
export function VerifyEmail({ token }: { token: string | null }) {
  const client = useApolloClient();
  const state = useSyncExternalStore(session.subscribe, session.state);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => {
    if (token === null) return;
    let shown = true;
    void verifyOnce(client, token).then((result) => {
      if (shown) setOutcome(result);
    });
    return () => {
      shown = false;
    };
  }, [client, token]);

  if (token === null) {
    return <Refused words="This link is incomplete: open it from the mail again." />;
  }
  if (outcome === null) return <p>Confirming your address…</p>;
  if (outcome.confirmed) {
    return (
      <section>
        <h1>Your address is confirmed</h1>
        <p role="status">{state === 'signed-in' ? 'Thank you.' : 'You can sign in now.'}</p>
        <Link to="/">{state === 'signed-in' ? 'Continue' : 'Sign in'}</Link>
      </section>
    );
  }
  const refusal = refusalOf(outcome.error);
  if (refusedFor(refusal, 'token', 'INVALID_TOKEN')) {
    return (
      <Refused
        error={outcome.error}
        words="This link is invalid, expired or already used: ask for a new one (sign in and have it sent again, or sign up again)."
      >
        {state === 'signed-in' && <ResendLink />}
      </Refused>
    );
  }
  if (refusedFor(refusal, 'username', 'TAKEN')) {
    return (
      <Refused
        error={outcome.error}
        words="Someone took that username meanwhile: sign up again with another one."
      />
    );
  }
  return <Refused error={outcome.error} />;
}

function Refused({
  error,
  words,
  children,
}: {
  error?: unknown;
  words?: string;
  children?: ReactNode;
}) {
  return (
    <section>
      <h1>Your address is not confirmed</h1>
      {error === undefined ? <p role="alert">{words}</p> : <Problem error={error}>{words}</Problem>}
      {children}
      <Link to="/sign-up">Sign up</Link> <Link to="/">Sign in</Link>
    </section>
  );
}

/** For a signed-in user whose address is unconfirmed: a new link, the earlier ones void. */
function ResendLink() {
  const [resend, { data, error, loading }] = useMutation(ResendEmailVerificationMutation);
  if (data?.resendEmailVerification === true) {
    return <p role="status">A new link is on its way to your address.</p>;
  }
  if (data?.resendEmailVerification === false) {
    return <p role="status">Your account has no unconfirmed address.</p>;
  }
  return (
    <div>
      <button type="button" disabled={loading} onClick={() => void resend().catch(() => undefined)}>
        Send me a new link
      </button>
      {error && <Problem error={error} />}
    </div>
  );
}
