import { createHash, randomBytes, randomInt } from 'node:crypto';
import { trusted, type Types } from 'mongoose';
import type { AuditService } from '../audit/service';
import { settle, type AttemptGuard } from '../auth/attempts';
import type { Caller, SignedInCaller } from '../caller';
import { isDuplicateKeyError } from '../db/errors';
import { parseObjectId } from '../db/ids';
import { insertOne } from '../db/insert';
import { badUserInput, conflict, incorrectInput, notFound } from '../errors';
import type { SessionService } from '../sessions/service';
import type { UserRecord } from '../users/model';
import type { UserStore } from '../users/store';
import { refuseUnlessPassword, refuseUnlessProvenFactors, setMfaMethod } from './methods';
import type { MfaChallengeRecord, MfaModels, TotpFactorRecord } from './model';
import { matchingStep, newTotpSecret, qrCodeDataUrl, totpUri } from './totp';

/** How a sign-in's second step can be completed, as `MFA_REQUIRED` lists them. */
export type SecondFactorMethod = 'TOTP' | 'RECOVERY_CODE' | 'PASSKEY';

export interface TotpEnrollment {
  readonly secret: string;
  readonly otpauthUri: string;
  readonly qrCodeDataUrl: string;
}

/** A second factor that was accepted (and, being single-use, is now spent). */
export interface SecondFactorUse {
  readonly method: 'TOTP' | 'RECOVERY_CODE';
  /** After a recovery code: how many the user has left. */
  readonly recoveryCodesRemaining: number | null;
}

/** A password reset waiting for the second factor: applied only once it is given. */
export interface PendingReset {
  /** The new password's argon2 hash. */
  readonly passwordHash: string;
  /** The normalized address the link reached, confirmed with the reset. */
  readonly email: string;
}

/** Who a live sign-in challenge is for. */
export interface ChallengeSubject {
  readonly userId: Types.ObjectId;
  /** The normalized username the password was given for. */
  readonly account: string;
  /** When the challenge is a password reset's second step. */
  readonly reset?: PendingReset;
}

export interface MfaSettings {
  /** The name authenticator apps show beside the account (TOTP_ISSUER). */
  readonly issuer: string;
  /** How long a sign-in waits for its second factor (MFA_CHALLENGE_TTL, 5 minutes). */
  readonly challengeTtlSeconds: number;
}

/**
 * Second factors: TOTP enrolment and removal, recovery codes, the challenge a sign-in waits on,
 * and an administrator's reset. Every code is accepted once; wrong codes count against the
 * account through the sign-in throttle.
 */
export interface MfaService {
  methodsOf(user: Pick<UserRecord, 'mfaMethods'>): SecondFactorMethod[];
  beginTotpEnrollment(caller: SignedInCaller, password: string): Promise<TotpEnrollment>;
  /** Turns TOTP on with the first code of the new secret; returns ten fresh recovery codes. */
  confirmTotpEnrollment(caller: SignedInCaller, code: string): Promise<string[]>;
  regenerateRecoveryCodes(caller: SignedInCaller, code: string | null): Promise<string[]>;
  disableTotp(caller: SignedInCaller, password: string, code: string): Promise<void>;
  /** A TOTP or recovery code of the user's, spent if it is right; null if not. Not throttled. */
  useSecondFactor(userId: Types.ObjectId, code: string): Promise<SecondFactorUse | null>;
  /** An opaque, single-use challenge for a sign-in whose password was right. */
  issueChallenge(
    subject: Omit<ChallengeSubject, 'reset'>,
    caller: Caller,
    reset?: PendingReset,
  ): Promise<string>;
  /** Whom a challenge is for, while it is live, unspent and presented by the same client. */
  findChallenge(challenge: string, caller: Caller): Promise<ChallengeSubject | null>;
  /** Spends a challenge; false when another request spent it first. */
  spendChallenge(challenge: string): Promise<boolean>;
  /** Counts a wrong code against a challenge; the fifth spends it. */
  recordMiss(challenge: string): Promise<void>;
  /** Removes one of the caller's passkeys once the password is checked; false if none. */
  removePasskey(caller: SignedInCaller, id: string, password: string): Promise<boolean>;
  /** An administrator's reset: every second factor goes and every session ends. */
  reset(userId: string, caller: SignedInCaller): Promise<boolean>;
  purgeExpired(): Promise<void>;
}

