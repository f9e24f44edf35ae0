import { CombinedGraphQLErrors } from '@apollo/client';
import { useMutation, useQuery } from '@apollo/client/react';
import { useState, useSyncExternalStore, type FormEvent } from 'react';
import { ChoosePassword } from './change-password';
import { AcceptInvitation } from './invitations';
import {
  CreateUserMutation,
  MeQuery,
  RevokeSessionMutation,
  SessionsQuery,
  UsersQuery,
} from './operations';
import { Problem } from './problems';
import { ForgotPassword, ResetPassword } from './recovery';
import { Link, navigate, router, SECURITY_PATH } from './router';
import { Security } from './security';
import { session } from './session';
import { SignIn } from './sign-in';
import { SignOut } from './sign-out';
import { SignUp, VerifyEmail } from './sign-up';

type Page = 'home' | 'admin' | 'sessions';

export function App() {
  const state = useSyncExternalStore(session.subscribe, session.state);
  const { path, token } = useSyncExternalStore(router.subscribe, router.route);
  // Wait for the session first: a link page that signs in must not race the start-up refresh.
  if (state === 'starting') return <p>Loading…</p>;
  // The pages emailed links open, and the ways to them, whether or not anyone is signed in.
  switch (path) {
    case '/forgot-password':
      return <ForgotPassword />;
    case '/reset-password':
      return <ResetPassword token={token} />;
    case '/sign-up':
      return <SignUp />;
    case '/verify-email':
      return <VerifyEmail token={token} />;
    case '/accept-invitation':
      return <AcceptInvitation token={token} />;
  }
  if (state === 'signed-out') return <SignIn />;
  return <SignedIn path={path} />;
}

/**
 * The signed-in app; only the new-password form while an administrator requires one. The
 * Security page has an address of its own (`/security`), where the app sends a user whose role
 * needs a second factor.
 */
function SignedIn({ path }: { path: string }) {
  const [page, setPage] = useState<Page>('home');
  const { data, error, refetch } = useQuery(MeQuery);
  if (data === undefined && error === undefined) return <p>Loading…</p>;
  if (data?.me?.mustChangePassword) return <ChoosePassword onChanged={() => void refetch()} />;
  const security = path === SECURITY_PATH;
  const open = (next: Page) => {
    setPage(next);
    navigate('/');
  };
  return (
    <main>
      <nav>
        <button onClick={() => open('home')}>Home</button>
        <button onClick={() => open('admin')}>Admin</button>
        <button onClick={() => open('sessions')}>Sessions</button>
        <Link to={SECURITY_PATH}>Security</Link>
        <SignOut />
      </nav>
      <RecoveryCodesLeft />
      {security && <Security />}
      {!security && page === 'home' && <Home />}
      {!security && page === 'admin' && <Admin />}
      {!security && page === 'sessions' && <Sessions />}
    </main>
  );
}

/** After a sign-in with a recovery code: how many the user has left, until they sign out. */
function RecoveryCodesLeft() {
  const left = useSyncExternalStore(session.subscribe, session.recoveryCodesRemaining);
  if (left === null) return null;
  return (
    <p role="status" data-testid="recovery-codes-remaining" data-count={left}>
      You signed in with a recovery code: {left} {left === 1 ? 'is' : 'are'} left.
    </p>
  );
}

function Home() {
  const { data, error, refetch } = useQuery(MeQuery, { fetchPolicy: 'network-only' });
  return (
    <section>
      {data?.me && (
        <p data-testid="me">
          Signed in as {data.me.username} ({data.me.roles.join(', ')})
        </p>
      )}
      {error && <Problem error={error} />}
      <button onClick={() => void refetch()}>Check again</button>
    </section>
  );
}

function Admin() {
  const { data, error, refetch } = useQuery(UsersQuery, {
    fetchPolicy: 'network-only',
    errorPolicy: 'all',
  });
  const [createUser, created] = useMutation(CreateUserMutation);
  const refused =
    CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'FORBIDDEN');
  if (refused) return <p role="alert">This page is for administrators (role ADMIN).</p>;
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = {
      username: String(form.get('username')),
      password: String(form.get('password')),
    };
    const result = await createUser({ variables: { input } }).catch(() => null);
    if (result?.data) await refetch();
  };
  return (
    <section>
      <h1>Users</h1>
      <ul data-testid="users">
        {data?.users?.edges.map(({ node }) => (
          <li key={node.id}>
            {node.username} ({node.roles.join(', ')})
          </li>
        ))}
      </ul>
      <form onSubmit={submit}>
        <input name="username" placeholder="New username" />
        <input name="password" type="password" placeholder="Initial password" />
        <button type="submit">Create user</button>
      </form>
      {created.error && <Problem error={created.error} />}
    </section>
  );
}

function Sessions() {
  const { data, refetch } = useQuery(SessionsQuery, { fetchPolicy: 'network-only' });
  const [revoke] = useMutation(RevokeSessionMutation);
  return (
    <section>
      <h1>Sessions</h1>
      <ul data-testid="sessions">
        {data?.sessions?.map((s) => (
          <li key={s.id} data-current={s.current}>
            {s.userAgent ?? 'unknown client'}, last used {new Date(s.lastUsedAt).toLocaleString()}
            {s.current ? (
              ' (this one)'
            ) : (
              <button
                onClick={async () => {
                  await revoke({ variables: { id: s.id } });
                  await refetch();
                }}
              >
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
