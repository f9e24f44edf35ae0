import type { Types } from 'mongoose';
import type { AuditService } from '../audit/service';
import type { Caller, SignedInCaller } from '../caller';
import type { HashPermit, PasswordHasher } from '../passwords/hasher';
import { passwordLength } from '../passwords/policy';
import type { LoginAttempt, LoginThrottle } from '../throttling/service';
import { normalizeIdentifier } from '../users/identity';

/**
 * Every guess at an account's secrets goes through here, so each counts against the account and
 * the client address alike: passwords (login, /token, changePassword, deleteMe) and second-factor
 * codes (TOTP, recovery codes). The throttle decides first; refused attempts are audited once a
 * minute per account and address. An attempt the work did not settle (the hasher shed it, the
 * database failed) is abandoned: it counts against the address, never the account.
 */
export interface AttemptGuard {
  /** A password check: the throttle, then a hashing slot, so refused attempts never hold one. */
  withPassword<T>(
    username: string,
    actorId: Types.ObjectId | null,
    caller: Caller,
    device: string | null,
    work: (attempt: LoginAttempt, permit: HashPermit) => Promise<T>,
  ): Promise<T>;
  /** A code check: the same throttle, no hashing. */
  withCode<T>(
    username: string,
    actorId: Types.ObjectId,
    caller: Caller,
    work: (attempt: LoginAttempt) => Promise<T>,
  ): Promise<T>;
  /**
   * Re-authentication before a sensitive change (a new address, deleting the account, removing
   * a factor): the signed-in caller's password, and `alsoCheck` (a code) when given, as one
   * attempt that fails unless both are right.
   */
  reauthenticate(
    caller: SignedInCaller,
    password: string,
    alsoCheck?: () => Promise<boolean>,
  ): Promise<{ readonly passwordRight: boolean; readonly alsoRight: boolean }>;
}

/** Settles the attempt by the check's outcome. */
export async function settle(attempt: LoginAttempt, valid: boolean): Promise<boolean> {
  await (valid ? attempt.succeed() : attempt.fail());
  return valid;
}

export function createAttemptGuard(deps: {
  throttle: LoginThrottle;
  hasher: PasswordHasher;
  audit: AuditService;
  /** The stored hash of a user's password, or null when the user is gone. */
  passwordHashOf: (userId: Types.ObjectId) => Promise<string | null>;
  /** The longest password worth hashing (the policy's maximum). */
  maxPasswordLength: number;
}): AttemptGuard {
  const { throttle, hasher, audit, passwordHashOf, maxPasswordLength } = deps;

  async function guarded<T>(
    username: string,
    actorId: Types.ObjectId | null,
    caller: Caller,
    device: string | null,
    work: (attempt: LoginAttempt) => Promise<T>,
  ): Promise<T> {
    const account = normalizeIdentifier(username);
    const attempt = await throttle.begin(account, { ip: caller.ip, device }, (refusal) =>
      // Anyone can send refused attempts at will: one event a minute per account and address.
      audit.recordFolded(
        caller,
        {
          action: 'LOGIN_THROTTLED',
          outcome: 'denied',
          actorId,
          actorName: username,
          details: { reason: refusal.reason, retryAfter: refusal.retryAfter },
        },
        `${account}\u0000${caller.ip ?? ''}`,
      ),
    );
    try {
      return await work(attempt);
    } finally {
      await attempt.abandon();
    }
  }

  const withPassword: AttemptGuard['withPassword'] = (username, actorId, caller, device, work) =>
    guarded(username, actorId, caller, device, (attempt) =>
      hasher.withPermit((permit) => work(attempt, permit), caller.gone),
    );

  return {
    withPassword,
    withCode: (username, actorId, caller, work) => guarded(username, actorId, caller, null, work),
    reauthenticate: (caller, password, alsoCheck = () => Promise.resolve(true)) =>
      withPassword(caller.user.username, caller.user._id, caller, null, async (attempt, permit) => {
        const stored = await passwordHashOf(caller.user._id);
        const passwordRight =
          stored !== null &&
          passwordLength(password) <= maxPasswordLength &&
          (await hasher.verify(permit, stored, password));
        const alsoRight = await alsoCheck();
        await settle(attempt, passwordRight && alsoRight);
        return { passwordRight, alsoRight };
      }),
  };
}
