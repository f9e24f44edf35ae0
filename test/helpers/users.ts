import { randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '../../src/auth/roles';
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
  const user = await api.app.services.users.create({ username, password, roles });
  const id = user._id.toHexString();
  if (options.disabled) await api.app.services.users.update(id, { disabled: true });
  return { id, username, password, roles };
}

/** A real signed access token for `user`, from the app's own token service. */
export function tokenFor(api: TestApi, user: Pick<TestUser, 'id'>): string {
  return api.app.services.tokens.issueAccessToken(user.id).token;
}
