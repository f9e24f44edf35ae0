import { randomBytes, randomUUID } from 'node:crypto';
import { SYSTEM_CALLER } from '../../src/caller';
import type { Role } from '../../src/users/roles';
import type { TestApi } from './api';

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

/** Creates a user through the app's own service (the same code path as `createUser`). */
export async function createUser(
  api: TestApi,
  options: { roles?: Role[]; disabled?: boolean; username?: string; password?: string } = {},
): Promise<TestUser> {
  const username = options.username ?? uniqueUsername(options.roles?.[0]?.toLowerCase());
  const password = options.password ?? strongPassword();
  const roles = options.roles ?? ['USER'];
  const { users } = api.app.services;
  const user = await users.create({ username, password, roles }, SYSTEM_CALLER);
  const id = user._id.toHexString();
  if (options.disabled) await users.update(id, { disabled: true }, SYSTEM_CALLER);
  return { id, username, password, roles };
}

/**
 * A real signed access token for `user` with a real session behind it, from the app's own
 * services (the same calls `login` makes, minus the argon2 check).
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
  const { session, refreshToken } = await sessions.start(record, {
    ...SYSTEM_CALLER,
    userAgent: 'test helper',
  });
  const sessionId = session._id.toHexString();
  const { token } = tokens.issueAccessToken({
    userId: user.id,
    sessionId,
    tokenVersion: record.tokenVersion,
  });
  return { token, sessionId, refreshToken };
}
