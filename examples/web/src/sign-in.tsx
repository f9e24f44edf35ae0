import { CombinedGraphQLErrors } from '@apollo/client';
import { useApolloClient } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import {
  BeginPasskeySignInMutation,
  CompleteMfaSignInMutation,
  FinishPasskeySignInMutation,
  SignInMutation,
} from './operations';
import { signWithPasskey } from './passkeys';
import { Problem, refusalOf } from './problems';
import { Link } from './router';
import { session } from './session';
import { useAttempt } from './use-attempt';

/**
 * The second step an `MFA_REQUIRED` refusal asks for (after `login`, or `resetPassword` for an
 * account with a second factor): its challenge and the ways to answer.
 */
export interface SecondStep {
  readonly challenge: string;
  readonly methods: readonly string[];
}

export function secondStepOf(error: unknown): SecondStep | null {
  if (!CombinedGraphQLErrors.is(error)) return null;
  const extensions = error.errors[0]?.extensions;
  if (extensions?.code !== 'MFA_REQUIRED' || typeof extensions.challenge !== 'string') return null;
  const methods = Array.isArray(extensions.methods) ? extensions.methods : [];
  return {
    challenge: extensions.challenge,
    methods: methods.filter((method): method is string => typeof method === 'string'),
  };
}

/**
 * Requests made before there is a token: `skipAuth` keeps them clear of the refresh-and-retry
 * and the sign-out that refusals of signed-in requests bring.
 */
const beforeSignIn = { context: { skipAuth: true } } as const;

/**
 * The sign-in form: a password, then a second factor when the account has one; or a passkey
 * alone, which verifies its user and so counts as both.
 */
export function SignIn() {
  const client = useApolloClient();
  const [second, setSecond] = useState<SecondStep | null>(null);
  const { busy, error, setError, attempt } = useAttempt();
  if (second !== null) {
    return (
      <SecondFactor
        step={second}
        onRestart={(why) => {
          setSecond(null);
          setError(why);
        }}
      />
    );
  }
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const variables = {
      username: String(form.get('username')),
      password: String(form.get('password')),
    };
    void attempt(async () => {
      try {
        const { data } = await client.mutate({ mutation: SignInMutation, variables });
        if (data) session.signedIn(data.login.accessToken);
      } catch (failure) {
        const step = secondStepOf(failure);
        if (step === null) throw failure;
        setSecond(step);
      }
    });
  };
  const withPasskey = () =>
    attempt(async () => {
      const begun = await client.mutate({
        mutation: BeginPasskeySignInMutation,
        variables: { challenge: null },
        ...beforeSignIn,
      });
      const response = await signWithPasskey(begun.data?.beginPasskeySignIn ?? '');
      const { data } = await client.mutate({
        mutation: FinishPasskeySignInMutation,
        variables: { response },
        ...beforeSignIn,
      });
      if (data) session.signedIn(data.finishPasskeySignIn.accessToken);
    });
  return (
    <form onSubmit={submit}>
      <h1>Sign in</h1>
      <input name="username" placeholder="Username" autoComplete="username" />
      <input
        name="password"
        type="password"
        placeholder="Password"
        autoComplete="current-password"
      />
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      <button type="button" disabled={busy} onClick={() => void withPasskey()}>
        Sign in with a passkey
      </button>
      {error !== null && <Problem error={error} />}
      <p>
        <Link to="/forgot-password">Forgot your password?</Link>{' '}
        <Link to="/sign-up">Create an account</Link>
      </p>
    </form>
  );
}

/**
 * The second step: a code from the authenticator app or a recovery code, or a passkey. A wrong
 * code leaves the step open for another; a challenge that died (expired, spent) goes back with
 * `onRestart`, and so does "Start over" (with null).
 */
export function SecondFactor({
  step,
  onRestart,
  onSignedIn,
}: {
  step: SecondStep;
  onRestart: (why: unknown) => void;
  onSignedIn?: () => void;
}) {
  const client = useApolloClient();
  const { busy, error, attempt } = useAttempt();
  const { challenge, methods } = step;
  const complete = (answer: { code: string } | { passkey: string }) =>
    client
      .mutate({
        mutation: CompleteMfaSignInMutation,
        variables: { challenge, ...answer },
        ...beforeSignIn,
      })
      .then(({ data }) => {
        if (!data) return;
        const { accessToken, recoveryCodesRemaining } = data.completeMfaSignIn;
        session.signedIn(accessToken, recoveryCodesRemaining);
        onSignedIn?.();
      });
  const run = (work: () => Promise<void>) =>
    attempt(async () => {
      try {
        await work();
      } catch (failure) {
        if (refusalOf(failure).reason === 'MFA_CHALLENGE_INVALID') onRestart(failure);
        else throw failure;
      }
    });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get('code')).trim();
    void run(() => complete({ code }));
  };
  const withPasskey = () =>
    run(async () => {
      const begun = await client.mutate({
        mutation: BeginPasskeySignInMutation,
        variables: { challenge },
        ...beforeSignIn,
      });
      await complete({ passkey: await signWithPasskey(begun.data?.beginPasskeySignIn ?? '') });
    });
  const byCode = methods.includes('TOTP') || methods.includes('RECOVERY_CODE');
  return (
    <form onSubmit={submit}>
      <h1>Second step</h1>
      {byCode && (
        <>
          <p>Enter the code from your authenticator app, or one of your recovery codes.</p>
          <input
            name="code"
            placeholder="Code"
            autoComplete="one-time-code"
            autoCapitalize="none"
            spellCheck={false}
          />
          <button type="submit" disabled={busy}>
            Verify
          </button>
        </>
      )}
      {methods.includes('PASSKEY') && (
        <button type="button" disabled={busy} onClick={() => void withPasskey()}>
          Use a passkey
        </button>
      )}
      {error !== null && <Problem error={error} />}
      <button type="button" onClick={() => onRestart(null)}>
        Start over
      </button>
    </form>
  );
}
