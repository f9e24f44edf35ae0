import { trusted, Types } from 'mongoose';
import type { AuditService } from '../audit/service';
import { createTtlCache } from '../cache';
import type { Caller, SignedInCaller } from '../caller';
import { isDuplicateKeyError, withOneRetry } from '../db/errors';
import { parseObjectId, toObjectId } from '../db/ids';
import { notFound } from '../errors';
import {
  ENDED_SESSION_RETENTION_SECONDS,
  type RefreshTokenDocument,
  type SessionDocument,
  type SessionModels,
  type SessionRecord,
} from './model';
import { generateRefreshToken, hashRefreshToken, isWellFormedRefreshToken } from './refresh-tokens';
import { insertOne } from '../db/insert';

export interface SessionSettings {
  /** Absolute lifetime of a session and its refresh tokens. */
  readonly refreshTokenTtlSeconds: number;
  /** A refresh token unused for this long is refused. */
  readonly refreshTokenIdleTtlSeconds: number;
  /**
   * For this long after a rotation, presenting the just-retired token again (a second tab, a
   * retry after a lost response) gets working tokens of the same session instead of revoking it.
   * 0: every reuse revokes the session.
   */
  readonly reuseGraceSeconds: number;
}

export type Rotation =
  | { readonly kind: 'rotated'; readonly session: SessionRecord; readonly refreshToken: string }
  /** A retired token came back: the family is now revoked. */
  | { readonly kind: 'reused'; readonly session: SessionDocument }
  | { readonly kind: 'invalid' };

export interface EndAllOptions {
  readonly erase?: boolean;
  readonly tokenVersion?: number;
}

export type TokenTypeHint = 'access_token' | 'refresh_token' | null;

/**
 * The user's token version lives on the user (so one lookup authenticates a request); moving it
 * is how every access token of the user stops working at once. The users feature provides this.
 */
export interface TokenVersions {
  /** Moves the user's token version on; the new version, or null when there is no such user. */
  bumpTokenVersion(userId: Types.ObjectId): Promise<number | null>;
}

/** Reads an access token's subject and session; provided by the token service. */
export interface AccessTokenReader {
  verifyAccessToken(token: string): { readonly sub: string; readonly sid: string } | null;
}

/** Every session operation: start, rotate, look up, list, and every way a session ends. */
export interface SessionService {
  /** Starts a session signed in with `authMethods` (RFC 8176: `pwd`, `otp`, `mfa`...). */
  start(
    user: { readonly _id: Types.ObjectId; readonly tokenVersion: number },
    caller: Caller,
    authMethods: readonly string[],
  ): Promise<{ session: SessionRecord; refreshToken: string }>;
  /**
   * Exchanges a refresh token for the next one, or detects its reuse. The exchange is one atomic
   * single-document write: inserting the successor under a unique `previous`. Reuse revokes the
   * token's session (its family) and is audited.
   */
  rotate(refreshToken: string, caller: Caller): Promise<Rotation>;
  /** A session that may still back access tokens: not revoked, not past its absolute expiry. */
  findLive(id: string): Promise<SessionDocument | null>;
  /** The user's sessions whose refresh tokens would still be accepted, newest use first. */
  listActive(userId: Types.ObjectId, tokenVersion: number): Promise<SessionRecord[]>;
  /** Ends the caller's current session. */
  logout(caller: SignedInCaller): Promise<void>;
  /** Ends one of the caller's own sessions; false when it is unknown, ended or someone else's. */
  revokeOwn(caller: SignedInCaller, sessionId: string): Promise<boolean>;
  /** Ends a session whose user no longer matches it (its token version moved). */
  revokeStale(session: SessionDocument): Promise<void>;
  /** Ends every session of the caller: "log out everywhere". */
  logoutAll(caller: SignedInCaller): Promise<void>;
  /** An administrator ends every session of another user; NOT_FOUND when there is no such user. */
  revokeAllOf(caller: Caller, userId: string): Promise<void>;
  /**
   * Ends every session of a user: moves the token version (so even access tokens issued this
   * second stop working) and marks the sessions ended. Every caller that must end them all comes
   * here. `erase` deletes the sessions instead, for a user who is gone; `tokenVersion` says the
   * caller already moved the version, in the same write as its change, to this value. Returns the
   * new token version, or null when there is no such user.
   */
  endAll(userId: Types.ObjectId, reason: string, options?: EndAllOptions): Promise<number | null>;
  /**
   * Ends every session of the user but `keep` (the caller's), without moving the token version:
   * each ended session's tokens stop at once because their session is looked up on every use.
   */
  endOthers(userId: Types.ObjectId, keep: string, reason: string): Promise<void>;
  /** RFC 7009: ends the session behind an access or refresh token; unknown tokens are ignored. */
  revokeToken(token: string, hint: TokenTypeHint, caller: Caller): Promise<void>;
  /** Seconds until the session's refresh token expires, by the idle or the absolute limit. */
  refreshExpiresIn(session: SessionRecord): number;
  /** Deletes sessions and tokens that ended more than a day ago; TTL indexes are not used. */
  purgeEnded(): Promise<number>;
}

