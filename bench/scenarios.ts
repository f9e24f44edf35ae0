import { createHash } from 'node:crypto';
import { REST_VARIANTS, type Variant } from './variants';

export interface Tokens {
  readonly admin: string;
  readonly user: string;
  readonly username: string;
  /** Accounts that sign in during the login scenarios, one after another (same password). */
  readonly signInUsernames: readonly string[];
  readonly password: string;
}

export interface Request {
  readonly method: 'GET' | 'POST';
  /** Under the server's origin: `/graphql` for GraphQL variants. */
  readonly path: string;
  readonly body?: string;
  /** Bodies sent in turn instead of `body`, when the requests must differ. */
  readonly bodies?: readonly string[];
  readonly headers: Record<string, string>;
}

/** One way of asking a scenario's question and recognizing the right answer. */
export interface Exchange {
  request(tokens: Tokens): Request;
  /** Why the answer is wrong for this variant, or null when it is the expected one. */
  check(status: number, body: Record<string, unknown>, variant: Variant): string | null;
  /** A cheap check of every body under load: only matching answers count as throughput. */
  readonly expect: string;
}

/** The GraphQL exchange, plus a REST one for variants that do not speak GraphQL. */
export interface Scenario extends Exchange {
  readonly id: string;
  readonly title: string;
  readonly connections: number;
  readonly variants: readonly Variant[];
  /** The same question as REST endpoints put it (FastAPI); variants listed must have it. */
  readonly rest?: Exchange;
}

/** How `variant` is asked `scenario`'s question. */
export function exchangeFor(scenario: Scenario, variant: Variant): Exchange {
  if (!REST_VARIANTS.includes(variant)) return scenario;
  if (!scenario.rest) throw new Error(`${scenario.id} has no REST form for ${variant}`);
  return scenario.rest;
}

/** Answer fixed viewers instead of authenticating: their `me` is the admin. */
const NO_AUTH: readonly Variant[] = ['bare', 'apollo-standalone'];
const GRAPHQL_PEERS: readonly Variant[] = ['yoga', 'mercurius'];
const ALL: readonly Variant[] = ['floor', 'bare', 'project', 'shield', ...GRAPHQL_PEERS];
const AUTHORIZING: readonly Variant[] = ['floor', 'project', 'shield', ...GRAPHQL_PEERS];

const graphql = (
  query: string,
  headers: Record<string, string> = {},
  variables?: Record<string, unknown>,
): Request => ({
  method: 'POST',
  path: '/graphql',
  body: JSON.stringify({ query, ...(variables ? { variables } : {}) }),
  headers,
});
const get = (path: string, headers: Record<string, string> = {}): Request => ({
  method: 'GET',
  path,
  headers,
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function dataOf(body: Record<string, unknown>): Record<string, unknown> | null {
  const data = body.data;
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : null;
}

function firstCode(body: Record<string, unknown>): unknown {
  const errors = body.errors as { extensions?: { code?: unknown } }[] | undefined;
  return errors?.[0]?.extensions?.code;
}

const ME = '{ me { id username roles } }';
const LIST_50 =
  '{ users(first: 50) { edges { node { id username email fullName roles disabled createdAt updatedAt } } } }';

/** The documents the project's benchmark server trusts (TRUSTED_DOCUMENTS). */
export const TRUSTED_DOCUMENTS = [ME, LIST_50];

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** A request naming a trusted document by its hash, as Apollo Client's persisted-query link does. */
const byHash = (document: string, headers: Record<string, string>): Request => ({
  method: 'POST',
  path: '/graphql',
  body: JSON.stringify({
    extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(document) } },
  }),
  headers,
});

function checkList50(status: number, body: Record<string, unknown>): string | null {
  const users = dataOf(body)?.users as { edges?: unknown[] } | undefined;
  return status === 200 && users?.edges?.length === 50 ? null : 'expected 50 edges';
}

const LOGIN =
  'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }';

function loginScenario(connections: number): Scenario {
  return {
    id: `login-c${connections}`,
    title: `login, ${connections} at once`,
    connections,
    variants: ['project'],
    // A rush signs many people in, not one: each request signs in the next of 50 accounts.
    request: (tokens) => ({
      ...graphql(LOGIN, {}, { u: tokens.username, p: tokens.password }),
      bodies: tokens.signInUsernames.map(
        (u) => graphql(LOGIN, {}, { u, p: tokens.password }).body ?? '',
      ),
    }),
    check: (status, body) => {
      const login = dataOf(body)?.login as { accessToken?: unknown } | undefined;
      return status === 200 && typeof login?.accessToken === 'string' ? null : 'no access token';
    },
    expect: '"accessToken":"ey',
  };
}

/** The REST answer's JSON member, as FastAPI returns it. */
const restField =
  (name: string, value: unknown, status = 200) =>
  (actual: number, body: Record<string, unknown>) =>
    actual === status && body[name] === value
      ? null
      : `expected ${status} and ${name}: ${String(value)}`;

