import type { Types } from 'mongoose';
import { createTtlCache } from '../cache';
import { toObjectId } from '../db/ids';
import type { Lease, Locks } from '../db/locks';
import type { UserModel, UserRecord } from './model';

/**
 * The users collection as the rest of the code reaches it: the model, the per-user lock every
 * read-modify-write holds (see db/locks.ts), and the short cache of active users that every
 * authenticated request reads. Every write goes through `withUserLock`, so this instance never
 * serves a stale user.
 */
export interface UserStore {
  readonly model: UserModel;
  /** The user behind a token, or null when missing, disabled or not a valid id. */
  findActive(id: string): Promise<UserRecord | null>;
  /**
   * Runs a change of one user under its lock, and forgets the cached copy once it is written.
   * The work calls `lease.assertHeld()` before its final write.
   */
  withUserLock<T>(id: Types.ObjectId, work: (lease: Lease) => Promise<T>): Promise<T>;
  /** Moves the user's token version on; the new version, or null when there is no such user. */
  bumpTokenVersion(id: Types.ObjectId): Promise<number | null>;
}

const userLock = (id: Types.ObjectId) => `user:${id.toHexString()}`;

export function createUserStore(deps: {
  model: UserModel;
  locks: Locks;
  /** How long a looked-up active user may be reused; see Config.authCacheTtlMs. */
  cacheTtlMs: number;
}): UserStore {
  const { model, locks } = deps;
  const activeUsers = createTtlCache<UserRecord | null>(deps.cacheTtlMs);

  async function withUserLock<T>(
    id: Types.ObjectId,
    work: (lease: Lease) => Promise<T>,
  ): Promise<T> {
    return locks.withLock(userLock(id), async (lease) => {
      try {
        return await work(lease);
      } finally {
        activeUsers.delete(id.toHexString());
      }
    });
  }

  return {
    model,

    async findActive(id) {
      const _id = toObjectId(id);
      if (_id === null) return null;
      const cached = activeUsers.get(id);
      if (cached) return cached.value;
      const user = await model.findOne({ _id, disabled: false }).lean<UserRecord>();
      activeUsers.set(id, user);
      return user;
    },

    withUserLock,

    bumpTokenVersion(id) {
      return withUserLock(id, async (lease) => {
        lease.assertHeld();
        const { matchedCount } = await model.updateOne({ _id: id }, { $inc: { tokenVersion: 1 } });
        if (matchedCount === 0) return null;
        const user = await model.findById(id).select({ tokenVersion: 1 }).lean<UserRecord>();
        return user?.tokenVersion ?? null;
      });
    },
  };
}
