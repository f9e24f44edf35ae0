import { invalidToken } from '../errors';
import type { SessionService } from '../sessions/service';
import type { UserRecord } from '../users/model';
import type { UserService } from '../users/service';
import { EXPIRED, type TokenService } from './tokens';

/** Who a valid bearer token speaks for. */
export interface Identity {
  readonly user: UserRecord;
  readonly sessionId: string;
  /** How the session was signed in: the token's `amr` (RFC 8176). */
  readonly authMethods: readonly string[];
}

const BEARER_PATTERN = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Authentication only: turns the Authorization header into the signed-in user and session, or
 * null when there is none. A header that is present but unusable for any reason (including a
 * revoked session or a token issued before the user's sessions were all ended) is refused with
 * one uniform 401 before anything executes. Roles come from the database, never from the token,
 * so a demotion or a disable applies to the very next request.
 */
export async function authenticate(
  authorization: string | undefined,
  services: {
    readonly tokens: Pick<TokenService, 'verifyAccessToken'>;
    readonly users: Pick<UserService, 'findActive'>;
    readonly sessions: Pick<SessionService, 'findLive'>;
  },
): Promise<Identity | null> {
  if (authorization === undefined) return null;
  const token = BEARER_PATTERN.exec(authorization.trim())?.[1];
  const claims = token === undefined ? null : services.tokens.verifyAccessToken(token);
  if (claims === null) throw invalidToken('TOKEN_INVALID');
  if (claims === EXPIRED) throw invalidToken('TOKEN_EXPIRED');
  const [user, session] = await Promise.all([
    services.users.findActive(claims.sub),
    services.sessions.findLive(claims.sid),
  ]);
  if (
    user === null ||
    session === null ||
    !session.userId.equals(user._id) ||
    user.tokenVersion !== claims.ver
  ) {
    // Signed out, revoked, every session ended, or the account disabled or deleted.
    throw invalidToken('SESSION_ENDED');
  }
  return { user, sessionId: claims.sid, authMethods: claims.amr };
}
