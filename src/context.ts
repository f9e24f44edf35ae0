import type { Request } from 'express';
import type { AuditService } from './audit/service';
import type { AuthService } from './auth/service';
import type { TokenService } from './auth/tokens';
import { invalidToken, isClientError, unauthenticated } from './errors';
import { requestIdOf } from './http-middleware';
import type { Logger } from './logger';
import type { ClientInfo, SessionService } from './sessions/service';
import type { UserRecord } from './users/model';
import type { Actor, UserService } from './users/service';

/** The authenticated caller: the user as loaded from the database (roles included). */
export interface Viewer {
  readonly user: UserRecord;
  /** The session the access token names (its `sid` claim). */
  readonly sessionId: string;
}

export interface Services {
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly auth: AuthService;
  readonly tokens: TokenService;
  readonly audit: AuditService;
}

/** The context every resolver receives; codegen's `contextType`. */
export interface Context {
  readonly viewer: Viewer | null;
  readonly client: ClientInfo;
  readonly services: Services;
}

const BEARER_PATTERN = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Authentication only: turns the Authorization header into a viewer, or null when there is none.
 * A header that is present but unusable for any reason (including a revoked session or a token
 * issued before the user's sessions were all ended) is refused with one uniform 401 before
 * anything executes. Roles come from the database, never from the token, so a demotion or a
 * disable applies to the very next request.
 */
export async function authenticate(
  authorization: string | undefined,
  services: Pick<Services, 'tokens' | 'users' | 'sessions'>,
): Promise<Viewer | null> {
  if (authorization === undefined) return null;
  const token = BEARER_PATTERN.exec(authorization.trim())?.[1];
  const claims = token === undefined ? null : services.tokens.verifyAccessToken(token);
  if (claims === null) throw invalidToken();
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
    throw invalidToken();
  }
  return { user, sessionId: claims.sid };
}

/**
 * The viewer of a field that `@auth` guards. The directive has already refused anonymous calls;
 * this only narrows the type, and fails closed should a rule ever be missing.
 */
export function signedIn(context: Pick<Context, 'viewer'>): Viewer {
  if (context.viewer === null) throw unauthenticated();
  return context.viewer;
}

/** The viewer as the actor of an audited change. */
export function actorOf(context: Pick<Context, 'viewer' | 'client'>): Actor {
  return {
    id: context.viewer?.user._id ?? null,
    ip: context.client.ip,
    requestId: context.client.requestId,
  };
}

export function clientOf(req: Request): ClientInfo {
  const userAgent = req.get('user-agent');
  let gone: AbortSignal | undefined;
  return {
    // Express resolves X-Forwarded-For only through the proxies TRUST_PROXY names.
    ip: req.ip ?? null,
    userAgent: userAgent ? userAgent.slice(0, 256) : null,
    requestId: requestIdOf(req),
    // Made on first use: only password work waits in a queue long enough to care.
    get gone() {
      if (!gone) {
        const controller = new AbortController();
        if (!req.res || req.res.closed) controller.abort();
        else req.res.once('close', () => controller.abort());
        gone = controller.signal;
      }
      return gone;
    },
  };
}

export function createContextFactory(
  services: Services,
  logger: Logger,
): (args: { req: Request }) => Promise<Context> {
  return async ({ req }) => {
    const client = clientOf(req);
    try {
      return {
        viewer: await authenticate(req.headers.authorization, services),
        client,
        services,
      };
    } catch (error) {
      // Apollo will mask it; the log keeps the cause (a database outage, say) with the request id.
      if (!isClientError(error)) {
        logger.error(
          { err: error, requestId: client.requestId },
          'could not build the request context',
        );
      }
      throw error;
    }
  };
}
