import type { GraphQLError } from 'graphql';
import type { AuditService } from './audit/service';
import type { AuthService } from './auth/service';
import type { Principal } from './auth/policy';
import type { TokenService } from './auth/tokens';
import type { Caller, SignedInCaller } from './caller';
import { isSignedIn } from './caller';
import { unauthenticated } from './errors';
import type { Invitations } from './invitations/service';
import type { Passkeys } from './mfa/passkeys';
import type { MfaService } from './mfa/service';
import type { SessionService } from './sessions/service';
import type { SignUps } from './sign-up/service';
import type { UserService } from './users/service';

/** The feature services one app instance runs on. */
export interface Services {
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly auth: AuthService;
  readonly tokens: TokenService;
  readonly audit: AuditService;
  readonly signUps: SignUps;
  readonly invitations: Invitations;
  readonly mfa: MfaService;
  readonly passkeys: Passkeys;
}

/** What a resolver may add to the HTTP response. */
export interface ResponseControl {
  /** Hands a browser its device token as an httpOnly cookie. */
  setDeviceCookie(deviceToken: string): void;
}

/**
 * How refresh tokens reach the client and come back (REFRESH_TOKEN_TRANSPORT): in the body and
 * an argument, or in an httpOnly cookie that page script never sees.
 */
export interface RefreshTokenTransport {
  readonly kind: 'body' | 'cookie';
  /** Hands a refresh token over; returns what the response body carries (null: the cookie). */
  deliver(refreshToken: string, expiresInSeconds: number): string | null;
  /**
   * The refresh token the request's cookie carries, or null (none, or the body transport).
   * Throws FORBIDDEN (ORIGIN_NOT_ALLOWED) for a request from an origin not in CORS_ORIGINS.
   */
  presented(): string | null;
  /** Ends the cookie, when there is one: after a sign-out, or a refresh token found dead. */
  forget(): void;
}

/** The context every resolver receives; codegen's `contextType`. */
export interface Context {
  /** Who is calling, authenticated once while the context was built. */
  readonly caller: Caller;
  /** What `@auth` decides on: the caller's roles, pending required actions and factors. */
  readonly principal: Principal | null;
  readonly services: Services;
  readonly response: ResponseControl;
  readonly refreshTokens: RefreshTokenTransport;
  /**
   * The refusal of the bearer token the request sent, when it was unusable (expired, revoked,
   * malformed); null otherwise. The caller is then anonymous, and the request runs only if every
   * root field it asks for is `@public` (a stale header must not block signing in again);
   * anything else is answered with this refusal before it executes.
   */
  readonly unusableCredential: GraphQLError | null;
}

/**
 * The caller of a field that `@auth` guards. The directive has already refused anonymous calls;
 * this only narrows the type, and fails closed should a rule ever be missing.
 */
export function signedIn(context: Pick<Context, 'caller'>): SignedInCaller {
  if (!isSignedIn(context.caller)) throw unauthenticated();
  return context.caller;
}