const ENROLLMENT_TTL_MS = 10 * 60 * 1000;
/** A used TOTP step is remembered past the widest window it could be accepted in. */
const TOTP_USE_TTL_MS = 3 * 30 * 1000;
const RECOVERY_CODE_COUNT = 10;
/** Wrong codes one sign-in challenge takes before the password must be given again. */
const CHALLENGE_MISSES = 5;
/**
 * 31 letters and digits without look-alikes (0/o, 1/l/i), 24 of them: about 119 bits, above the
 * 112 that ASVS 5 (6.5.2) asks of a lookup secret kept as a plain hash.
 */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const RECOVERY_LENGTH = 24;
const RECOVERY_PATTERN = /^[a-hjkmnp-z2-9]{24}$/;
const CHALLENGE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const recoveryCodeId = (userId: Types.ObjectId, code: string) =>
  sha256(`${userId.toHexString()}:${code}`);
/** Codes are shown as `abcde-fghjk`; spaces, dashes and case do not matter when typed back. */
const normalizeCode = (code: string) => code.replace(/[\s-]/g, '').toLowerCase();

/** Shown as four groups of six: `abcdef-ghjkmn-pqrstu-vwxyz2`. */
function newRecoveryCode(): string {
  const characters = Array.from(
    { length: RECOVERY_LENGTH },
    () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
  ).join('');
  return (characters.match(/.{6}/g) ?? []).join('-');
}

