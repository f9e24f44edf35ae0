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

/** Seconds until at most `allowed` of `ats` (newest first) are inside the window; 0 if they are. */
function windowWaitSeconds(ats: readonly number[], windowMs: number, allowed: number, now: number) {
  const inWindow = ats.filter((at) => now - at < windowMs);
  // The (allowed + 1)-th newest has to leave the window before another attempt fits.
  const boundary = inWindow[allowed];
  if (boundary === undefined) return 0;
  return Math.max(1, Math.ceil((boundary + windowMs - now) / 1000));
}

type SeenAttempt = Pick<LoginAttemptRecord, '_id' | 'at' | 'outcome' | 'ipAddress' | 'device'> & {
  readonly account: string;
};

export function createLoginThrottle(
  model: LoginAttemptModel,
  settings: ThrottleSettings,
): LoginThrottle {
  const historyMs = Math.max(settings.failureResetSeconds * 1000, HOUR_MS);
  const counted = (a: SeenAttempt) => a.outcome !== 'refused';
  const unsettled = (a: SeenAttempt) => a.outcome === 'pending' || a.outcome === 'failure';

  /**
   * Everything the decision needs, in one read, newest first: the account's attempts from every
   * address over the longest window that counts them, and this address's unsuccessful attempts
   * of the last minute, whatever the account. One query matters on FerretDB, which filters
   * outside its indexes: each extra query there is a scan of the collection. Both parts are
   * bounded by the limits themselves, since refused attempts are deleted.
   */
  function recentAttempts(account: string, ip: string | null, now: Date) {
    const scopes: Record<string, unknown>[] = [
      { account, at: trusted({ $gt: new Date(now.getTime() - historyMs) }) },
    ];
    if (ip) {
      scopes.push({
        ipAddress: ip,
        outcome: trusted({ $ne: 'success' }),
        at: trusted({ $gt: new Date(now.getTime() - MINUTE_MS) }),
      });
    }
    return model
      .find({ $or: scopes })
      .sort({ at: -1 })
      .select({ account: 1, ipAddress: 1, device: 1, at: 1, outcome: 1 })
      .lean<SeenAttempt[]>();
  }

  /**
   * How long `account` must wait from this address. This address's attempts, every account's
   * but the successful ones, are capped per minute (an office behind one NAT or a test suite
   * signs in as often as it likes; the hash limiter protects hashing capacity). The back-off
   * after consecutive failures counts this address's attempts at the account only, so failures
   * from elsewhere never lock out an owner signing in from their own address; the hourly ceiling
   * counts every address, for attacks spread over many. A recognised device within its own
   * failure budget passes the account's locks.
   */
  function refusalOf(
    seen: readonly SeenAttempt[],
    {
      account,
      ip,
      device,
      own,
    }: { account: string; ip: string | null; device: string | null; own: string },
    now: number,
  ): Refusal | null {
    if (ip) {
      const fromAddress = seen.filter((a) => a.ipAddress === ip && a.outcome !== 'success');
      const wait = windowWaitSeconds(
        fromAddress.map((a) => a.at.getTime()),
        MINUTE_MS,
        settings.maxAttemptsPerAddressPerMinute,
        now,
      );
      if (wait > 0) return { reason: 'address', retryAfter: wait };
    }
    const atAccount = seen.filter((a) => a.account === account);
    if (device !== null) {
      // The pending attempt being made now is one of them.
      const deviceFailures = atAccount.filter(
        (a) => a.device === device && unsettled(a) && now - a.at.getTime() < HOUR_MS,
      ).length;
      if (deviceFailures <= DEVICE_FAILURES_PER_HOUR) return null;
    }
    const others = atAccount.filter((a) => String(a._id) !== own && counted(a));
    const pair = others.filter((a) => (a.ipAddress ?? null) === ip);
    const pairWait = accountWaitSeconds(pair, now, {
      ...settings,
      maxFailuresPerHour: Number.MAX_SAFE_INTEGER,
    });
    const ceilingWait = windowWaitSeconds(
      others.filter(unsettled).map((a) => a.at.getTime()),
      HOUR_MS,
      settings.maxFailuresPerHour - 1,
      now,
    );
    const wait = Math.max(pairWait, ceilingWait);
    return wait > 0 ? { reason: 'account', retryAfter: wait } : null;
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

      const seen = await recentAttempts(key, ip, now);
      const refusal = refusalOf(
        seen,
        { account: key, ip, device, own: String(created._id) },
        now.getTime(),
      );
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
          // before it), so the older ones this attempt saw go: the collection holds failures,
          // pending attempts and about one success per account and address, not one record per
          // sign-in ever made. Successes it did not see (made at the same time) are older than
          // the next one's and go with it; two successes at once never delete each other.
          // One by one, by id: on FerretDB that is a lookup, where a filter would be a scan.
          for (const older of seen) {
            if (older.outcome !== 'success' || older.at >= now) continue;
            if (older.account !== key || (older.ipAddress ?? null) !== ip) continue;
            await model.deleteOne({ _id: older._id });
          }
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