const RETENTION_MS = ENDED_SESSION_RETENTION_SECONDS * 1000;
/** Sessions deleted per round of the purge: small commands, whatever the backlog. */
const PURGE_BATCH = 1000;

function withUse(session: SessionDocument, token: RefreshTokenDocument): SessionRecord {
  return {
    ...session,
    lastUsedAt: token.issuedAt,
    userAgent: token.userAgent ?? null,
    ipAddress: token.ipAddress ?? null,
  };
}

export function createSessionService(deps: {
  models: SessionModels;
  settings: SessionSettings;
  tokenVersions: TokenVersions;
  accessTokens: AccessTokenReader;
  audit: AuditService;
  /** How long a looked-up live session may be reused; see Config.authCacheTtlMs. */
  cacheTtlMs: number;
}): SessionService {
  const { models, settings, tokenVersions, accessTokens, audit, cacheTtlMs } = deps;
  const { sessions, refreshTokens } = models;
  // Live sessions looked up for requests; this instance drops what its own revocations change.
  const liveSessions = createTtlCache<SessionDocument | null>(cacheTtlMs);
  const absoluteMs = settings.refreshTokenTtlSeconds * 1000;
  const idleMs = settings.refreshTokenIdleTtlSeconds * 1000;
  const graceMs = settings.reuseGraceSeconds * 1000;
  const live = (now: Date) => ({ revokedAt: null, expiresAt: trusted({ $gt: now }) });

  /** Marks every live session of a user ended; the token version bump already made them unusable. */
  async function endEverySession(userId: Types.ObjectId, reason: string): Promise<void> {
    liveSessions.deleteWhere((session) => session?.userId.equals(userId) === true);
    await withOneRetry(() =>
      sessions.updateMany(
        { userId, revokedAt: null },
        { $set: { revokedAt: new Date(), revokedReason: reason } },
      ),
    );
  }

  /**
   * Ends one session of `userId`: a single-document write, sent again after a transient failure
   * (a retry that finds the session already ended by its own first try counts as done).
   */
  async function endOne(
    sessionId: Types.ObjectId,
    userId: Types.ObjectId,
    reason: string,
  ): Promise<boolean> {
    liveSessions.delete(sessionId.toHexString());
    return withOneRetry(async (retried) => {
      const { modifiedCount } = await sessions.updateOne(
        { _id: sessionId, userId, revokedAt: null },
        { $set: { revokedAt: new Date(), revokedReason: reason } },
      );
      if (modifiedCount > 0 || !retried) return modifiedCount > 0;
      return (await sessions.exists({ _id: sessionId, userId, revokedReason: reason })) !== null;
    });
  }

  /** Ends one session of `userId` and audits it; false when there was no such live session. */
  async function revokeOne(
    caller: Caller,
    sessionId: Types.ObjectId,
    userId: Types.ObjectId,
    reason: string,
  ): Promise<boolean> {
    const revoked = await endOne(sessionId, userId, reason);
    if (revoked) {
      await audit.record(caller, {
        action: 'SESSION_REVOKED',
        outcome: 'success',
        actorId: userId,
        targetId: sessionId,
        details: { reason },
      });
    }
    return revoked;
  }

  async function endAll(
    userId: Types.ObjectId,
    reason: string,
    options: EndAllOptions = {},
  ): Promise<number | null> {
    const tokenVersion = options.tokenVersion ?? (await tokenVersions.bumpTokenVersion(userId));
    if (options.erase) {
      liveSessions.deleteWhere((session) => session?.userId.equals(userId) === true);
      await Promise.all([sessions.deleteMany({ userId }), refreshTokens.deleteMany({ userId })]);
    } else {
      await endEverySession(userId, reason);
    }
    return tokenVersion;
  }

  /**
   * Stores a new refresh token (the successor of `previous`, if given). The insert is sent again
   * after a transient failure; should the first try have landed, the second finds it under the
   * unique `previous` and recognises it as its own by its hash, so a lost reply is never taken
   * for reuse.
   */
  async function issue(
    session: SessionDocument,
    client: Caller,
    previous: string | null,
    graceOf: string | null = null,
  ): Promise<{ token: RefreshTokenDocument; refreshToken: string }> {
    const refreshToken = generateRefreshToken();
    const document = {
      _id: hashRefreshToken(refreshToken),
      sessionId: session._id,
      userId: session.userId,
      ...(previous ? { previous } : {}),
      ...(graceOf ? { graceOf } : {}),
      issuedAt: new Date(),
      expiresAt: session.expiresAt,
      ...(client.userAgent ? { userAgent: client.userAgent } : {}),
      ...(client.ip ? { ipAddress: client.ip } : {}),
    };
    const token = await withOneRetry(async (retried) => {
      try {
        return (await insertOne(refreshTokens, document)).toObject<RefreshTokenDocument>();
      } catch (error) {
        if (!retried || !isDuplicateKeyError(error)) throw error;
        const landed = await refreshTokens.findById(document._id).lean<RefreshTokenDocument>();
        if (landed === null) throw error;
        return landed;
      }
    });
    return { token, refreshToken };
  }

  /**
   * A token retired a moment ago (a second tab, a retry after a lost answer) gets one sibling
   * token of the same session (RFC 9700 section 4.14.2 leaves the window to the server); null
   * when the grace is off or over, or the one sibling exists already: then it is reuse.
   */
  async function graceSibling(
    session: SessionDocument,
    caller: Caller,
    presented: string,
    now: Date,
  ): Promise<Rotation | null> {
    if (graceMs === 0) return null;
    const successor = await refreshTokens
      .findOne({ previous: presented })
      .select({ issuedAt: 1 })
      .lean<Pick<RefreshTokenDocument, 'issuedAt'>>();
    if (!successor || successor.issuedAt.getTime() < now.getTime() - graceMs) return null;
    try {
      const sibling = await issue(session, caller, null, presented);
      return {
        kind: 'rotated',
        session: withUse(session, sibling.token),
        refreshToken: sibling.refreshToken,
      };
    } catch (error) {
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
  }

  return {
    async start(user, caller, authMethods) {
      const created = await insertOne(sessions, {
        userId: user._id,
        tokenVersion: user.tokenVersion,
        expiresAt: new Date(Date.now() + absoluteMs),
        authMethods: [...authMethods],
      });
      const session = created.toObject<SessionDocument>();
      const { token, refreshToken } = await issue(session, caller, null);
      return { session: withUse(session, token), refreshToken };
    },

    async rotate(refreshToken, caller) {
      if (!isWellFormedRefreshToken(refreshToken)) return { kind: 'invalid' };
      const presented = hashRefreshToken(refreshToken);
      const now = new Date();
      const token = await refreshTokens.findById(presented).lean<RefreshTokenDocument>();
      if (!token) return { kind: 'invalid' };
      const session = await sessions
        .findOne({ _id: token.sessionId, ...live(now) })
        .lean<SessionDocument>();
      if (!session) return { kind: 'invalid' };
      const reused = async (): Promise<Rotation> => {
        // The presented token already has a successor: a replay, possibly racing the legitimate
        // client, or a double submit. RFC 9700 treats them alike and ends the family.
        await endOne(session._id, session.userId, 'refresh token reused');
        await audit.record(caller, {
          action: 'REFRESH_TOKEN_REUSE_DETECTED',
          outcome: 'denied',
          actorId: session.userId,
          targetId: session._id,
          details: { sessionRevoked: true },
        });
        return { kind: 'reused', session };
      };
      if (token.issuedAt.getTime() <= now.getTime() - idleMs) {
        // Too old to exchange, but a retired one is still evidence of theft.
        return (await refreshTokens.exists({ previous: presented }))
          ? reused()
          : { kind: 'invalid' };
      }
      try {
        const next = await issue(session, caller, presented);
        return {
          kind: 'rotated',
          session: withUse(session, next.token),
          refreshToken: next.refreshToken,
        };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        return (await graceSibling(session, caller, presented, now)) ?? reused();
      }
    },

    async findLive(id) {
      const _id = toObjectId(id);
      if (_id === null) return null;
      const cached = liveSessions.get(id);
      if (cached) {
        // A cached session still ends exactly at its expiry.
        return cached.value && cached.value.expiresAt.getTime() > Date.now() ? cached.value : null;
      }
      const session = await sessions.findOne({ _id, ...live(new Date()) }).lean<SessionDocument>();
      liveSessions.set(id, session);
      return session;
    },

    async listActive(userId, tokenVersion) {
      const now = new Date();
      const found = await sessions
        .find({ userId, tokenVersion, ...live(now) })
        .lean<SessionDocument[]>();
      if (found.length === 0) return [];
      const tokens = await refreshTokens
        .find({ sessionId: trusted({ $in: found.map((session) => session._id) }) })
        .sort({ issuedAt: -1 })
        .lean<RefreshTokenDocument[]>();
      const newest = new Map<string, RefreshTokenDocument>();
      for (const token of tokens) {
        const key = token.sessionId.toHexString();
        if (!newest.has(key)) newest.set(key, token);
      }
      return found
        .flatMap((session) => {
          const token = newest.get(session._id.toHexString());
          const idle = !token || token.issuedAt.getTime() <= now.getTime() - idleMs;
          return idle ? [] : [withUse(session, token)];
        })
        .sort((a, b) => b.lastUsedAt.getTime() - a.lastUsedAt.getTime());
    },

    async logout(caller) {
      await revokeOne(caller, new Types.ObjectId(caller.sessionId), caller.user._id, 'logout');
    },

    async revokeOwn(caller, sessionId) {
      const _id = toObjectId(sessionId);
      return _id !== null && revokeOne(caller, _id, caller.user._id, 'revoked by user');
    },

    async revokeStale(session) {
      await endOne(session._id, session.userId, 'sessions revoked');
    },

    async logoutAll(caller) {
      await endAll(caller.user._id, 'logout everywhere');
      await audit.record(caller, {
        action: 'SESSIONS_REVOKED_ALL',
        outcome: 'success',
        targetId: caller.user._id,
      });
    },

    async revokeAllOf(caller, userId) {
      const id = parseObjectId(userId, 'userId');
      if ((await endAll(id, 'revoked by administrator')) === null) throw notFound('User');
      await audit.record(caller, {
        action: 'SESSIONS_REVOKED_ALL',
        outcome: 'success',
        targetId: id,
      });
    },

    endAll,

    async endOthers(userId, keep, reason) {
      const kept = toObjectId(keep);
      liveSessions.deleteWhere(
        (session) => session?.userId.equals(userId) === true && !session._id.equals(kept ?? ''),
      );
      await withOneRetry(() =>
        sessions.updateMany(
          { userId, revokedAt: null, ...(kept ? { _id: trusted({ $ne: kept }) } : {}) },
          { $set: { revokedAt: new Date(), revokedReason: reason } },
        ),
      );
    },

    async revokeToken(token, hint, caller) {
      const asRefresh = async () => {
        if (!isWellFormedRefreshToken(token)) return false;
        const found = await refreshTokens
          .findById(hashRefreshToken(token))
          .lean<RefreshTokenDocument>();
        return found !== null && revokeOne(caller, found.sessionId, found.userId, 'token revoked');
      };
      const asAccess = async () => {
        const claims = accessTokens.verifyAccessToken(token);
        const userId = claims ? toObjectId(claims.sub) : null;
        const sessionId = claims ? toObjectId(claims.sid) : null;
        return userId !== null && sessionId !== null
          ? revokeOne(caller, sessionId, userId, 'token revoked')
          : false;
      };
      // RFC 7009 section 2.1: the hint orders the search; it never limits it.
      if (hint === 'access_token') {
        if (!(await asAccess())) await asRefresh();
      } else if (!(await asRefresh())) {
        await asAccess();
      }
    },

    refreshExpiresIn(session) {
      const until = Math.min(session.expiresAt.getTime(), session.lastUsedAt.getTime() + idleMs);
      return Math.max(0, Math.floor((until - Date.now()) / 1000));
    },

    async purgeEnded() {
      const cutoff = new Date(Date.now() - RETENTION_MS);
      // Tokens of sessions past their absolute expiry carry it themselves: one ranged delete.
      await refreshTokens.deleteMany({ expiresAt: trusted({ $lt: cutoff }) });
      // Ended sessions go in bounded batches, each found through an index (expiry or revocation
      // time), so no command grows with the number of ended sessions.
      let purged = 0;
      for (const field of ['expiresAt', 'revokedAt'] as const) {
        for (;;) {
          const batch = await sessions
            .find({ [field]: trusted({ $lt: cutoff }) })
            .limit(PURGE_BATCH)
            .select({ _id: 1 })
            .lean<{ _id: Types.ObjectId }[]>();
          if (batch.length === 0) break;
          const ids = batch.map((session) => session._id);
          await refreshTokens.deleteMany({ sessionId: trusted({ $in: ids }) });
          purged += (await sessions.deleteMany({ _id: trusted({ $in: ids }) })).deletedCount;
          if (batch.length < PURGE_BATCH) break;
        }
      }
      return purged;
    },
  };
}
