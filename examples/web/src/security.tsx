import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import {
  BeginPasskeyRegistrationMutation,
  BeginTotpEnrollmentMutation,
  ConfirmTotpEnrollmentMutation,
  FinishPasskeyRegistrationMutation,
  PasskeysQuery,
  RemovePasskeyMutation,
  SecondFactorsQuery,
} from './operations';
import { createPasskey } from './passkeys';
import { Problem } from './problems';
import { useAttempt } from './use-attempt';

const METHOD_NAMES: Record<string, string> = {
  TOTP: 'authenticator app',
  PASSKEY: 'passkey',
};

/**
 * `/security`: the signed-in user's second factors. An authenticator app (TOTP) with its recovery
 * codes, and passkeys. Every step here stays open while the user's role requires a second factor
 * they do not have yet (MFA_ENROLLMENT_REQUIRED), except the passkey list, which then has
 * nothing to list.
 */
export function Security() {
  const { data, error, refetch } = useQuery(SecondFactorsQuery, { fetchPolicy: 'network-only' });
  const methods = data?.me?.mfaMethods ?? [];
  const changed = () => void refetch();
  return (
    <section>
      <h1>Security</h1>
      {data?.me && (
        <p data-testid="mfa-methods" data-methods={methods.join(' ')}>
          Second factors:{' '}
          {methods.length > 0 ? methods.map((m) => METHOD_NAMES[m] ?? m).join(', ') : 'none yet'}
        </p>
      )}
      {error && <Problem error={error} />}
      <AuthenticatorApp on={methods.includes('TOTP')} onChanged={changed} />
      <Passkeys any={methods.includes('PASSKEY')} onChanged={changed} />
    </section>
  );
}

interface TotpEnrollment {
  readonly secret: string;
  readonly qrCodeDataUrl: string;
}

/**
 * Setting up an authenticator app: a QR code (or the secret to type in), a first code from the
 * app, and then the ten recovery codes, shown this once: the API keeps only their hashes.
 */
function AuthenticatorApp({ on, onChanged }: { on: boolean; onChanged: () => void }) {
  const [enrollment, setEnrollment] = useState<TotpEnrollment | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<readonly string[] | null>(null);
  const [begin, begun] = useMutation(BeginTotpEnrollmentMutation);
  const [confirm, confirmed] = useMutation(ConfirmTotpEnrollmentMutation);
  // The API binds a factor only after the password: a stolen session cannot add its own.
  const start = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget).get('password'));
    const { data } = await begin({ variables: { password } }).catch(() => ({ data: undefined }));
    if (data?.beginTotpEnrollment) setEnrollment(data.beginTotpEnrollment);
  };
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get('code')).trim();
    const { data } = await confirm({ variables: { code } }).catch(() => ({ data: undefined }));
    if (!data?.confirmTotpEnrollment) return;
    setEnrollment(null);
    setRecoveryCodes(data.confirmTotpEnrollment);
    onChanged();
  };

  if (recoveryCodes !== null) {
    return (
      <section>
        <h2>Your recovery codes</h2>
        <p>
          Each code signs you in once if your authenticator app is out of reach. Keep them somewhere
          safe: they are not shown again.
        </p>
        <ol data-testid="recovery-codes">
          {recoveryCodes.map((code) => (
            <li key={code}>
              <code>{code}</code>
            </li>
          ))}
        </ol>
        <button type="button" onClick={() => setRecoveryCodes(null)}>
          I have saved them
        </button>
      </section>
    );
  }
  if (on) {
    return (
      <section>
        <h2>Authenticator app</h2>
        <p>On: signing in asks for a code from the app.</p>
      </section>
    );
  }
  if (enrollment === null) {
    return (
      <section>
        <h2>Authenticator app</h2>
        <form onSubmit={start}>
          <input
            name="password"
            type="password"
            placeholder="Your password"
            autoComplete="current-password"
            required
          />
          <button type="submit" disabled={begun.loading}>
            Set up an authenticator app
          </button>
          {begun.error && <Problem error={begun.error} />}
        </form>
      </section>
    );
  }
  return (
    <section>
      <h2>Authenticator app</h2>
      <p>Scan this code with your authenticator app, or type in the key below it.</p>
      <img src={enrollment.qrCodeDataUrl} alt="QR code for your authenticator app" />
      <p>
        Key: <code data-testid="totp-secret">{enrollment.secret}</code>
      </p>
      <form onSubmit={submit}>
        <input
          name="code"
          placeholder="Code from the app"
          autoComplete="one-time-code"
          inputMode="numeric"
        />
        <button type="submit" disabled={confirmed.loading}>
          Turn on
        </button>
        {confirmed.error && <Problem error={confirmed.error} />}
      </form>
    </section>
  );
}

/** The user's passkeys: adding one through the browser, and removing one with the password. */
function Passkeys({ any, onChanged }: { any: boolean; onChanged: () => void }) {
  const client = useApolloClient();
  // Only a user who has a second factor may list passkeys; one who has none has none to list.
  const { data, refetch } = useQuery(PasskeysQuery, { skip: !any, fetchPolicy: 'network-only' });
  const { busy, error, attempt } = useAttempt();
  const add = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const fields = new FormData(form);
    const name = String(fields.get('name')).trim();
    const password = String(fields.get('password'));
    void attempt(async () => {
      const begun = await client.mutate({
        mutation: BeginPasskeyRegistrationMutation,
        variables: { password },
      });
      const response = await createPasskey(begun.data?.beginPasskeyRegistration ?? '');
      await client.mutate({
        mutation: FinishPasskeyRegistrationMutation,
        variables: { response, name },
      });
      form.reset();
      onChanged();
      if (any) await refetch();
    });
  };
  return (
    <section>
      <h2>Passkeys</h2>
      <ul data-testid="passkeys">
        {(any ? (data?.passkeys ?? []) : []).map((passkey) => (
          <PasskeyItem
            key={passkey.id}
            passkey={passkey}
            onRemoved={() => {
              onChanged();
              void refetch();
            }}
          />
        ))}
      </ul>
      <form onSubmit={add}>
        <input name="name" placeholder="Passkey name" maxLength={64} required />
        <input
          name="password"
          type="password"
          placeholder="Your password"
          autoComplete="current-password"
          required
        />
        <button type="submit" disabled={busy}>
          Add a passkey
        </button>
        {error !== null && <Problem error={error} />}
      </form>
    </section>
  );
}

function PasskeyItem({
  passkey,
  onRemoved,
}: {
  passkey: { id: string; name: string; createdAt: string; lastUsedAt?: string | null };
  onRemoved: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const [remove, removed] = useMutation(RemovePasskeyMutation);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget).get('password'));
    const { data } = await remove({ variables: { id: passkey.id, password } }).catch(() => ({
      data: undefined,
    }));
    if (data?.removePasskey !== undefined) onRemoved();
  };
  return (
    <li>
      {passkey.name}, added {new Date(passkey.createdAt).toLocaleString()}
      {passkey.lastUsedAt
        ? `, last used ${new Date(passkey.lastUsedAt).toLocaleString()}`
        : ''}{' '}
      {asking ? (
        <form onSubmit={submit}>
          <input
            name="password"
            type="password"
            placeholder="Your password"
            autoComplete="current-password"
          />
          <button type="submit" disabled={removed.loading}>
            Remove passkey
          </button>
          <button type="button" onClick={() => setAsking(false)}>
            Cancel
          </button>
          {removed.error && <Problem error={removed.error} />}
        </form>
      ) : (
        <button type="button" onClick={() => setAsking(true)}>
          Remove
        </button>
      )}
    </li>
  );
}
