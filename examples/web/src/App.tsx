import { CombinedGraphQLErrors } from '@apollo/client';
import { useMutation, useQuery } from '@apollo/client/react';
import { useState, useSyncExternalStore, type FormEvent } from 'react';
import {
  CreateUserMutation,
  MeQuery,
  RevokeSessionMutation,
  SessionsQuery,
  SignInMutation,
  SignOutMutation,
  UsersQuery,
} from './operations';
import { session } from './session';

type Page = 'home' | 'admin' | 'sessions';

export function App() {
  const state = useSyncExternalStore(session.subscribe, session.state);
  const [page, setPage] = useState<Page>('home');
  if (state === 'starting') return <p>Loading…</p>;
  if (state === 'signed-out') return <SignIn />;
  return (
    <main>
      <nav>
        <button onClick={() => setPage('home')}>Home</button>
        <button onClick={() => setPage('admin')}>Admin</button>
        <button onClick={() => setPage('sessions')}>Sessions</button>
        <SignOut />
      </nav>
      {page === 'home' && <Home />}
      {page === 'admin' && <Admin />}
      {page === 'sessions' && <Sessions />}
    </main>
  );
}

/** The message a failed request shows: the API's own for GraphQL errors, else a network one. */
function problemOf(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) return error.errors.map((e) => e.message).join('; ');
  return 'Could not reach the API';
}

function SignIn() {
  const [signIn, { error, loading }] = useMutation(SignInMutation);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const { data } = await signIn({
      variables: { username: String(form.get('username')), password: String(form.get('password')) },
    }).catch(() => ({ data: undefined }));
    if (data) session.signedIn(data.login.accessToken);
  };
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
      <button type="submit" disabled={loading}>
        Sign in
      </button>
      {error && <p role="alert">{problemOf(error)}</p>}
    </form>
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
      {error && <p role="alert">{problemOf(error)}</p>}
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
      {created.error && <p role="alert">{problemOf(created.error)}</p>}
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

function SignOut() {
  const [signOut] = useMutation(SignOutMutation);
  return (
    <button
      onClick={async () => {
        // The API clears the cookie; this tab forgets its access token either way.
        await signOut().catch(() => undefined);
        session.signedOut();
      }}
    >
      Sign out
    </button>
  );
}
