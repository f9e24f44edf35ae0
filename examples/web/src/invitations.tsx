import { useMutation } from '@apollo/client/react';
import type { FormEvent } from 'react';
import { AcceptInvitationMutation } from './operations';
import { Problem, refusalOf, refusedFor } from './problems';
import { navigate } from './router';
import { session } from './session';

/** `/accept-invitation?token=`: the invited person picks a username and password, signed in. */
export function AcceptInvitation({ token }: { token: string | null }) {
  const [accept, { error, loading }] = useMutation(AcceptInvitationMutation);
  if (token === null || (error && refusedFor(refusalOf(error), 'token', 'INVALID_TOKEN'))) {
    return <InvitationUnusable error={error} />;
  }
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const { data } = await accept({
      variables: {
        token,
        username: String(form.get('username')),
        password: String(form.get('password')),
      },
    }).catch(() => ({ data: undefined }));
    if (!data) return;
    session.signedIn(data.acceptInvitation.accessToken);
    navigate('/');
  };
  // A taken username leaves the link usable: the form stays for another try.
  return (
    <form onSubmit={submit}>
      <h1>Accept the invitation</h1>
      <input name="username" placeholder="Username" autoComplete="username" />
      <input name="password" type="password" placeholder="Password" autoComplete="new-password" />
      <button type="submit" disabled={loading}>
        Create my account
      </button>
      {error && <Problem error={error} />}
    </form>
  );
}

function InvitationUnusable({ error }: { error: unknown }) {
  const words = 'This invitation is invalid, expired or already used: ask for a new one.';
  return (
    <section>
      <h1>Accept the invitation</h1>
      {error ? <Problem error={error}>{words}</Problem> : <p role="alert">{words}</p>}
    </section>
  );
}
