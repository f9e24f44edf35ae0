import type { Variant } from './variants';

export interface Tokens {
  readonly admin: string;
  readonly user: string;
  readonly username: string;
  readonly password: string;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly connections: number;
  readonly variants: readonly Variant[];
  request(tokens: Tokens): { body: string; headers: Record<string, string> };
  /** Why the answer is wrong for this variant, or null when it is the expected one. */
  check(status: number, body: Record<string, unknown>, variant: Variant): string | null;
  /** A cheap check of every body under load: only matching answers count as throughput. */
  readonly expect: string;
}

const ALL: readonly Variant[] = ['floor', 'bare', 'project', 'shield'];
const AUTHORIZING: readonly Variant[] = ['floor', 'project', 'shield'];

const graphql = (query: string, variables?: Record<string, unknown>) =>
  JSON.stringify({ query, ...(variables ? { variables } : {}) });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function dataOf(body: Record<string, unknown>): Record<string, unknown> | null {
  const data = body.data;
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : null;
}

function firstCode(body: Record<string, unknown>): unknown {
  const errors = body.errors as { extensions?: { code?: unknown } }[] | undefined;
  return errors?.[0]?.extensions?.code;
}

const LOGIN =
  'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }';

function loginScenario(connections: number): Scenario {
  return {
    id: `login-c${connections}`,
    title: `login, ${connections} at once`,
    connections,
    variants: ['project'],
    request: (tokens) => ({
      body: graphql(LOGIN, { u: tokens.username, p: tokens.password }),
      headers: {},
    }),
    check: (status, body) => {
      const login = dataOf(body)?.login as { accessToken?: unknown } | undefined;
      return status === 200 && typeof login?.accessToken === 'string' ? null : 'no access token';
    },
    expect: '"accessToken":"ey',
  };
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'public',
    title: 'public field, no token',
    connections: 10,
    variants: ALL,
    request: () => ({ body: graphql('{ health }'), headers: {} }),
    check: (status, body) =>
      status === 200 && dataOf(body)?.health === true ? null : 'expected health: true',
    expect: '"health":true',
  },
  {
    id: 'me',
    title: '`me`, USER token',
    connections: 10,
    variants: ALL,
    request: (tokens) => ({
      body: graphql('{ me { id username roles } }'),
      headers: bearer(tokens.user),
    }),
    check: (status, body, variant) => {
      const me = dataOf(body)?.me as { username?: unknown } | undefined;
      if (status !== 200 || typeof me?.username !== 'string') return 'expected a user';
      // Bare Apollo has no authentication: its fixed viewer is the admin.
      return variant === 'bare' || me.username === 'bench-user' ? null : 'expected bench-user';
    },
    expect: '"username":"bench-',
  },
  {
    id: 'admin-refused',
    title: 'admin field refused to USER',
    connections: 10,
    variants: AUTHORIZING,
    request: (tokens) => ({ body: graphql('{ adminOnly }'), headers: bearer(tokens.user) }),
    check: (_status, body, variant) => {
      const code = firstCode(body);
      // graphql-shield reports its own refusal; everyone else says FORBIDDEN.
      return code === 'FORBIDDEN' || (variant === 'shield' && code !== undefined)
        ? null
        : 'expected FORBIDDEN';
    },
    expect: '"errors":',
  },
  {
    id: 'admin-allowed',
    title: 'admin field allowed to ADMIN',
    connections: 10,
    variants: ALL,
    request: (tokens) => ({ body: graphql('{ adminOnly }'), headers: bearer(tokens.admin) }),
    check: (status, body) =>
      status === 200 && dataOf(body)?.adminOnly === 'Hello, Admin!'
        ? null
        : 'expected the greeting',
    expect: 'Hello, Admin!',
  },
  {
    id: 'list-50',
    title: '50-row `users` list, ADMIN token',
    connections: 10,
    variants: ALL,
    request: (tokens) => ({
      body: graphql(
        '{ users(first: 50) { edges { node { id username email fullName roles disabled createdAt updatedAt } } } }',
      ),
      headers: bearer(tokens.admin),
    }),
    check: (status, body) => {
      const users = dataOf(body)?.users as { edges?: unknown[] } | undefined;
      return status === 200 && users?.edges?.length === 50 ? null : 'expected 50 edges';
    },
    expect: '"username":"bench-filler-47"',
  },
  {
    id: 'bad-token',
    title: 'bad token',
    connections: 10,
    variants: AUTHORIZING,
    request: () => ({ body: graphql('{ health }'), headers: bearer('not.a.token') }),
    check: (status) => (status === 401 ? null : 'expected 401'),
    expect: 'UNAUTHENTICATED',
  },
  loginScenario(1),
  loginScenario(2),
  loginScenario(16),
];
