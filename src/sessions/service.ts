import { trusted, Types } from 'mongoose';
import type { SessionModel, SessionRecord } from './model';
import { generateRefreshToken, hashRefreshToken, isWellFormedRefreshToken } from './refresh-tokens';

/** Who is on the other end of a request, as recorded on sessions and audit events. */
export interface ClientInfo {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface SessionSettings {
  readonly refreshTokenTtlSeconds: number;
  readonly refreshTokenIdleTtlSeconds: number;
}

export type Rotation =
  | { readonly kind: 'rotated'; readonly session: SessionRecord; readonly refreshToken: string }
  /** A retired token came back: the family is now revoked. */
  | { readonly kind: 'reused'; readonly session: SessionRecord }
  | { readonly kind: 'invalid' };

export interface SessionService {
  ensureIndexes(): Promise<void>;
  start(
    userId: Types.ObjectId,
    tokenVersion: number,
    client: ClientInfo,
  ): Promise<{ session: SessionRecord; refreshToken: string }>;
  /** Exchanges a refresh token for the next one in one atomic update, or detects its reuse. */
  rotate(refreshToken: string, client: ClientInfo): Promise<Rotation>;
  /** A session that may still back access tokens: not revoked, not past its absolute expiry. */
  findLive(id: string): Promise<SessionRecord | null>;
  /** The user's sessions whose refresh tokens would still be accepted. */
  listActive(userId: Types.ObjectId, tokenVersion: number): Promise<SessionRecord[]>;
  /** Ends one session of `userId`; false when there is no such live session of theirs. */
  revoke(id: string, userId: Types.ObjectId, reason: string): Promise<boolean>;
  /** Ends the session a refresh token belongs to (current or retired); returns it, if any. */
  revokeByRefreshToken(refreshToken: string, reason: string): Promise<SessionRecord | null>;
  /** Marks every session of a user ended (the token version bump already made them unusable). */
  revokeAllForUser(userId: Types.ObjectId, reason: string, except?: Types.ObjectId): Promise<void>;
  deleteAllForUser(userId: Types.ObjectId): Promise<void>;
  /** Seconds until the session's refresh token expires, by the idle or the absolute limit. */
  refreshExpiresIn(session: SessionRecord): number;
  /** Deletes sessions that ended more than a day ago; TTL indexes are not used (FerretDB). */
  purgeEnded(): Promise<number>;
}

const OBJECT_ID_PATTERN = /^[0-9a-f]{24}$/i;
// Ended sessions stay a day, so a late replay of a retired token is still recognised and audited.
const RETENTION_MS = 24 * 3600 * 1000;

export function createSessionService(
  model: SessionModel,
  settings: SessionSettings,
): SessionService {
  const absoluteMs = settings.refreshTokenTtlSeconds * 1000;
  const idleMs = settings.refreshTokenIdleTtlSeconds * 1000;

  /** The filter of sessions whose refresh token may still be used at `now`. */
  const usable = (now: Date) => ({
    revokedAt: null,
    expiresAt: trusted({ $gt: now }),
    lastUsedAt: trusted({ $gt: new Date(now.getTime() - idleMs) }),
  });

  async function revokeWhere(filter: Record<string, unknown>, reason: string): Promise<number> {
    const { modifiedCount } = await model.updateMany(
      { ...filter, revokedAt: null },
      { $set: { revokedAt: new Date(), revokedReason: reason } },
    );
    return modifiedCount;
  }

  return {
    async ensureIndexes() {
      await model.createIndexes();
    },

    async start(userId, tokenVersion, client) {
      const refreshToken = generateRefreshToken();
      const now = new Date();
      const created = await model.create({
        userId,
        tokenVersion,
        refreshTokenHash: hashRefreshToken(refreshToken),
        retiredTokenHashes: [],
        lastUsedAt: now,
        expiresAt: new Date(now.getTime() + absoluteMs),
        ...(client.userAgent ? { userAgent: client.userAgent } : {}),
        ...(client.ip ? { ipAddress: client.ip } : {}),
      });
      return { session: created.toObject<SessionRecord>(), refreshToken };
    },

    async rotate(refreshToken, client) {
      if (!isWellFormedRefreshToken(refreshToken)) return { kind: 'invalid' };
      const presented = hashRefreshToken(refreshToken);
      const next = generateRefreshToken();
      const now = new Date();
      const rotated = await model
        .findOneAndUpdate(
          { refreshTokenHash: presented, ...usable(now) },
          {
            $set: {
              refreshTokenHash: hashRefreshToken(next),
              lastUsedAt: now,
              ...(client.userAgent ? { userAgent: client.userAgent } : {}),
              ...(client.ip ? { ipAddress: client.ip } : {}),
            },
            $push: { retiredTokenHashes: presented },
          },
          { returnDocument: 'after' },
        )
        .lean<SessionRecord>();
      if (rotated) return { kind: 'rotated', session: rotated, refreshToken: next };

      const reused = await model.findOne({ retiredTokenHashes: presented }).lean<SessionRecord>();
      if (!reused) return { kind: 'invalid' };
      await revokeWhere({ _id: reused._id }, 'refresh token reused');
      return { kind: 'reused', session: reused };
    },

    async findLive(id) {
      if (!OBJECT_ID_PATTERN.test(id)) return null;
      return model
        .findOne({
          _id: new Types.ObjectId(id),
          revokedAt: null,
          expiresAt: trusted({ $gt: new Date() }),
        })
        .lean<SessionRecord>();
    },

    async listActive(userId, tokenVersion) {
      return model
        .find({ userId, tokenVersion, ...usable(new Date()) })
        .sort({ lastUsedAt: -1 })
        .lean<SessionRecord[]>();
    },

    async revoke(id, userId, reason) {
      if (!OBJECT_ID_PATTERN.test(id)) return false;
      return (await revokeWhere({ _id: new Types.ObjectId(id), userId }, reason)) > 0;
    },

    async revokeByRefreshToken(refreshToken, reason) {
      if (!isWellFormedRefreshToken(refreshToken)) return null;
      const hash = hashRefreshToken(refreshToken);
      const session = await model
        .findOne({ $or: [{ refreshTokenHash: hash }, { retiredTokenHashes: hash }] })
        .lean<SessionRecord>();
      if (session) await revokeWhere({ _id: session._id }, reason);
      return session;
    },

    async revokeAllForUser(userId, reason, except) {
      await revokeWhere(except ? { userId, _id: trusted({ $ne: except }) } : { userId }, reason);
    },

    async deleteAllForUser(userId) {
      await model.deleteMany({ userId });
    },

    refreshExpiresIn(session) {
      const now = Date.now();
      const until = Math.min(session.expiresAt.getTime(), session.lastUsedAt.getTime() + idleMs);
      return Math.max(0, Math.floor((until - now) / 1000));
    },

    async purgeEnded() {
      const cutoff = Date.now() - RETENTION_MS;
      const { deletedCount } = await model.deleteMany({
        $or: [
          { expiresAt: trusted({ $lt: new Date(cutoff) }) },
          { lastUsedAt: trusted({ $lt: new Date(cutoff - idleMs) }) },
          { revokedAt: trusted({ $lt: new Date(cutoff) }) },
        ],
      });
      return deletedCount;
    },
  };
}
