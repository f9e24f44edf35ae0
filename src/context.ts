import type { IncomingMessage } from 'node:http';
import type { AuthService } from './auth/service';
import type { Role } from './auth/roles';
import type { TokenService } from './auth/tokens';
import { invalidToken } from './errors';
import type { UserRecord } from './users/model';
import type { UserService } from './users/service';

/** The authenticated caller: the user as loaded from the database for this request. */
export interface Viewer {
  readonly id: string;
  readonly roles: readonly Role[];
  readonly user: UserRecord;
}

export interface Services {
  readonly users: UserService;
  readonly auth: AuthService;
  readonly tokens: TokenService;
}

/** The context every resolver receives; codegen's `contextType`. */
export interface Context {
  readonly requestId: string;
  readonly viewer: Viewer | null;
  readonly services: Services;
}

const BEARER_PATTERN = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Authentication only: turns the Authorization header into a viewer, or null when there is none.
 * A header that is present but unusable for any reason is refused with one uniform 401 before
 * anything executes. Roles come from the database, never from the token, so a demotion or a
 * disable applies to the very next request.
 */
export async function authenticate(
  authorization: string | undefined,
  services: Services,
): Promise<Viewer | null> {
  if (authorization === undefined) return null;
  const token = BEARER_PATTERN.exec(authorization.trim())?.[1];
  const claims = token === undefined ? null : services.tokens.verifyAccessToken(token);
  const user = claims === null ? null : await services.users.findActive(claims.sub);
  if (user === null) throw invalidToken();
  return { id: user._id.toHexString(), roles: user.roles, user };
}

export function createContextFactory(
  services: Services,
  getRequestId: (req: IncomingMessage) => string,
): (args: { req: IncomingMessage }) => Promise<Context> {
  return async ({ req }) => ({
    requestId: getRequestId(req),
    viewer: await authenticate(req.headers.authorization, services),
    services,
  });
}
