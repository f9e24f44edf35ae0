import type { Types } from 'mongoose';
import type { AccountTokens } from '../account-tokens/service';
import type { AuditService } from '../audit/service';
import type { Caller, SignedInCaller } from '../caller';
import {
  badUserInput,
  conflict,
  featureOff,
  emailNotVerified,
  incorrectCredentials,
  incorrectInput,
  invalidLinkToken,
  invalidRefreshToken,
  mfaChallengeInvalid,
  mfaRequired,
} from '../errors';
import type { Logger } from '../logger';
import type { Passkeys } from '../mfa/passkeys';
import type { MfaService, PendingReset } from '../mfa/service';
import type { HashPermit, PasswordHasher } from '../passwords/hasher';
import { findPasswordProblem, passwordLength, type PasswordPolicy } from '../passwords/policy';
import type { SessionRecord } from '../sessions/model';
import type { SessionService } from '../sessions/service';
import type { Devices } from '../throttling/devices';
import type { MailThrottle } from '../throttling/mail';
import { findEmailProblem, findUsernameProblem, normalizeIdentifier } from '../users/identity';
import type { UserRecord } from '../users/model';
import type { EmailVerification } from '../users/email-verification';
import type { UserService } from '../users/service';
import { settle, type AttemptGuard } from './attempts';
import type { ResetLinkMailer } from './reset-links';
import type { TokenService } from './tokens';

/** What every successful sign-in, refresh or password change hands back. */
export interface SignIn {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly refreshExpiresIn: number;
  readonly user: UserRecord;
  /** After a sign-in with a password: this client's device token for the account. */
  readonly deviceToken: string | null;
  /** After a sign-in completed with a recovery code: how many the user has left. */
  readonly recoveryCodesRemaining: number | null;
}

/**
 * The doors that check a password or a refresh token and hand out tokens: one implementation
 * behind the GraphQL mutations and the OAuth2 endpoints alike. Ending sessions is the sessions
 * service's.
 */
export interface AuthService {
  /**
   * Checks a username and password; every failure is the same UNAUTHENTICATED error. A device
   * token from an earlier sign-in to the account lets the client through an account-wide lock.
   */
  login(
    username: string,
    password: string,
    caller: Caller,
    deviceToken?: string | null,
  ): Promise<SignIn>;
  /**
   * The second step of a sign-in that answered MFA_REQUIRED: the challenge and a TOTP or
   * recovery code. Wrong codes count against the account like wrong passwords.
   */
  completeMfaSignIn(
    challenge: string,
    proof: { readonly code?: string | null; readonly passkey?: string | null },
    caller: Caller,
  ): Promise<SignIn>;
  /** Signs in with a passkey alone (a discoverable credential, user verified): two factors. */
  passkeySignIn(response: string, caller: Caller): Promise<SignIn>;
  /** Rotates a refresh token; a retired one revokes its whole family. */
  refresh(refreshToken: string, caller: Caller): Promise<SignIn>;
  changePassword(
    caller: SignedInCaller,
    currentPassword: string,
    newPassword: string,
  ): Promise<SignIn>;
  /**
   * Mails a reset link to the active account with this address, if there is one. Answers at once
   * and the same way whatever the address: the lookup and the mail happen after the answer.
   */
  requestPasswordReset(email: string, caller: Caller): Promise<void>;
  /** Sets a new password with a reset link's token, ends every session, signs in a new one. */
  resetPassword(token: string, newPassword: string, caller: Caller): Promise<SignIn>;
  /**
   * The caller's own change of full name or address (`updateMe`); a new address needs the
   * current password, checked like a sign-in, so a stolen session cannot take over the account
   * through a reset link mailed to an address of its choosing.
   */
  updateProfile(
    caller: SignedInCaller,
    input: {
      readonly email?: string | null;
      readonly fullName?: string | null;
      readonly currentPassword?: string | null;
    },
  ): Promise<UserRecord>;
  /**
   * Deletes the caller's own account once their password is checked (a password guess like any
   * other: same throttle, same audit). A wrong one is INCORRECT on `password`.
   */
  deleteAccount(caller: SignedInCaller, password: string): Promise<void>;
  /** Signs in an account made in this request from an emailed link, with the password it chose. */
  signInNewAccount(user: UserRecord, caller: Caller): Promise<SignIn>;
}

