import { trusted, type Types } from 'mongoose';
import { createTtlCache } from '../cache';
import { isDuplicateKeyError } from '../db/errors';
import { toObjectId } from '../db/ids';
import type { RefreshTokenDocument, SessionDocument, SessionModels, SessionRecord } from './model';
import { generateRefreshToken, hashRefreshToken, isWellFormedRefreshToken } from './refresh-tokens';

/** Who is on the other end of a request, as recorded on sessions and audit events. */
export interface ClientInfo {
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** The request's id, as in the logs and the `x-request-id` header. */
  readonly requestId: string | null;
  /** Aborts when the client goes away, so queued work for it can be dropped. */
  readonly gone?: AbortSignal;
}

export interface SessionSettings {
  readonly refreshTokenTtlSeconds: number;
  readonly refreshTokenIdleTtlSeconds: number;
}

export type Rotation =
  | { readonly kind: 'rotated'; readonly session: SessionRecord; readonly refreshToken: string }
  /** A retired token came back: the family is now revoked. */
  | { readonly kind: 'reused'; readonly session: SessionDocument }
  | { readonly kind: 'invalid' };

export interface SessionService {
  ensureIndexes(): Promise<void>;
  start(
    userId: Types.ObjectId,
    tokenVersion: number,
    client: ClientInfo,
  ): Promise<{ session: SessionRecord; refreshToken: string }>;
  /**
   * Exchanges a refresh token for the next one, or detects its reuse. The exchange is one atomic
   * single-document write: inserting the successor under a unique `previous`.
   */
  rotate(refreshToken: string, client: ClientInfo): Promise<Rotation>;
  /** A session that may still back access tokens: not revoked, not past its absolute expiry. */
  findLive(id: string): Promise<SessionDocument | null>;
  /** The user's sessions whose refresh tokens would still be accepted, newest use first. */
  listActive(userId: Types.ObjectId, tokenVersion: number): Promise<SessionRecord[]>;
  /** Ends one session of `userId`; false when there is no such live session of theirs. */
  revoke(id: string, userId: Types.ObjectId, reason: string): Promise<boolean>;
  /** Ends the session a refresh token belongs to (current or retired); returns it, if any. */
  revokeByRefreshToken(refreshToken: string, reason: string): Promise<SessionDocument | null>;
  /** Marks every session of a user ended (the token version bump already made them unusable). */
  revokeAllForUser(userId: Types.ObjectId, reason: string): Promise<void>;
  deleteAllForUser(userId: Types.ObjectId): Promise<void>;
  /** Seconds until the session's refresh token expires, by the idle or the absolute limit. */
  refreshExpiresIn(session: SessionRecord): number;
  /** Deletes sessions and tokens that ended more than a day ago; TTL indexes are not used. */
  purgeEnded(): Promise<number>;
}

// Ended sessions stay a day, so a late replay of a retired token is still recognised and audited.
const RETENTION_MS = 24 * 3600 * 1000;

function withUse(session: SessionDocument, token: RefreshTokenDocument): SessionRecord {
  return {
    ...session,
    lastUsedAt: token.issuedAt,
    userAgent: token.userAgent ?? null,
    ipAddress: token.ipAddress ?? null,
  };
}

