import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Schema, trusted, type Connection } from 'mongoose';
import type { Logger } from '../logger';
import { OPERATION_BOUND_MS } from './connection';
import { isDuplicateKeyError } from './errors';
import { insertOne } from './insert';

/**
 * Short mutual-exclusion locks shared by every instance, built on the one write both MongoDB and
 * FerretDB make atomic: inserting a document under a unique `_id`.
 *
 * Why they exist: FerretDB 1.24 applies an update as read, modify, write back the whole document,
 * without isolation. Concurrent updates of one document lose each other's changes (measured here:
 * two `$set`s of different fields lost one in 44 of 50 rounds, two `$inc`s lost one in 49 of 50),
 * and a filter is not re-checked at write time, so a conditional update is no compare-and-set.
 * Every read-modify-write of security state therefore holds the lock of the document it changes.
 * On MongoDB they are needed too: a check and a write in two commands (the last administrator's,
 * say) are not atomic there either without a transaction.
 *
 * Leases are judged by one clock, the database's: each instance learns its offset from the
 * server's `hello` when it acquires, so an instance whose own clock runs ahead cannot take over a
 * live lock. A holder checks its lease before its final write (Lease.assertHeld) and gives up
 * rather than write once another could have taken over.
 */

const lockSchema = new Schema(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    /** When the lease ends, by the database's clock. */
    expiresAt: { type: Date, required: true },
  },
  { collection: 'locks', versionKey: false },
);

// A holder that crashed frees its lock after this long. Work under a lock takes milliseconds,
// a password change two argon2 runs; what is left after the work must cover one more operation.
export const LEASE_MS = 30_000;
const WAIT_MS = 5_000;
const OFFSET_TTL_MS = 60_000;

export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

/** The holder's lease ran too short to finish safely: nothing was written. */
export class LockLostError extends Error {
  override name = 'LockLostError';
}

export interface Lease {
  /**
   * Throws LockLostError unless the lease will outlast one more database operation, measured on
   * this process's monotonic clock from before the lock was taken. Call it before a final write.
   */
  assertHeld(): void;
}

export interface Locks {
  /** Runs `work` while holding the lock named `key`, waiting up to 5 s for it. */
  withLock<T>(key: string, work: (lease: Lease) => Promise<T>): Promise<T>;
}

/** A clock in milliseconds since the epoch. */
export type Clock = () => number;

export function createLockModel(connection: Connection) {
  return connection.model('Lock', lockSchema);
}

export interface LockOptions {
  /** This process's clock; a test can give an instance a wrong one. */
  readonly clock?: Clock;
  /** How long a lease lasts; longer than OPERATION_BOUND_MS, or no write is ever safe. */
  readonly leaseMs?: number;
}

export function createLocks(
  connection: Connection,
  logger: Logger,
  { clock = () => Date.now(), leaseMs = LEASE_MS }: LockOptions = {},
): Locks {
  const model = createLockModel(connection);

  // The offset to the database's clock, learnt from its hello and kept for a while: clocks drift
  // slowly, and a lock should not cost an extra round trip each time.
  let learnt: { readonly offset: number; readonly at: number } | null = null;

  /** The database's time now, as this process can best tell it (within half a round trip). */
  async function databaseClock(): Promise<() => Date> {
    if (learnt === null || performance.now() - learnt.at > OFFSET_TTL_MS) {
      const sent = clock();
      const hello = (await connection.db?.admin().command({ hello: 1 })) as
        { localTime?: Date } | undefined;
      const received = clock();
      const serverTime = hello?.localTime?.getTime();
      // No server time (should not happen): fall back to this clock, with its skew.
      const offset = serverTime === undefined ? 0 : serverTime - (sent + received) / 2;
      learnt = { offset, at: performance.now() };
    }
    const { offset } = learnt;
    return () => new Date(clock() + offset);
  }

  /** Takes the lock; returns when (on the monotonic clock) the winning insert was sent. */
  async function acquire(key: string, owner: string): Promise<number> {
    const deadline = performance.now() + WAIT_MS;
    const now = await databaseClock();
    for (let attempt = 0; ; attempt += 1) {
      const sent = performance.now();
      try {
        await insertOne(model, {
          _id: key,
          owner,
          expiresAt: new Date(now().getTime() + leaseMs),
        });
        return sent;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      // Take over a lease its holder never released (a crash), then try again.
      await model.deleteOne({ _id: key, expiresAt: trusted({ $lt: now() }) });
      if (performance.now() > deadline) {
        throw new LockTimeoutError(`timed out waiting for lock ${key}`);
      }
      await delay(Math.min(50, 2 + attempt * 3) + Math.random() * 5);
    }
  }

  return {
    async withLock<T>(key: string, work: (lease: Lease) => Promise<T>): Promise<T> {
      const owner = randomUUID();
      // When the winning insert was sent: the lease cannot have started earlier than this.
      const started = await acquire(key, owner);
      const lease: Lease = {
        assertHeld() {
          if (performance.now() - started > leaseMs - OPERATION_BOUND_MS) {
            throw new LockLostError(`the lease of lock ${key} is too short to write safely`);
          }
        },
      };
      let result: T;
      try {
        result = await work(lease);
      } finally {
        try {
          await model.deleteOne({ _id: key, owner });
        } catch (error) {
          // The work is done (or failed) either way; the lease frees the lock in time.
          logger.warn({ err: error, lock: key }, 'could not release a lock; its lease will end it');
        }
      }
      return result;
    },
  };
}
