import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Schema, trusted, type Connection } from 'mongoose';
import { isDuplicateKeyError } from './errors';

/**
 * Short mutual-exclusion locks shared by every instance, built on the one write both MongoDB and
 * FerretDB make atomic: inserting a document under a unique `_id`.
 *
 * Why they exist: FerretDB 1.24 applies an update as read, modify, write back the whole document,
 * without isolation. Concurrent updates of one document lose each other's changes (measured here:
 * two `$set`s of different fields lost one in 44 of 50 rounds, two `$inc`s lost one in 49 of 50),
 * and a filter is not re-checked at write time, so a conditional update is no compare-and-set.
 * Every read-modify-write of security state therefore holds the lock of the document it changes.
 * On MongoDB the lock is redundant but cheap: these writes are rare (admin changes, password
 * changes, sign-outs).
 */

const lockSchema = new Schema(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'locks', versionKey: false },
);

// A holder that crashed frees its lock after this long; work under a lock takes milliseconds.
const LEASE_MS = 10_000;
const WAIT_MS = 5_000;

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

export interface Locks {
  /** Runs `work` while holding the lock named `key`, waiting up to 5 s for it. */
  withLock<T>(key: string, work: () => Promise<T>): Promise<T>;
}

export function createLocks(connection: Connection): Locks {
  const model = connection.model('Lock', lockSchema);

  async function acquire(key: string, owner: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    for (let attempt = 0; ; attempt += 1) {
      try {
        await model.create({ _id: key, owner, expiresAt: new Date(Date.now() + LEASE_MS) });
        return;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // Take over a lease its holder never released (a crash), then try again.
      await model.deleteOne({ _id: key, expiresAt: trusted({ $lt: new Date() }) });
      if (Date.now() > deadline) throw new LockTimeoutError(`timed out waiting for lock ${key}`);
      await delay(Math.min(50, 2 + attempt * 3) + Math.random() * 5);
    }
  }

  return {
    async withLock(key, work) {
      const owner = randomUUID();
      await acquire(key, owner);
      try {
        return await work();
      } finally {
        await model.deleteOne({ _id: key, owner });
      }
    },
  };
}