export function createSessionService(
  models: SessionModels,
  settings: SessionSettings,
  cacheTtlMs = 0,
): SessionService {
  const { sessions, refreshTokens } = models;
  // Live sessions looked up for requests; this instance drops what its own revocations change.
  const liveSessions = createTtlCache<SessionDocument | null>(cacheTtlMs);
  const absoluteMs = settings.refreshTokenTtlSeconds * 1000;
  const idleMs = settings.refreshTokenIdleTtlSeconds * 1000;
  const live = (now: Date) => ({ revokedAt: null, expiresAt: trusted({ $gt: now }) });

  async function revokeWhere(filter: Record<string, unknown>, reason: string): Promise<number> {
    const { _id: id, userId } = filter as { _id?: Types.ObjectId; userId?: Types.ObjectId };
    if (id) liveSessions.delete(id.toHexString());
    else if (userId) liveSessions.deleteWhere((session) => session?.userId.equals(userId) === true);
    const { modifiedCount } = await sessions.updateMany(
      { ...filter, revokedAt: null },
      { $set: { revokedAt: new Date(), revokedReason: reason } },
    );
    return modifiedCount;
  }

  async function issue(
    session: SessionDocument,
    client: ClientInfo,
    previous: string | null,
  ): Promise<{ token: RefreshTokenDocument; refreshToken: string }> {
    const refreshToken = generateRefreshToken();
    const token = await refreshTokens.create({
      _id: hashRefreshToken(refreshToken),
      sessionId: session._id,
      userId: session.userId,
      ...(previous ? { previous } : {}),
      issuedAt: new Date(),
      expiresAt: session.expiresAt,
      ...(client.userAgent ? { userAgent: client.userAgent } : {}),
      ...(client.ip ? { ipAddress: client.ip } : {}),
    });
    return { token: token.toObject<RefreshTokenDocument>(), refreshToken };
  }

  return {
    async ensureIndexes() {
      await Promise.all([sessions.createIndexes(), refreshTokens.createIndexes()]);
    },

    async start(userId, tokenVersion, client) {
      const created = await sessions.create({
        userId,
        tokenVersion,
        expiresAt: new Date(Date.now() + absoluteMs),
      });
      const session = created.toObject<SessionDocument>();
      const { token, refreshToken } = await issue(session, client, null);
      return { session: withUse(session, token), refreshToken };
    },

    async rotate(refreshToken, client) {
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
        await revokeWhere({ _id: session._id }, 'refresh token reused');
        return { kind: 'reused', session };
      };
      if (token.issuedAt.getTime() <= now.getTime() - idleMs) {
        // Too old to exchange, but a retired one is still evidence of theft.
        return (await refreshTokens.exists({ previous: presented }))
          ? reused()
          : { kind: 'invalid' };
      }
      try {
        const next = await issue(session, client, presented);
        return {
          kind: 'rotated',
          session: withUse(session, next.token),
          refreshToken: next.refreshToken,
        };
      } catch (error) {
        if (isDuplicateKeyError(error)) return reused();
        throw error;
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

    async revoke(id, userId, reason) {
      const _id = toObjectId(id);
      return _id !== null && (await revokeWhere({ _id, userId }, reason)) > 0;
    },

    async revokeByRefreshToken(refreshToken, reason) {
      if (!isWellFormedRefreshToken(refreshToken)) return null;
      const token = await refreshTokens
        .findById(hashRefreshToken(refreshToken))
        .lean<RefreshTokenDocument>();
      if (!token) return null;
      await revokeWhere({ _id: token.sessionId }, reason);
      return sessions.findById(token.sessionId).lean<SessionDocument>();
    },

    async revokeAllForUser(userId, reason) {
      await revokeWhere({ userId }, reason);
    },

    async deleteAllForUser(userId) {
      liveSessions.deleteWhere((session) => session?.userId.equals(userId) === true);
      await Promise.all([sessions.deleteMany({ userId }), refreshTokens.deleteMany({ userId })]);
    },

    refreshExpiresIn(session) {
      const until = Math.min(session.expiresAt.getTime(), session.lastUsedAt.getTime() + idleMs);
      return Math.max(0, Math.floor((until - Date.now()) / 1000));
    },

    async purgeEnded() {
      const cutoff = new Date(Date.now() - RETENTION_MS);
      const ended = await sessions
        .find({
          $or: [{ expiresAt: trusted({ $lt: cutoff }) }, { revokedAt: trusted({ $lt: cutoff }) }],
        })
        .select({ _id: 1 })
        .lean<{ _id: Types.ObjectId }[]>();
      const ids = ended.map((session) => session._id);
      await refreshTokens.deleteMany({
        $or: [{ expiresAt: trusted({ $lt: cutoff }) }, { sessionId: trusted({ $in: ids }) }],
      });
      const { deletedCount } = await sessions.deleteMany({ _id: trusted({ $in: ids }) });
      return deletedCount;
    },
  };
}
