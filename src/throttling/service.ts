import { trusted } from 'mongoose';
import { rateLimited } from '../errors';
import type { LoginAttemptModel, LoginAttemptRecord } from './model';
import { insertOne } from '../db/insert';

export interface ThrottleSettings {
  /** Consecutive failures on one account before it has to wait. */
  readonly lockoutThreshold: number;
  readonly lockoutBaseSeconds: number;
  readonly lockoutMaxSeconds: number;
  /** An account never takes more failures than this in any hour. */
  readonly maxFailuresPerHour: number;
  /** A quiet period this long (or a success) wipes an account's failures. */
  readonly failureResetSeconds: number;
  readonly maxAttemptsPerAddressPerMinute: number;
}

/** A registered attempt; the first of its outcomes to be reported is the one that counts. */
export interface LoginAttempt {
  succeed(): Promise<void>;
  fail(): Promise<void>;
  /** Neither a success nor a failure (the check could not run); it still counts per address. */
  abandon(): Promise<void>;
}

export type Refusal = { readonly reason: 'address' | 'account'; readonly retryAfter: number };

/** Where an attempt comes from: the client's address and, when it presented one, its device. */
export interface AttemptSource {
  readonly ip: string | null;
  /** A device id from Devices.recognise: this client signed in to the account before. */
  readonly device: string | null;
}

