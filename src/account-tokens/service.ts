import { createHash, randomBytes } from 'node:crypto';
import { trusted, type Types } from 'mongoose';
import { isDuplicateKeyError } from '../db/errors';
import { insertOne } from '../db/insert';
import type { AccountTokenModels, AccountTokenPurpose, AccountTokenRecord } from './model';

/**
 * Tokens sent by mail (a password reset link): 256 random bits, stored only as a hash, bound to
 * one purpose and one user, single-use, expiring, and superseded by a newer one of the same
 * purpose for the same user.
 */
export interface AccountTokens {
  /** Makes a token (bound to `email` when given); the caller mails it and forgets it. */
  issue(
    purpose: AccountTokenPurpose,
    userId: Types.ObjectId,
    ttlSeconds: number,
    email?: string,
  ): Promise<string>;
  /**
   * Spends a token: whom (and which address) it was for, or null when it is unknown, malformed,
   * for another purpose, expired, superseded or already used (one answer for all, as the client
   * can do nothing else).
   */
  consume(token: string, purpose: AccountTokenPurpose): Promise<SpentToken | null>;
  /**
   * What `consume` would spend, without spending it: for links whose use creates an account,
   * where the account's unique id is what makes the use single (the caller consumes after).
   */
  inspect(
    token: string,
    purposes: readonly AccountTokenPurpose[],
  ): Promise<(SpentToken & { readonly purpose: AccountTokenPurpose }) | null>;
  /** Voids every token of one purpose for one subject (a revoked invitation). */
  revoke(userId: Types.ObjectId, purpose: AccountTokenPurpose): Promise<void>;
  purgeExpired(): Promise<void>;
}

export interface SpentToken {
  readonly userId: Types.ObjectId;
  readonly email: string | null;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

export function createAccountTokens(models: AccountTokenModels): AccountTokens {
  const { tokens, uses } = models;

  /** The token's record when it is well-formed, for one of `purposes`, unexpired and newest. */
  async function usable(
    token: string,
    purposes: readonly AccountTokenPurpose[],
  ): Promise<AccountTokenRecord | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const record = await tokens.findById(hashOf(token)).lean<AccountTokenRecord>();
    if (!record || !purposes.includes(record.purpose) || record.expiresAt.getTime() <= Date.now()) {
      return null;
    }
    const newer = await tokens.exists({
      userId: record.userId,
      purpose: record.purpose,
      issuedAt: trusted({ $gt: record.issuedAt }),
    });
    return newer ? null : record;
  }

  return {
    async issue(purpose, userId, ttlSeconds, email) {
      const token = randomBytes(32).toString('base64url');
      const issuedAt = new Date();
      await insertOne(tokens, {
        _id: hashOf(token),
        purpose,
        userId,
        ...(email === undefined ? {} : { email }),
        issuedAt,
        expiresAt: new Date(issuedAt.getTime() + ttlSeconds * 1000),
      });
      return token;
    },

    inspect: async (token, purposes) => {
      const record = await usable(token, purposes);
      return record && (await uses.exists({ _id: record._id })) === null
        ? { userId: record.userId, email: record.email ?? null, purpose: record.purpose }
        : null;
    },

    async consume(token, purpose) {
      const record = await usable(token, [purpose]);
      if (!record) return null;
      try {
        await insertOne(uses, { _id: record._id, at: new Date(), expiresAt: record.expiresAt });
      } catch (error) {
        if (isDuplicateKeyError(error)) return null;
        throw error;
      }
      return { userId: record.userId, email: record.email ?? null };
    },

    async revoke(userId, purpose) {
      await tokens.deleteMany({ userId, purpose });
    },

    async purgeExpired() {
      const now = trusted({ $lt: new Date() });
      await Promise.all([
        tokens.deleteMany({ expiresAt: now }),
        uses.deleteMany({ expiresAt: now }),
      ]);
    },
  };
}
