import { randomBytes, randomUUID } from 'node:crypto';
import { SYSTEM_CALLER } from '../../src/caller';
import { ensureInitialAdmin } from '../../src/users/bootstrap';
import type { Role } from '../../src/users/roles';
import type {
  AuditEventFilter,
  AuditEventsQuery as AuditEventsQueryResult,
  AuthPayloadFieldsFragment,
  UpdateUserInput,
  UserFieldsFragment,
  UsersQuery as UsersQueryResult,
} from '../__generated__/graphql';
import { execute, type RequestOptions, type TestApi } from './api';
import {
  AuditEventsQuery,
  CreateUserMutation,
  DeleteUserMutation,
  LoginMutation,
  UpdateUserMutation,
  UserQuery,
  UsersQuery,
} from './operations';

export interface TestUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly roles: readonly Role[];
}

export function uniqueUsername(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function strongPassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * The administrator each test API creates its users with, through the `createUser` mutation.
 * It is the first active admin a test asks for, made the way `npm start` makes the initial
 * administrator; when a test asks for an ordinary user first, one is made for the purpose.
 */
const operators = new WeakMap<TestApi, Promise<string>>();

async function provisionAdmin(api: TestApi, username: string, password: string): Promise<string> {
  await ensureInitialAdmin(api.app.services.users, {
    initialAdmin: { username, password },
    generateInitialAdmin: false,
  });
  const record = await api.app.services.users.findForSignIn(username);
  if (!record) throw new Error(`the initial administrator ${username} was not created`);
  return record._id.toHexString();
}

function operatorToken(api: TestApi): Promise<string> {
  let token = operators.get(api);
  if (!token) {
    token = (async () => {
      const username = uniqueUsername('operator');
      const id = await provisionAdmin(api, username, strongPassword());
      return tokenFor(api, { id });
    })();
    operators.set(api, token);
  }
  return token;
}

/** Sends an administrator's operation as the test API's operator; fails loudly on any error. */
/** A root field the operator may read: guarded fields are nullable, but never refused to it. */
function present<T>(value: T | null | undefined, field: string): T {
  if (value === null || value === undefined) throw new Error(`operator got no ${field}`);
  return value;
}

async function asOperator<TData, TVariables>(
  api: TestApi,
  document: Parameters<typeof execute<TData, TVariables>>[1],
  variables: TVariables,
): Promise<TData> {
  const response = await execute(api, document, variables, { token: await operatorToken(api) });
  if (!response.body.data || response.body.errors) {
    throw new Error(`operator request failed: ${JSON.stringify(response.body)}`);
  }
  return response.body.data;
}

/** Creates a user through the public surface: the initial-admin bootstrap, then `createUser`. */
export async function createUser(
  api: TestApi,
  options: { roles?: Role[]; disabled?: boolean; username?: string; password?: string } = {},
): Promise<TestUser> {
  const username = options.username ?? uniqueUsername(options.roles?.[0]?.toLowerCase());
  const password = options.password ?? strongPassword();
  const roles = options.roles ?? ['USER'];
  if (!operators.has(api) && roles.includes('ADMIN') && !options.disabled && roles.length === 1) {
    const id = await provisionAdmin(api, username, password);
    const token = await tokenFor(api, { id });
    operators.set(api, Promise.resolve(token));
    return { id, username, password, roles };
  }
  const created = present(
    (await asOperator(api, CreateUserMutation, { input: { username, password, roles } }))
      .createUser,
    'createUser',
  );
  if (options.disabled) await updateUser(api, created, { disabled: true });
  return { id: created.id, username, password, roles };
}

/** Changes a user as an administrator would, through `updateUser`. */
export async function updateUser(
  api: TestApi,
  user: Pick<TestUser, 'id'>,
  input: UpdateUserInput,
): Promise<void> {
  await asOperator(api, UpdateUserMutation, { id: user.id, input });
}

/** Deletes a user as an administrator would, through `deleteUser`. */
export async function deleteUser(api: TestApi, user: Pick<TestUser, 'id'>): Promise<void> {
  await asOperator(api, DeleteUserMutation, { id: user.id });
}

/** A user as an administrator reads it with `user(id)`, or null when there is none. */
export async function findUser(api: TestApi, id: string): Promise<UserFieldsFragment | null> {
  const { user } = await asOperator(api, UserQuery, { id });
  return user ?? null;
}

/** The newest audit events that match `filter`, as an administrator reads them. */
export async function auditEvents(
  api: TestApi,
  filter: AuditEventFilter,
): Promise<NonNullable<AuditEventsQueryResult['auditEvents']>['edges'][number]['node'][]> {
  const { auditEvents } = await asOperator(api, AuditEventsQuery, { first: 100, filter });
  return present(auditEvents, 'auditEvents').edges.map((edge) => edge.node);
}

/** Whether any user is called `username`, as an administrator would find out: paging `users`. */
export async function userExists(api: TestApi, username: string): Promise<boolean> {
  let after: string | null = null;
  for (;;) {
    const result: UsersQueryResult = await asOperator(api, UsersQuery, { first: 100, after });
    const users = present(result.users, 'users');
    if (users.edges.some((edge) => edge.node.username === username.normalize('NFKC'))) {
      return true;
    }
    if (!users.pageInfo.hasNextPage) return false;
    after = users.pageInfo.endCursor ?? null;
  }
}

/** Signs in over HTTP as a client would; the raw response, success or not. */
export function login(
  api: Pick<TestApi, 'url'>,
  username: string,
  password: string,
  options?: RequestOptions,
) {
  return execute(api, LoginMutation, { username, password }, options);
}

/** Signs `user` in over HTTP and returns the tokens; throws when sign-in fails. */
/** A sign-in's payload with the refresh token in the body (the default transport). */
export type BodySignIn = AuthPayloadFieldsFragment & { readonly refreshToken: string };

export async function signIn(
  api: Pick<TestApi, 'url'>,
  user: Pick<TestUser, 'username' | 'password'>,
  options?: RequestOptions,
): Promise<BodySignIn> {
  const response = await login(api, user.username, user.password, options);
  const payload = response.body.data?.login;
  if (!payload) throw new Error(`login failed: ${JSON.stringify(response.body)}`);
  const { refreshToken } = payload;
  if (refreshToken === null) throw new Error('login put the refresh token in a cookie');
  return { ...payload, refreshToken };
}

/**
 * A real signed access token for `user` with a real session behind it, from the app's own
 * services (the calls `login` makes after the password check). Not through `login` itself: a
 * sign-in writes attempts and audit events, which the throttling and audit tests count.
 */
export async function tokenFor(api: TestApi, user: Pick<TestUser, 'id'>): Promise<string> {
  return (await sessionFor(api, user)).token;
}

export async function sessionFor(
  api: TestApi,
  user: Pick<TestUser, 'id'>,
): Promise<{ token: string; sessionId: string; refreshToken: string }> {
  const { users, sessions, tokens } = api.app.services;
  const record = await users.findById(user.id);
  if (!record) throw new Error(`no user ${user.id}`);
  const { session, refreshToken } = await sessions.start(
    record,
    {
      ...SYSTEM_CALLER,
      userAgent: 'test helper',
    },
    ['pwd'],
  );
  const sessionId = session._id.toHexString();
  const { token } = tokens.issueAccessToken({
    userId: user.id,
    sessionId,
    tokenVersion: record.tokenVersion,
    authMethods: ['pwd'],
    authTime: Math.floor(session.createdAt.getTime() / 1000),
  });
  return { token, sessionId, refreshToken };
}
