import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { Argon2Settings } from '../config';

/** The only module that imports argon2: the variant and its parameters are pinned here. */

export interface PasswordHasher {
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

// The PHC string argon2 writes, e.g. $argon2id$v=19$m=65536,t=3,p=4$salt$hash (any order of m, t, p).
const PHC_PARAMETERS =
  /^\$argon2id\$v=19\$(?=[^$]*\bm=(?<m>\d+))(?=[^$]*\bt=(?<t>\d+))(?=[^$]*\bp=\d+)[mtp=\d,]+\$/;

export async function createPasswordHasher(settings: Argon2Settings): Promise<PasswordHasher> {
  const options = {
    type: argon2.argon2id,
    memoryCost: settings.memoryCost,
    timeCost: settings.timeCost,
    parallelism: settings.parallelism,
  } as const;
  const dummyHash = await argon2.hash(randomBytes(32).toString('base64url'), options);

  async function verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  return {
    hash: (password) => argon2.hash(password, options),
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