/** Password reset by email: PASSWORD_RESET and PASSWORD_RESET_TTL. */
export interface PasswordResetSettings {
  readonly enabled: boolean;
  readonly ttlSeconds: number;
}

/** RFC 8176: a sign-in with a password alone. */
const PASSWORD_ONLY: readonly string[] = Object.freeze(['pwd']);
/** RFC 8176: a password and a one-time code (TOTP, or a recovery code). */
const TWO_FACTORS: readonly string[] = Object.freeze(['pwd', 'otp', 'mfa']);

/** The user as a password change leaves them: a new token version, nothing more to change. */
function withNewPassword(user: UserRecord, tokenVersion: number): UserRecord {
  return { ...user, tokenVersion, mustChangePassword: null };
}

export function createAuthService(deps: {
  users: UserService;
  sessions: SessionService;
  hasher: PasswordHasher;
  tokens: TokenService;
  policy: PasswordPolicy;
  audit: AuditService;
  attempts: AttemptGuard;
  mfa: MfaService;
  passkeys: Passkeys;
  devices: Devices;
  passwordReset: PasswordResetSettings;
  emailVerification: EmailVerification & { readonly required: boolean };
  accountTokens: AccountTokens;
  mailThrottle: MailThrottle;
  mailResetLink: ResetLinkMailer;
  logger: Logger;
}): AuthService {
  const { users, sessions, hasher, tokens, policy, audit, attempts, devices, mfa, passkeys } = deps;
  const { passwordReset, accountTokens, mailThrottle, logger, mailResetLink, emailVerification } =
    deps;

  /** After the answer: finds the account and mails it a reset link. */
  async function sendPasswordReset(recipient: string, caller: Caller): Promise<void> {
    const user = await users.findActiveByEmail(recipient);
    if (user) mailResetLink(user, 'PASSWORD_RESET_REQUESTED', caller);
  }

  /** Whether `password` is the one `storedHash` was made from; over-long input never is. */
  async function isPassword(permit: HashPermit, storedHash: string, password: string) {
    return (
      passwordLength(password) <= policy.maxLength && hasher.verify(permit, storedHash, password)
    );
  }

  function signIn(
    user: UserRecord,
    session: SessionRecord,
    refreshToken: string,
    deviceToken: string | null = null,
    recoveryCodesRemaining: number | null = null,
  ): SignIn {
    const access = tokens.issueAccessToken({
      userId: user._id.toHexString(),
      sessionId: session._id.toHexString(),
      tokenVersion: user.tokenVersion,
      // Sessions from before methods were recorded were all signed in with a password.
      authMethods: session.authMethods ?? PASSWORD_ONLY,
      authTime: Math.floor(session.createdAt.getTime() / 1000),
    });
    return {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      refreshToken,
      refreshExpiresIn: sessions.refreshExpiresIn(session),
      user,
      deviceToken,
      recoveryCodesRemaining,
    };
  }

  async function startSession(
    user: UserRecord,
    caller: Caller,
    deviceToken: string | null = null,
    authMethods: readonly string[] = PASSWORD_ONLY,
  ): Promise<SignIn> {
    const { session, refreshToken } = await sessions.start(user, caller, authMethods);
    return signIn(user, session, refreshToken, deviceToken);
  }

  /**
   * Sets a reset's new password, confirms the address the link reached, ends every session and
   * starts a new one (with `authMethods`, when the reset also took a second factor).
   */
  async function applyReset(
    user: UserRecord,
    reset: PendingReset,
    caller: Caller,
    deviceToken: string | null = null,
    authMethods: readonly string[] = PASSWORD_ONLY,
  ): Promise<SignIn> {
    const outcome = await users.replacePasswordHash(user._id, user.tokenVersion, () =>
      Promise.resolve(reset.passwordHash),
    );
    if (outcome.kind !== 'changed') {
      throw conflict('The account changed while the password was being reset');
    }
    // The link reached the mailbox: that confirms the address too.
    await emailVerification.confirm(user._id, reset.email);
    await sessions.endAll(user._id, 'password reset', { tokenVersion: outcome.tokenVersion });
    await audit.record(caller, { action: 'PASSWORD_RESET', outcome: 'success', actorId: user._id });
    return startSession(
      withNewPassword(user, outcome.tokenVersion),
      caller,
      deviceToken,
      authMethods,
    );
  }

  return {
    login: async (username, password, caller, deviceToken = null) => {
      const account = normalizeIdentifier(username);
      const device = await devices.recognise(deviceToken, account);
      return attempts.withPassword(username, null, caller, device, async (attempt, permit) => {
        const fail = async (actorId: Types.ObjectId | null) => {
          await audit.record(caller, {
            action: 'LOGIN',
            outcome: 'failure',
            actorId,
            actorName: username,
          });
          return incorrectCredentials();
        };
        // Over-long input is refused before any hashing: it cannot be anyone's password.
        if (passwordLength(password) > policy.maxLength) {
          await attempt.fail();
          throw await fail(null);
        }
        const found = findUsernameProblem(username) ? null : await users.findForSignIn(username);
        // An unknown username costs the same argon2 work as a wrong password and is throttled
        // the same way, so neither timing nor refusals tell which accounts exist.
        const valid = found
          ? (await hasher.verify(permit, found.passwordHash, password)) && !found.disabled
          : await hasher.verifyAgainstDummy(permit, password).then(() => false);
        if (!found || !valid) {
          await attempt.fail();
          throw await fail(found?._id ?? null);
        }
        const { passwordHash, ...user } = found;
        const methods = mfa.methodsOf(user);
        // With a second factor, the right password is not yet a success: a success would wipe
        // the account's failures, and wrong codes must keep adding up. The attempt is left
        // unsettled (counted per address only); the code decides.
        if (methods.length === 0) await attempt.succeed();

        // The right password, told only now: the address must be confirmed first.
        if (emailVerification.required && user.email && user.emailVerified !== true) {
          await audit.record(caller, {
            action: 'LOGIN',
            outcome: 'denied',
            actorId: user._id,
            details: { reason: 'email address not confirmed' },
          });
          throw emailNotVerified();
        }
        if (hasher.needsRehash(passwordHash)) {
          await users.upgradePasswordHash(
            user._id,
            passwordHash,
            await hasher.hash(permit, password),
          );
          await audit.record(caller, {
            action: 'PASSWORD_REHASHED',
            outcome: 'success',
            actorId: user._id,
          });
        }
        if (methods.length > 0) {
          // The password was right, told only now; the session waits for the second factor.
          await audit.record(caller, {
            action: 'LOGIN',
            outcome: 'denied',
            actorId: user._id,
            details: { reason: 'second factor required' },
          });
          throw mfaRequired(
            await mfa.issueChallenge({ userId: user._id, account }, caller),
            methods,
          );
        }
        await audit.record(caller, { action: 'LOGIN', outcome: 'success', actorId: user._id });
        // A device the client already holds stays its device; any other gets a new token.
        const token =
          device !== null && deviceToken ? deviceToken : await devices.issue(account, user._id);
        return startSession(user, caller, token);
      });
    },

    async completeMfaSignIn(challenge, proof, caller) {
      const code = proof.code ?? null;
      const passkey = proof.passkey ?? null;
      if ((code === null) === (passkey === null)) {
        throw badUserInput(code === null ? 'code' : 'passkey', {
          reason: code === null ? 'REQUIRED' : 'NOT_ALLOWED',
          message: 'or passkey: exactly one is needed',
        });
      }
      const subject = await mfa.findChallenge(challenge, caller);
      const user = subject && (await users.findActive(subject.userId.toHexString()));
      if (!subject || !user) throw mfaChallengeInvalid();
      const used = await attempts.withCode(user.username, user._id, caller, async (attempt) => {
        const accepted =
          code !== null
            ? await mfa.useSecondFactor(user._id, code)
            : await passkeys
                .verifySignIn(passkey ?? '', user._id)
                .then((use) =>
                  use ? { method: 'PASSKEY' as const, keyMethod: use.keyMethod } : null,
                );
        await settle(attempt, accepted !== null);
        return accepted;
      });
      if (!used) {
        // A challenge takes a few wrong codes, then the password must be given again.
        await mfa.recordMiss(challenge);
        await audit.record(caller, {
          action: 'LOGIN',
          outcome: 'failure',
          actorId: user._id,
          details: { reason: 'second factor incorrect' },
        });
        throw incorrectInput(code !== null ? 'code' : 'passkey');
      }
      if (!(await mfa.spendChallenge(challenge))) throw mfaChallengeInvalid();
      await audit.record(caller, {
        action: 'LOGIN',
        outcome: 'success',
        actorId: user._id,
        details: { secondFactor: used.method },
      });
      const device = await devices.issue(subject.account, user._id);
      const factors = 'keyMethod' in used ? ['pwd', used.keyMethod, 'mfa'] : TWO_FACTORS;
      // The second step of a password reset: only now does the new password take effect.
      const signIn = subject.reset
        ? await applyReset(user, subject.reset, caller, device, factors)
        : await startSession(user, caller, device, factors);
      return {
        ...signIn,
        recoveryCodesRemaining:
          'recoveryCodesRemaining' in used ? used.recoveryCodesRemaining : null,
      };
    },

    async passkeySignIn(response, caller) {
      const use = await passkeys.verifySignIn(response, null);
      const user = use && (await users.findActive(use.userId.toHexString()));
      if (!use || !user) {
        // Anyone can send refused assertions at will: one event a minute per client address.
        await audit.recordFolded(
          caller,
          { action: 'LOGIN', outcome: 'failure', details: { reason: 'passkey refused' } },
          `passkey\u0000${caller.ip ?? ''}`,
        );
        throw incorrectCredentials();
      }
      if (emailVerification.required && user.email && user.emailVerified !== true) {
        throw emailNotVerified();
      }
      await audit.record(caller, {
        action: 'LOGIN',
        outcome: 'success',
        actorId: user._id,
        details: { method: 'PASSKEY' },
      });
      // User verification on the device makes the passkey two factors in one.
      return startSession(user, caller, null, [use.keyMethod, 'mfa']);
    },

    async refresh(refreshToken, caller) {
      const rotation = await sessions.rotate(refreshToken, caller);
      if (rotation.kind !== 'rotated') throw invalidRefreshToken();
      const { session } = rotation;
      const user = await users.findActive(session.userId.toHexString());
      if (!user || user.tokenVersion !== session.tokenVersion) {
        await sessions.revokeStale(session);
        throw invalidRefreshToken();
      }
      return signIn(user, session, rotation.refreshToken);
    },

    async changePassword(caller, currentPassword, newPassword) {
      const problem = findPasswordProblem(newPassword, policy);
      if (problem) throw badUserInput('newPassword', problem);
      if (newPassword === currentPassword) {
        throw badUserInput('newPassword', {
          reason: 'UNCHANGED',
          message: 'must differ from the current password',
        });
      }
      const { user } = caller;
      // The current password is a password guess like any other: same throttle, same audit.
      const outcome = await attempts.withPassword(
        user.username,
        user._id,
        caller,
        null,
        (attempt, permit) =>
          // The check and the write are one step under the user's lock: of concurrent changes made
          // with the same session, the first wins and the others find its token version moved.
          users.replacePasswordHash(user._id, user.tokenVersion, async (storedHash) => {
            const currentIsRight = await settle(
              attempt,
              await isPassword(permit, storedHash, currentPassword),
            );
            return currentIsRight ? hasher.hash(permit, newPassword) : null;
          }),
      );
      if (outcome.kind === 'stale') throw conflict('The password was changed by another request');
      if (outcome.kind === 'refused') {
        await audit.record(caller, {
          action: 'PASSWORD_CHANGED',
          outcome: 'failure',
          actorId: user._id,
          details: { reason: 'current password incorrect' },
        });
        throw incorrectInput('currentPassword');
      }
      await sessions.endAll(user._id, 'password changed', { tokenVersion: outcome.tokenVersion });
      await audit.record(caller, {
        action: 'PASSWORD_CHANGED',
        outcome: 'success',
        actorId: user._id,
      });
      // The new session was proven the way the old one was, and by the password just given.
      const authMethods = [...new Set(['pwd', ...(caller.authMethods ?? [])])];
      return startSession(withNewPassword(user, outcome.tokenVersion), caller, null, authMethods);
    },

    async requestPasswordReset(email, caller) {
      if (!passwordReset.enabled) throw featureOff('Password reset');
      const problem = findEmailProblem(email);
      if (problem) throw badUserInput('email', problem);
      // The same work before the answer for every address: count the request, nothing else.
      await mailThrottle.admitRequest(caller.ip);
      sendPasswordReset(normalizeIdentifier(email), caller).catch((error: unknown) => {
        logger.error({ err: error, requestId: caller.requestId }, 'password reset failed');
      });
    },

    async updateProfile(caller, input) {
      const changes = {
        ...(input.email === undefined ? {} : { email: input.email }),
        ...(input.fullName === undefined ? {} : { fullName: input.fullName }),
      };
      users.checkProfile(changes);
      const { user } = caller;
      // Any change of the address as written is a move: mail goes to it as written, and a look-alike
      // that normalizes the same could still send it somewhere else.
      const moving = typeof input.email === 'string' && input.email !== user.email;
      if (moving) {
        const password = input.currentPassword ?? '';
        if (password === '') {
          throw badUserInput('currentPassword', {
            reason: 'REQUIRED',
            message: 'is required to change the email address',
          });
        }
        const { passwordRight: right } = await attempts.reauthenticate(caller, password);
        if (!right) throw incorrectInput('currentPassword');
      }
      return users.updateProfile(caller, changes);
    },

    async deleteAccount(caller, password) {
      const { user } = caller;
      const { passwordRight: confirmed } = await attempts.reauthenticate(caller, password);
      if (!confirmed) {
        await audit.record(caller, {
          action: 'USER_DELETED',
          outcome: 'failure',
          targetId: user._id,
          details: { reason: 'password incorrect' },
        });
        throw incorrectInput('password');
      }
      await users.delete(user._id.toHexString(), caller, { ownAccount: true });
    },

    async signInNewAccount(user, caller) {
      await audit.record(caller, { action: 'LOGIN', outcome: 'success', actorId: user._id });
      return startSession(user, caller);
    },

    async resetPassword(token, newPassword, caller) {
      if (!passwordReset.enabled) throw featureOff('Password reset');
      // The password first: a refused one must not spend the link.
      const problem = findPasswordProblem(newPassword, policy);
      if (problem) throw badUserInput('newPassword', problem);
      // Spent inside the hashing slot: a request shed for load leaves the link unused.
      const { user, email, passwordHash } = await hasher.withPermit(async (permit) => {
        const spent = await accountTokens.consume(token, 'PASSWORD_RESET');
        // Read fresh, not from the request cache: a factor added a moment ago must count.
        const found = spent && (await users.findWithPasswordHash(spent.userId));
        if (!found || found.disabled || !spent.email || found.emailNormalized !== spent.email) {
          throw invalidLinkToken();
        }
        const { passwordHash: _stored, ...account } = found;
        return {
          user: account,
          email: spent.email,
          passwordHash: await hasher.hash(permit, newPassword),
        };
      }, caller.gone);
      // A mailbox is one factor: with a second one, nothing changes until it is given too.
      const methods = mfa.methodsOf(user);
      if (methods.length > 0) {
        throw mfaRequired(
          await mfa.issueChallenge({ userId: user._id, account: user.usernameNormalized }, caller, {
            passwordHash,
            email,
          }),
          methods,
        );
      }
      return applyReset(user, { passwordHash, email }, caller);
    },
  };
}
