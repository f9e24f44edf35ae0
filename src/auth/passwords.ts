import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { Argon2Settings } from '../config';
import { rateLimited } from '../errors';

/**
 * The only module that imports argon2: the variant and its parameters are pinned here, and every
 * hash goes through one limiter so a login storm cannot queue without bound.
 */

export interface PasswordHasher {
  /** Throws RATE_LIMITED when too many hashes are already waiting. */
  hash(password: string): Promise<string>;
  /** False for a wrong password and for a malformed hash alike; never throws for either. */
  verify(hash: string, password: string): Promise<boolean>;
  /**
   * Burns the same work as verifying a real hash, for callers that have no user to check
   * against, so an unknown username takes as long as a wrong password.
   */
  verifyAgainstDummy(password: string): Promise<void>;
  /** True when `hash` is weaker than the configured parameters (or not argon2id v1.3 at all). */
  needsRehash(hash: string): boolean;
}

export interface HashLimits {
  /** Hashes computed at once; about one per core keeps the cores busy without starving I/O. */
  readonly concurrency: number;
  /** Hashes allowed to wait for a slot; more are shed at once. */
  readonly queueLength?: number;
  /** How long a hash may wait for a slot before it is shed. */
  readonly maxWaitMs?: number;
}

// The PHC string argon2 writes, e.g. $argon2id$v=19$m=65536,t=3,p=4$salt$hash (any order of m, t, p).
const PHC_PARAMETERS =
  /^\$argon2id\$v=19\$(?=[^$]*\bm=(?<m>\d+))(?=[^$]*\bt=(?<t>\d+))(?=[^$]*\bp=\d+)[mtp=\d,]+\$/;

/** A counting semaphore with a short, bounded queue: excess work is refused, not stacked up. */
function createLimiter(limits: HashLimits) {
  const queueLength = limits.queueLength ?? limits.concurrency * 4;
  const maxWaitMs = limits.maxWaitMs ?? 2_000;
  let active = 0;
  const waiting: { resolve: () => void; timer: NodeJS.Timeout }[] = [];

  function release() {
    const next = waiting.shift();
    if (next) {
      // The slot passes straight to the next waiter; `active` does not change.
      clearTimeout(next.timer);
      next.resolve();
    } else {
      active -= 1;
    }
  }

  return async function limit<T>(work: () => Promise<T>): Promise<T> {
    if (active < limits.concurrency) {
      active += 1;
    } else {
      if (waiting.length >= queueLength) throw rateLimited(1);
      await new Promise<void>((resolve, reject) => {
        const entry = {
          resolve,
          timer: setTimeout(() => {
            waiting.splice(waiting.indexOf(entry), 1);
            reject(rateLimited(1));
          }, maxWaitMs),
        };
        waiting.push(entry);
      });
    }
    try {
      return await work();
    } finally {
      release();
    }
  };
}

export async function createPasswordHasher(
  settings: Argon2Settings,
  limits: HashLimits,
): Promise<PasswordHasher> {
  const options = {
    type: argon2.argon2id,
    memoryCost: settings.memoryCost,
    timeCost: settings.timeCost,
    parallelism: settings.parallelism,
  } as const;
  const limit = createLimiter(limits);
  const dummyHash = await argon2.hash(randomBytes(32).toString('base64url'), options);

  async function verify(hash: string, password: string): Promise<boolean> {
    return limit(async () => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    });
  }

  return {
    hash: (password) => limit(() => argon2.hash(password, options)),
    verify,
    async verifyAgainstDummy(password) {
      await verify(dummyHash, password);
    },
    needsRehash(hash) {
      const match = PHC_PARAMETERS.exec(hash);
      if (!match) return true;
      const [memory, time] = [Number(match.groups?.m), Number(match.groups?.t)];
      // Lower memory or time is weaker; a different parallelism alone is not.
      return memory < settings.memoryCost || time < settings.timeCost;
    },
  };
}
