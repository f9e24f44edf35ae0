import type { UserRecord } from './users/model';

/**
 * Who is calling: built once per request at the edge, then handed to every service that acts for
 * the request or records it (sessions, sign-in, the audit trail). The system itself (start-up,
 * the sweep) is `SYSTEM_CALLER`.
 */
export interface Caller {
  /** The signed-in user as loaded from the database for this request, roles included. */
  readonly user: UserRecord | null;
  /** The session the access token names (its `sid` claim); null when nobody is signed in. */
  readonly sessionId: string | null;
  /** How that session was signed in (the token's `amr`); empty when nobody is signed in. */
  readonly authMethods?: readonly string[];
  /** The client's address, through the proxies TRUST_PROXY names. */
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** The request's id, as in the logs and the `x-request-id` header. */
  readonly requestId: string | null;
  /** Aborts when the client goes away, so queued work for it can be dropped. */
  readonly gone?: AbortSignal;
  /** The device token the client's browser sent as a cookie, if any (see throttling/devices). */
  readonly deviceCookie?: string | null;
}

/** A caller with a user and a session: what `@auth` lets through. */
export interface SignedInCaller extends Caller {
  readonly user: UserRecord;
  readonly sessionId: string;
}

export const SYSTEM_CALLER: Caller = Object.freeze({
  user: null,
  sessionId: null,
  ip: null,
  userAgent: null,
  requestId: null,
});

export function isSignedIn(caller: Caller): caller is SignedInCaller {
  return caller.user !== null && caller.sessionId !== null;
}
