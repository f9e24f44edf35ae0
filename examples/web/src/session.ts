import {
  ApolloClient,
  ApolloLink,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
} from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { from, switchMap } from 'rxjs';
import { MeQuery, RefreshMutation } from './operations';
import { navigate, SECURITY_PATH } from './router';

/**
 * The session as this tab knows it. The access token lives in memory only; the refresh token
 * lives in an httpOnly cookie the API sets, which page script can never read.
 */
export type SessionState = 'starting' | 'signed-in' | 'signed-out';

const API_URL: string = import.meta.env.VITE_API_URL ?? 'http://localhost:4000/graphql';

let accessToken: string | null = null;
let state: SessionState = 'starting';
/** After a sign-in with a recovery code: how many the user has left, until they sign out. */
let recoveryCodesRemaining: number | null = null;
const listeners = new Set<() => void>();

function setSession(token: string | null) {
  accessToken = token;
  state = token === null ? 'signed-out' : 'signed-in';
  for (const listener of listeners) listener();
}

export const session = {
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  state: () => state,
  recoveryCodesRemaining: () => recoveryCodesRemaining,
  /** `codesRemaining`: the sign-in's `recoveryCodesRemaining`, when it spent a recovery code. */
  signedIn: (token: string, codesRemaining?: number | null) => {
    if (typeof codesRemaining === 'number') recoveryCodesRemaining = codesRemaining;
    setSession(token);
  },
  signedOut: () => {
    recoveryCodesRemaining = null;
    setSession(null);
    void client.clearStore();
  },
};

/**
 * Why the API refused with `code`: for UNAUTHENTICATED, refresh and retry or sign in again; for
 * FORBIDDEN, PASSWORD_CHANGE_REQUIRED and MFA_ENROLLMENT_REQUIRED among others.
 */
function reasonOf(error: unknown, code: 'UNAUTHENTICATED' | 'FORBIDDEN'): string | undefined {
  if (!CombinedGraphQLErrors.is(error)) return undefined;
  const refusal = error.errors.find((e) => e.extensions?.code === code);
  return refusal?.extensions?.reason as string | undefined;
}

/**
 * One refresh at a time for the whole tab: requests that find the token expired together wait
 * for the same refresh. The cookie goes along by itself (`credentials: 'include'`).
 */
let refreshing: Promise<string | null> | null = null;
export function refreshSession(): Promise<string | null> {
  refreshing ??= client
    .mutate({ mutation: RefreshMutation, context: { skipAuth: true } })
    .then(
      ({ data }) => data?.refreshToken.accessToken ?? null,
      () => null,
    )
    .then((token) => {
      refreshing = null;
      if (token === null) session.signedOut();
      else session.signedIn(token);
      return token;
    });
  return refreshing;
}

const withToken = new SetContextLink((previous) => {
  const headers = (previous.headers ?? {}) as Record<string, string>;
  if (previous.skipAuth || accessToken === null) return { headers };
  return { headers: { ...headers, authorization: `Bearer ${accessToken}` } };
});

/**
 * Refusals the whole tab acts on. Refresh-on-expiry: an expired access token is refreshed once
 * and the request retried.
 */
const onRefusal = new ErrorLink(({ error, operation, forward }) => {
  // An administrator asked for a new password meanwhile: `me` says so, and the app shows the form.
  const forbidden = reasonOf(error, 'FORBIDDEN');
  if (forbidden === 'PASSWORD_CHANGE_REQUIRED') {
    void client.refetchQueries({ include: [MeQuery] });
    return;
  }
  // The user's role needs a second factor (MFA_REQUIRED_ROLES): the Security page sets one up.
  if (forbidden === 'MFA_ENROLLMENT_REQUIRED') {
    navigate(SECURITY_PATH);
    return;
  }
  const reason = reasonOf(error, 'UNAUTHENTICATED');
  if (reason === undefined || operation.getContext().skipAuth) return;
  if (reason === 'TOKEN_EXPIRED' && !operation.getContext().retried) {
    return from(refreshSession()).pipe(
      switchMap((token) => {
        operation.setContext({ retried: true });
        if (token === null) throw error;
        return forward(operation);
      }),
    );
  }
  // Signed out elsewhere, revoked, or never signed in: back to the sign-in form.
  if (reason !== 'BAD_CREDENTIALS') session.signedOut();
  return;
});

/** Trusted documents: each operation is sent by the hash codegen gave it, never as text. */
const byHash = new PersistedQueryLink({
  generateHash: (document) => (document as unknown as { __meta__: { hash: string } }).__meta__.hash,
});

export const client = new ApolloClient({
  link: ApolloLink.from([
    onRefusal,
    withToken,
    byHash,
    new HttpLink({ uri: API_URL, credentials: 'include' }),
  ]),
  cache: new InMemoryCache(),
});