export function createMfaService(deps: {
  models: MfaModels;
  store: UserStore;
  attempts: AttemptGuard;
  sessions: SessionService;
  audit: AuditService;
  settings: MfaSettings;
}): MfaService {
  const { models, store, attempts, sessions, audit, settings } = deps;
  const { totpFactors, totpEnrollments, recoveryCodes, challenges, uses, passkeys } = models;

  /** Records one use of `id`; false when it was used before. */
  async function useOnce(id: string, ttlMs: number): Promise<boolean> {
    try {
      await insertOne(uses, { _id: id, expiresAt: new Date(Date.now() + ttlMs) });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /** Whether `code` is the secret's code now (or a step either side), used for the first time. */
  async function isFreshTotp(userId: Types.ObjectId, secret: string, code: string) {
    const step = matchingStep(secret, normalizeCode(code));
    return step !== null && useOnce(`totp:${userId.toHexString()}:${step}`, TOTP_USE_TTL_MS);
  }

  /** The user's TOTP code, checked through the sign-in throttle; INCORRECT on `code` if wrong. */
  async function checkTotp(caller: SignedInCaller, code: string): Promise<TotpFactorRecord> {
    const { user } = caller;
    const factor = await totpFactors.findById(user._id).lean<TotpFactorRecord>();
    if (!factor) throw badUserInput('code', { reason: 'NOT_ALLOWED', message: 'TOTP is off' });
    const right = await attempts.withCode(user.username, user._id, caller, async (attempt) =>
      settle(attempt, await isFreshTotp(user._id, factor.secret, code)),
    );
    if (!right) throw incorrectInput('code');
    return factor;
  }

  async function replaceRecoveryCodes(userId: Types.ObjectId): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await recoveryCodes.deleteMany({ userId });
    const createdAt = new Date();
    await recoveryCodes.insertMany(
      codes.map((code) => ({
        _id: recoveryCodeId(userId, normalizeCode(code)),
        userId,
        createdAt,
      })),
    );
    return codes;
  }

  /** TOTP off; the recovery codes go too unless a passkey still needs them as its backup. */
  async function removeTotp(userId: Types.ObjectId): Promise<void> {
    const passkeyRemains = (await passkeys.exists({ userId })) !== null;
    await Promise.all([
      totpFactors.deleteOne({ _id: userId }),
      totpEnrollments.deleteOne({ _id: userId }),
      ...(passkeyRemains ? [] : [recoveryCodes.deleteMany({ userId })]),
    ]);
    await setMfaMethod(store, userId, 'TOTP', false);
  }

  const live = () => ({ expiresAt: trusted({ $gt: new Date() }) });

  return {
    methodsOf(user) {
      const methods: SecondFactorMethod[] = [];
      if (user.mfaMethods?.includes('TOTP')) methods.push('TOTP');
      // Recovery codes back up whichever factor the user has (a passkey-only user makes them).
      if ((user.mfaMethods ?? []).length > 0) methods.push('RECOVERY_CODE');
      if (user.mfaMethods?.includes('PASSKEY')) methods.push('PASSKEY');
      return methods;
    },

    async beginTotpEnrollment(caller, password) {
      refuseUnlessProvenFactors(caller);
      const { user } = caller;
      if (await totpFactors.exists({ _id: user._id })) {
        throw conflict('TOTP is already on: turn it off before setting it up again');
      }
      // Only an enrolment begun with the password can be confirmed.
      await refuseUnlessPassword(attempts, caller, password);
      const secret = newTotpSecret();
      const expiresAt = new Date(Date.now() + ENROLLMENT_TTL_MS);
      // The newest secret handed out is the one a code must match.
      await totpEnrollments.updateOne(
        { _id: user._id },
        { $set: { secret, expiresAt } },
        { upsert: true },
      );
      const otpauthUri = totpUri(secret, settings.issuer, user.username);
      return { secret, otpauthUri, qrCodeDataUrl: await qrCodeDataUrl(otpauthUri) };
    },

    async confirmTotpEnrollment(caller, code) {
      refuseUnlessProvenFactors(caller);
      const { user } = caller;
      const pending = await totpEnrollments
        .findOne({ _id: user._id, ...live() })
        .lean<{ secret: string }>();
      if (!pending) {
        throw badUserInput('code', {
          reason: 'NOT_ALLOWED',
          message: 'has no enrolment waiting for it: call beginTotpEnrollment first',
        });
      }
      const right = await attempts.withCode(user.username, user._id, caller, async (attempt) =>
        settle(attempt, await isFreshTotp(user._id, pending.secret, code)),
      );
      if (!right) throw incorrectInput('code');
      try {
        await insertOne(totpFactors, {
          _id: user._id,
          secret: pending.secret,
          enabledAt: new Date(),
        });
      } catch (error) {
        if (isDuplicateKeyError(error)) throw conflict('TOTP was turned on by another request');
        throw error;
      }
      await totpEnrollments.deleteOne({ _id: user._id });
      const codes = await replaceRecoveryCodes(user._id);
      await setMfaMethod(store, user._id, 'TOTP', true);
      // Sessions signed in before the first factor existed never proved one: only this one stays.
      if ((user.mfaMethods ?? []).length === 0) {
        await sessions.endOthers(user._id, caller.sessionId, 'second factor added');
      }
      await audit.record(caller, {
        action: 'MFA_ENABLED',
        outcome: 'success',
        details: { method: 'TOTP' },
      });
      return codes;
    },

    async regenerateRecoveryCodes(caller, code) {
      // With TOTP, a current code; with passkeys only, a session that used one.
      if (caller.user.mfaMethods?.includes('TOTP')) {
        await checkTotp(caller, code ?? '');
      } else if ((caller.user.mfaMethods ?? []).length > 0) {
        refuseUnlessProvenFactors(caller);
      } else {
        throw badUserInput('code', { reason: 'NOT_ALLOWED', message: 'backs up no second factor' });
      }
      const codes = await replaceRecoveryCodes(caller.user._id);
      await audit.record(caller, { action: 'RECOVERY_CODES_REGENERATED', outcome: 'success' });
      return codes;
    },

    async disableTotp(caller, password, code) {
      const { user } = caller;
      const factor = await totpFactors.findById(user._id).lean<TotpFactorRecord>();
      if (!factor) throw badUserInput('code', { reason: 'NOT_ALLOWED', message: 'TOTP is off' });
      const { passwordRight, alsoRight: codeRight } = await attempts.reauthenticate(
        caller,
        password,
        () => isFreshTotp(user._id, factor.secret, code),
      );
      if (!passwordRight) throw incorrectInput('password');
      if (!codeRight) throw incorrectInput('code');
      await removeTotp(user._id);
      await audit.record(caller, {
        action: 'MFA_DISABLED',
        outcome: 'success',
        details: { method: 'TOTP' },
      });
    },

    async removePasskey(caller, id, password) {
      const { user } = caller;
      const { passwordRight } = await attempts.reauthenticate(caller, password);
      if (!passwordRight) throw incorrectInput('password');
      const { deletedCount } = await passkeys.deleteOne({ _id: id, userId: user._id });
      if (deletedCount === 0) return false;
      await setMfaMethod(
        store,
        user._id,
        'PASSKEY',
        async () => (await passkeys.exists({ userId: user._id })) !== null,
      );
      await audit.record(caller, {
        action: 'MFA_DISABLED',
        outcome: 'success',
        details: { method: 'PASSKEY' },
      });
      return true;
    },

    async useSecondFactor(userId, code) {
      const normalized = normalizeCode(code);
      if (RECOVERY_PATTERN.test(normalized)) {
        // Recovery codes back up a factor: with none left (a race of regenerate and removal), none work.
        const owner = await store.model.findById(userId).lean<UserRecord>();
        if ((owner?.mfaMethods ?? []).length === 0) return null;
        const id = recoveryCodeId(userId, normalized);
        if (!(await recoveryCodes.exists({ _id: id }))) return null;
        if (!(await useOnce(`recovery:${id}`, 24 * 3600 * 1000))) return null;
        await recoveryCodes.deleteOne({ _id: id });
        return {
          method: 'RECOVERY_CODE',
          recoveryCodesRemaining: await recoveryCodes.countDocuments({ userId }),
        };
      }
      const factor = await totpFactors.findById(userId).lean<TotpFactorRecord>();
      if (!factor || !(await isFreshTotp(userId, factor.secret, normalized))) return null;
      return { method: 'TOTP', recoveryCodesRemaining: null };
    },

    async issueChallenge(subject, caller, reset) {
      const challenge = randomBytes(32).toString('base64url');
      await insertOne(challenges, {
        _id: sha256(challenge),
        userId: subject.userId,
        account: subject.account,
        ...(reset ? { resetPasswordHash: reset.passwordHash, resetEmail: reset.email } : {}),
        ...(caller.ip ? { ipAddress: caller.ip } : {}),
        ...(caller.userAgent ? { userAgent: caller.userAgent } : {}),
        expiresAt: new Date(Date.now() + settings.challengeTtlSeconds * 1000),
      });
      return challenge;
    },

    async findChallenge(challenge, caller) {
      if (!CHALLENGE_PATTERN.test(challenge)) return null;
      const id = sha256(challenge);
      const record = await challenges
        .findOne({ _id: id, ...live() })
        .select('+resetPasswordHash')
        .lean<MfaChallengeRecord>();
      if (
        !record ||
        (record.ipAddress ?? null) !== caller.ip ||
        (record.userAgent ?? null) !== caller.userAgent ||
        (await uses.exists({ _id: `challenge:${id}` }))
      ) {
        return null;
      }
      return {
        userId: record.userId,
        account: record.account,
        ...(record.resetPasswordHash && record.resetEmail
          ? { reset: { passwordHash: record.resetPasswordHash, email: record.resetEmail } }
          : {}),
      };
    },

    async recordMiss(challenge) {
      const id = sha256(challenge);
      const ttlMs = settings.challengeTtlSeconds * 1000;
      // The n-th miss is a unique insert, so concurrent wrong codes are each counted once.
      for (let miss = 1; miss <= CHALLENGE_MISSES; miss += 1) {
        if (await useOnce(`challenge-miss:${id}:${miss}`, ttlMs)) {
          if (miss === CHALLENGE_MISSES) await useOnce(`challenge:${id}`, ttlMs);
          return;
        }
      }
    },

    spendChallenge: (challenge) =>
      useOnce(`challenge:${sha256(challenge)}`, settings.challengeTtlSeconds * 1000),

    async reset(userId, caller) {
      const _id = parseObjectId(userId, 'userId');
      if (!(await store.model.exists({ _id }))) throw notFound('User');
      await passkeys.deleteMany({ userId: _id });
      await removeTotp(_id);
      await setMfaMethod(store, _id, 'PASSKEY', false);
      await sessions.endAll(_id, 'second factors reset');
      await audit.record(caller, { action: 'MFA_RESET', outcome: 'success', targetId: _id });
      return true;
    },

    async purgeExpired() {
      const expired = { expiresAt: trusted({ $lt: new Date() }) };
      await Promise.all([
        totpEnrollments.deleteMany(expired),
        challenges.deleteMany(expired),
        uses.deleteMany(expired),
      ]);
    },
  };
}
