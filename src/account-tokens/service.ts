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

    async consume(token, purpose) {
      if (!TOKEN_PATTERN.test(token)) return null;
      const id = hashOf(token);
      const record = await tokens.findById(id).lean<AccountTokenRecord>();
      if (!record || record.purpose !== purpose || record.expiresAt.getTime() <= Date.now()) {
        return null;
      }
      const newer = await tokens.exists({
        userId: record.userId,
        purpose,
        issuedAt: trusted({ $gt: record.issuedAt }),
      });
      if (newer) return null;
      try {
        await insertOne(uses, { _id: id, at: new Date(), expiresAt: record.expiresAt });
      } catch (error) {
        if (isDuplicateKeyError(error)) return null;
        throw error;
      }
      return { userId: record.userId, email: record.email ?? null };
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