export interface LoginThrottle {
  /**
   * Registers an attempt at `account` before any password is checked. Throws RATE_LIMITED (with
   * `retryAfter`) when the address, the account from this address, or the account as a whole
   * must wait; `onRefusal` hears of it first, for the audit trail.
   */
  begin(
    account: string,
    source: AttemptSource,
    onRefusal: (refusal: Refusal) => Promise<void>,
  ): Promise<LoginAttempt>;
  purgeOld(): Promise<void>;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const ACCOUNT_MAX_LENGTH = 256;
/** Failures a recognised device may make in an hour before it is treated like any client. */
export const DEVICE_FAILURES_PER_HOUR = 5;

/**
 * Seconds an account must still wait, given its recent counted attempts (newest first). From the
 * `threshold`-th consecutive failure it waits `base` doubling up to `max` after the latest one,
 * and it never takes more than `maxFailuresPerHour` failures in an hour. A success, or a quiet
 * gap of `failureReset`, ends the streak. Pure, so the policy is tested without a database.
 */
export function accountWaitSeconds(
  attempts: readonly Pick<LoginAttemptRecord, 'at' | 'outcome'>[],
  now: number,
  settings: ThrottleSettings,
): number {
  const resetMs = settings.failureResetSeconds * 1000;
  let streak = 0;
  let latestFailure = 0;
  let previous = now;
  const hourly: number[] = [];
  for (const attempt of attempts) {
    const at = attempt.at.getTime();
    if (attempt.outcome === 'success' || previous - at >= resetMs) break;
    // A pending attempt is counted as a failure: a burst of parallel guesses must not all pass.
    streak += 1;
    latestFailure = Math.max(latestFailure, at);
    if (now - at < HOUR_MS) hourly.push(at);
    previous = at;
  }
  let waitUntil = 0;
  if (streak >= settings.lockoutThreshold) {
    const doublings = Math.min(streak - settings.lockoutThreshold, 30);
    const delay = Math.min(
      settings.lockoutBaseSeconds * 2 ** doublings,
      settings.lockoutMaxSeconds,
    );
    waitUntil = latestFailure + delay * 1000;
  }
  if (hourly.length >= settings.maxFailuresPerHour) {
    const oldestCounted = hourly[settings.maxFailuresPerHour - 1] ?? now;
    waitUntil = Math.max(waitUntil, oldestCounted + HOUR_MS);
  }
  return waitUntil > now ? Math.ceil((waitUntil - now) / 1000) : 0;
}

/** How long a sign-in attempt is kept: long enough for every window that counts it. */
export function attemptRetentionSeconds(settings: ThrottleSettings): number {
  return Math.max(settings.failureResetSeconds, HOUR_MS / 1000) + HOUR_MS / 1000;
}

export function createLoginThrottle(
  model: LoginAttemptModel,
  settings: ThrottleSettings,
): LoginThrottle {
  const historyMs = Math.max(settings.failureResetSeconds * 1000, HOUR_MS);
  // Enough history to see a full streak up to the hourly cap and its reset gap.
  const historyLimit = Math.max(settings.maxFailuresPerHour, settings.lockoutThreshold + 40) + 1;

  /**
   * Seconds until the attempts matching `scope` in the last `windowMs` are down to `allowed`
   * (0 when they already are): the `allowed`-th newest must leave the window. One count, and a
   * read of one record only when over, so the cost does not grow with a flood.
   */
  async function windowWaitSeconds(
    scope: Record<string, unknown>,
    windowMs: number,
    allowed: number,
    now: Date,
  ): Promise<number> {
    const inWindow = { ...scope, at: trusted({ $gt: new Date(now.getTime() - windowMs) }) };
    const count = await model.countDocuments(inWindow);
    if (count <= allowed) return 0;
    const boundary = await model
      .findOne(inWindow)
      .sort({ at: 1 })
      .skip(count - allowed - 1)
      .select({ at: 1 })
      .lean<Pick<LoginAttemptRecord, 'at'>>();
    const at = boundary?.at.getTime() ?? now.getTime();
    return Math.max(1, Math.ceil((at + windowMs - now.getTime()) / 1000));
  }

  /**
   * This address's attempts, the one being made included, whatever the account, except the ones
   * that succeeded: an office behind one NAT or a test suite signs in as often as it likes, and
   * the hash limiter protects hashing capacity.
   */
  const addressWaitSeconds = (ip: string, now: Date) =>
    windowWaitSeconds(
      { ipAddress: ip, outcome: trusted({ $ne: 'success' }) },
      MINUTE_MS,
      settings.maxAttemptsPerAddressPerMinute,
      now,
    );

  /**
   * The recent counted attempts matching `scope` (an account and an address, say), newest first:
   * a short page, more only for a streak.
   */
  async function historyOf(scope: Record<string, unknown>, own: unknown, now: Date) {
    const query = (limit: number) =>
      model
        .find({
          ...scope,
          _id: trusted({ $ne: own }),
          at: trusted({ $gt: new Date(now.getTime() - historyMs) }),
          outcome: trusted({ $in: ['pending', 'success', 'failure'] }),
        })
        .sort({ at: -1 })
        .limit(limit)
        .select({ at: 1, outcome: 1 })
        .lean<Pick<LoginAttemptRecord, 'at' | 'outcome'>[]>();
    const firstPage = settings.lockoutThreshold + 1;
    const page = await query(firstPage);
    const streakGoesOn = page.length === firstPage && page.every((a) => a.outcome !== 'success');
    return streakGoesOn ? query(historyLimit) : page;
  }

  /** A recognised device within its own failure budget passes the account's locks. */
  async function isTrusted(account: string, device: string | null, now: Date): Promise<boolean> {
    if (device === null) return false;
    const failures = await model.countDocuments({
      account,
      device,
      at: trusted({ $gt: new Date(now.getTime() - HOUR_MS) }),
      outcome: trusted({ $in: ['pending', 'failure'] }),
    });
    // The pending attempt being made now is one of them.
    return failures <= DEVICE_FAILURES_PER_HOUR;
  }

  /**
   * How long `account` must wait from this address: the back-off after consecutive failures
   * counts this address's attempts only, so failures from elsewhere never lock out an owner
   * signing in from their own address; the hourly ceiling counts every address, for attacks
   * spread over many.
   */
  async function accountWaitFrom(account: string, ip: string | null, own: unknown, now: Date) {
    const pair = await historyOf({ account, ipAddress: ip }, own, now);
    const pairWait = accountWaitSeconds(pair, now.getTime(), {
      ...settings,
      maxFailuresPerHour: Number.MAX_SAFE_INTEGER,
    });
    // Every address's failures at the account (and pending guesses), the one being made aside.
    const ceilingWait = await windowWaitSeconds(
      { account, _id: trusted({ $ne: own }), outcome: trusted({ $in: ['pending', 'failure'] }) },
      HOUR_MS,
      settings.maxFailuresPerHour - 1,
      now,
    );
    return Math.max(pairWait, ceilingWait);
  }

  return {
    async begin(account, { ip, device }, onRefusal) {
      const now = new Date();
      const key = account.slice(0, ACCOUNT_MAX_LENGTH);
      const created = await insertOne(model, {
        account: key,
        ...(ip ? { ipAddress: ip } : {}),
        ...(device ? { device } : {}),
        at: now,
        outcome: 'pending',
      });
      let settled = false;
      const settle = async (outcome: 'success' | 'failure' | 'refused') => {
        if (settled) return;
        settled = true;
        await model.updateOne({ _id: created._id }, { $set: { outcome } });
      };

      let refusal: Refusal | null = null;
      const addressWait = ip ? await addressWaitSeconds(ip, now) : 0;
      if (addressWait > 0) refusal = { reason: 'address', retryAfter: addressWait };
      else {
        const accountWait = (await isTrusted(key, device, now))
          ? 0
          : await accountWaitFrom(key, ip, created._id, now);
        if (accountWait > 0) refusal = { reason: 'account', retryAfter: accountWait };
      }
      if (refusal) {
        // A refused attempt leaves nothing behind: it never makes a wait longer, and a flood of
        // them cannot grow the collection (each address and account keeps at most what its
        // limits admit).
        settled = true;
        await model.deleteOne({ _id: created._id });
        await onRefusal(refusal);
        throw rateLimited(refusal.retryAfter);
      }
      return {
        async succeed() {
          if (settled) return;
          await settle('success');
          // Only the newest success of an account and address matters (it ends the streak
          // before it), so the older ones go: the collection holds failures, pending attempts
          // and one success per account and address, not one record per sign-in ever made.
          await model.deleteMany({
            account: key,
            ipAddress: ip ?? trusted({ $exists: false }),
            outcome: 'success',
            // Older ones only: two successes at once must not delete each other.
            at: trusted({ $lt: now }),
          });
        },
        fail: () => settle('failure'),
        abandon: () => settle('refused'),
      };
    },

    async purgeOld() {
      const cutoff = Date.now() - attemptRetentionSeconds(settings) * 1000;
      await model.deleteMany({ at: trusted({ $lt: new Date(cutoff) }) });
    },
  };
}