const restStatus = (status: number) => (actual: number) =>
  actual === status ? null : `expected ${status}`;

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'typename',
    title: '`{ __typename }`, no token: the engine alone',
    connections: 10,
    variants: ['floor', 'bare', 'project', 'apollo-standalone', ...GRAPHQL_PEERS],
    request: () => graphql('{ __typename }'),
    check: (status, body) =>
      status === 200 && dataOf(body)?.__typename === 'Query' ? null : 'expected Query',
    expect: '"__typename":"Query"',
  },
  {
    id: 'public',
    title: 'public field, no token',
    connections: 10,
    variants: [...ALL, 'apollo-standalone', 'fastapi'],
    request: () => graphql('{ health }'),
    check: (status, body) =>
      status === 200 && dataOf(body)?.health === true ? null : 'expected health: true',
    expect: '"health":true',
    rest: {
      request: () => get('/health'),
      check: restField('health', true),
      expect: '"health":true',
    },
  },
  {
    id: 'me',
    title: '`me`, USER token',
    connections: 10,
    variants: [...ALL, 'apollo-standalone', 'fastapi'],
    request: (tokens) => graphql(ME, bearer(tokens.user)),
    check: (status, body, variant) => {
      const me = dataOf(body)?.me as { username?: unknown } | undefined;
      if (status !== 200 || typeof me?.username !== 'string') return 'expected a user';
      return NO_AUTH.includes(variant) || me.username === 'bench-user'
        ? null
        : 'expected bench-user';
    },
    expect: '"username":"bench-',
    rest: {
      request: (tokens) => get('/me', bearer(tokens.user)),
      check: restField('username', 'bench-user'),
      expect: '"username":"bench-user"',
    },
  },
  {
    id: 'user-only',
    title: '`userOnly`, USER token',
    connections: 10,
    variants: [...AUTHORIZING, 'fastapi'],
    request: (tokens) => graphql('{ userOnly }', bearer(tokens.user)),
    check: (status, body) =>
      status === 200 && dataOf(body)?.userOnly === 'Hello, User!' ? null : 'expected the greeting',
    expect: 'Hello, User!',
    rest: {
      request: (tokens) => get('/user-only', bearer(tokens.user)),
      check: restField('userOnly', 'Hello, User!'),
      expect: 'Hello, User!',
    },
  },
  {
    id: 'admin-refused',
    title: 'admin field refused to USER',
    connections: 10,
    variants: [...AUTHORIZING, 'fastapi'],
    request: (tokens) => graphql('{ adminOnly }', bearer(tokens.user)),
    check: (_status, body, variant) => {
      const code = firstCode(body);
      // graphql-shield reports its own refusal; everyone else says FORBIDDEN.
      return code === 'FORBIDDEN' || (variant === 'shield' && code !== undefined)
        ? null
        : 'expected FORBIDDEN';
    },
    expect: '"errors":',
    rest: {
      request: (tokens) => get('/admin-only', bearer(tokens.user)),
      check: restField('detail', 'Forbidden', 403),
      expect: '"detail":"Forbidden"',
    },
  },
  {
    id: 'admin-allowed',
    title: 'admin field allowed to ADMIN',
    connections: 10,
    variants: [...ALL, 'fastapi'],
    request: (tokens) => graphql('{ adminOnly }', bearer(tokens.admin)),
    check: (status, body) =>
      status === 200 && dataOf(body)?.adminOnly === 'Hello, Admin!'
        ? null
        : 'expected the greeting',
    expect: 'Hello, Admin!',
    rest: {
      request: (tokens) => get('/admin-only', bearer(tokens.admin)),
      check: restField('adminOnly', 'Hello, Admin!'),
      expect: 'Hello, Admin!',
    },
  },
  {
    id: 'list-50',
    title: '50-row `users` list, ADMIN token',
    connections: 10,
    variants: ALL,
    request: (tokens) => graphql(LIST_50, bearer(tokens.admin)),
    check: checkList50,
    expect: '"username":"bench-filler-47"',
  },
  // The same two questions naming a trusted document by hash: no text to hash, parse or validate.
  {
    id: 'me-trusted',
    title: '`me` as a trusted document (hash only)',
    connections: 10,
    variants: ['project'],
    request: (tokens) => byHash(ME, bearer(tokens.user)),
    check: (status, body) =>
      status === 200 && (dataOf(body)?.me as { username?: unknown } | undefined)?.username
        ? null
        : 'expected a user',
    expect: '"username":"bench-user"',
  },
  {
    id: 'list-50-trusted',
    title: '50-row `users` list as a trusted document (hash only)',
    connections: 10,
    variants: ['project'],
    request: (tokens) => byHash(LIST_50, bearer(tokens.admin)),
    check: checkList50,
    expect: '"username":"bench-filler-47"',
  },
  {
    id: 'bad-token',
    title: 'bad token on a guarded field',
    connections: 10,
    variants: [...AUTHORIZING, 'fastapi'],
    // A public field with a stale token runs anonymous in the project; a guarded one is refused.
    request: () => graphql('{ userOnly }', bearer('not.a.token')),
    check: (status) => (status === 401 ? null : 'expected 401'),
    expect: 'UNAUTHENTICATED',
    // FastAPI's public route takes no token, so the bad token goes where one is read.
    rest: {
      request: () => get('/me', bearer('not.a.token')),
      check: restStatus(401),
      expect: 'Could not validate credentials',
    },
  },
  loginScenario(1),
  loginScenario(2),
  loginScenario(16),
];
