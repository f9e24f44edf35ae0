import type { Types } from 'mongoose';
import type { AuditService } from '../audit/service';
import type { Caller, SignedInCaller } from '../caller';
import {
  badUserInput,
  incorrectCredentials,
  invalidRefreshToken,
  unauthenticated,
} from '../errors';
import type { PasswordHasher } from '../passwords/hasher';
import { findPasswordProblem, passwordLength, type PasswordPolicy } from '../passwords/policy';
import type { SessionRecord } from '../sessions/model';
import type { SessionService } from '../sessions/service';
import type { LoginAttempt, LoginThrottle, Refusal } from '../throttling/service';
import { findUsernameProblem, normalizeIdentifier } from '../users/identity';
import type { UserRecord } from '../users/model';
import type { UserService } from '../users/service';
import type { TokenService } from './tokens';

/** What every successful sign-in, refresh or password change hands back. */
export interface SignIn {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly refreshExpiresIn: number;
  readonly user: UserRecord;
}

/**
 * The doors that check a password or a refresh token and hand out tokens: one implementation
 * behind the GraphQL mutations and the OAuth2 endpoints alike. Ending sessions is the sessions
 * service's.
 */
export interface AuthService {
  /** Checks a username and password; every failure is the same UNAUTHENTICATED error. */
  login(username: string, password: string, caller: Caller): Promise<SignIn>;
  /** Rotates a refresh token; a retired one revokes its whole family. */
  refresh(refreshToken: string, caller: Caller): Promise<SignIn>;
  changePassword(
    caller: SignedInCaller,
    currentPassword: string,
    newPassword: string,
  ): Promise<SignIn>;
}

export function createAuthService(deps: {
  users: UserService;
  sessions: SessionService;
  hasher: PasswordHasher;
  tokens: TokenService;
  policy: PasswordPolicy;
  audit: AuditService;
  throttle: LoginThrottle;
}): AuthService {
  const { users, sessions, hasher, tokens, policy, audit, throttle } = deps;

  /** Every door that checks a password goes through here first: login, /token, changePassword. */
  function beginAttempt(username: string, actorId: Types.ObjectId | null, caller: Caller) {
    return throttle.begin(normalizeIdentifier(username), caller.ip, (refusal: Refusal) =>
      audit.record(caller, {
        action: 'LOGIN_THROTTLED',
        outcome: 'denied',
        actorId,
        actorName: username,
        details: { reason: refusal.reason, retryAfter: refusal.retryAfter },
      }),
    );
  }

  /** Runs a password check, settling the attempt even when the hasher sheds it. */
  async function checked(attempt: LoginAttempt, check: () => Promise<boolean>): Promise<boolean> {
    try {
      const valid = await check();
      await (valid ? attempt.succeed() : attempt.fail());
      return valid;
    } catch (error) {
      await attempt.abandon();
      throw error;
    }
  }

  function signIn(user: UserRecord, session: SessionRecord, refreshToken: string): SignIn {
    const access = tokens.issueAccessToken({
      userId: user._id.toHexString(),
      sessionId: session._id.toHexString(),
      tokenVersion: user.tokenVersion,
    });
    return {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      refreshToken,
      refreshExpiresIn: sessions.refreshExpiresIn(session),
      user,
    };
  }

  async function startSession(user: UserRecord, caller: Caller): Promise<SignIn> {
    const { session, refreshToken } = await sessions.start(user, caller);
    return signIn(user, session, refreshToken);
  }

  return {
    login: (username, password, caller) =>
      hasher.withPermit(async (permit) => {
        const fail = async (actorId: Types.ObjectId | null) => {
          await audit.record(caller, {
            action: 'LOGIN',
            outcome: 'failure',
            actorId,
            actorName: username,
          });
          return incorrectCredentials();
        };
        const attempt = await beginAttempt(username, null, caller);
        // Over-long input is refused before any hashing: it cannot be anyone's password.
        if (passwordLength(password) > policy.maxLength) {
          await attempt.fail();
          throw await fail(null);
        }
        const found = findUsernameProblem(username) ? null : await users.findForSignIn(username);
        // An unknown username costs the same argon2 work as a wrong password and is throttled
        // the same way, so neither timing nor refusals tell which accounts exist.
        const valid = await checked(attempt, async () =>
          found
            ? (await hasher.verify(permit, found.passwordHash, password)) && !found.disabled
            : hasher.verifyAgainstDummy(permit, password).then(() => false),
        );
        if (!found || !valid) throw await fail(found?._id ?? null);

        const { passwordHash, ...user } = found;
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
        await audit.record(caller, { action: 'LOGIN', outcome: 'success', actorId: user._id });
        return startSession(user, caller);
      }, caller.gone),

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

    changePassword: (caller, currentPassword, newPassword) =>
      hasher.withPermit(async (permit) => {
        const stored = await users.findWithPasswordHash(caller.user._id);
        if (!stored) throw unauthenticated();
        // The current password is a password guess like any other: same throttle, same audit.
        const attempt = await beginAttempt(stored.username, stored._id, caller);
        const currentIsRight = await checked(
          attempt,
          async () =>
            passwordLength(currentPassword) <= policy.maxLength &&
            (await hasher.verify(permit, stored.passwordHash, currentPassword)),
        );
        if (!currentIsRight) {
          await audit.record(caller, {
            action: 'PASSWORD_CHANGED',
            outcome: 'failure',
            actorId: stored._id,
            details: { reason: 'current password incorrect' },
          });
          throw badUserInput('currentPassword', 'is incorrect');
        }
        const problem = findPasswordProblem(newPassword, policy);
        if (problem) throw badUserInput('newPassword', problem);
        if (newPassword === currentPassword) {
          throw badUserInput('newPassword', 'must differ from the current password');
        }

        const replaced = await users.replacePasswordHash(
          stored._id,
          await hasher.hash(permit, newPassword),
        );
        const tokenVersion = replaced
          ? await sessions.endAll(stored._id, 'password changed')
          : null;
        if (tokenVersion === null) throw unauthenticated();
        await audit.record(caller, {
          action: 'PASSWORD_CHANGED',
          outcome: 'success',
          actorId: stored._id,
        });
        const { passwordHash: _omitted, ...user } = stored;
        return startSession({ ...user, tokenVersion }, caller);
      }, caller.gone),
  };
}
