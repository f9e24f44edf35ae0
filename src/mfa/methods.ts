import type { Types } from 'mongoose';
import type { SignedInCaller } from '../caller';
import type { AttemptGuard } from '../auth/attempts';
import { accessRefusal, incorrectInput } from '../errors';
import type { UserRecord } from '../users/model';
import type { UserStore } from '../users/store';

/** A second factor a user can set up, as `User.mfaMethods` lists it. */
export type MfaMethod = 'TOTP' | 'PASSKEY';

/**
 * Adds or removes a method in the user's list, under the user's lock: the list is read on every
 * request (the policy and the sign-in use it), so it changes only here.
 */
export async function setMfaMethod(
  store: UserStore,
  userId: Types.ObjectId,
  method: MfaMethod,
  /** Whether the method is on, or a check of its records made inside the lock (so a removal
   * racing an addition cannot drop a method whose records remain). */
  on: boolean | (() => Promise<boolean>),
): Promise<void> {
  await store.withUserLock(userId, async (lease) => {
    const user = await store.model.findById(userId).lean<UserRecord>();
    if (!user) return;
    const stays = typeof on === 'boolean' ? on : await on();
    const others = (user.mfaMethods ?? []).filter((existing) => existing !== method);
    lease.assertHeld();
    await store.model.updateOne(
      { _id: userId },
      { $set: { mfaMethods: stays ? [...others, method] : others } },
    );
  });
}

/**
 * A new factor is bound only by a session that proved an existing one (NIST 800-63B 6.1.2.1): a
 * session from a stolen password must not add its own passkey next to the victim's TOTP.
 */
export function refuseUnlessProvenFactors(caller: SignedInCaller): void {
  const enrolled = (caller.user.mfaMethods ?? []).length > 0;
  if (enrolled && !caller.authMethods?.includes('mfa')) throw accessRefusal('mfa-required');
}

/** The caller's password, checked like a sign-in before a factor is bound. */
export async function refuseUnlessPassword(
  attempts: Pick<AttemptGuard, 'reauthenticate'>,
  caller: SignedInCaller,
  password: string,
): Promise<void> {
  const { passwordRight } = await attempts.reauthenticate(caller, password);
  if (!passwordRight) throw incorrectInput('password');
}
