import { Types } from 'mongoose';
import type { AuditService } from '../audit/service';
import { parseObjectId, toObjectId } from '../db/ids';
import {
  badUserInput,
  incorrectCredentials,
  invalidRefreshToken,
  notFound,
  unauthenticated,
} from '../errors';
import type { SessionRecord } from '../sessions/model';
import type { LoginAttempt, LoginThrottle, Refusal } from '../throttling/service';
import type { ClientInfo, SessionService } from '../sessions/service';
import { findUsernameProblem, normalizeIdentifier } from '../users/identity';
import type { UserRecord } from '../users/model';
import type { Actor, UserService } from '../users/service';
import type { PasswordHasher } from './passwords';
import { findPasswordProblem, passwordLength, type PasswordPolicy } from './password-policy';
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

/** The signed-in caller as the session operations need it. */
export interface SessionOwner {
  readonly user: UserRecord;
  readonly sessionId: string;
}

export type TokenTypeHint = 'access_token' | 'refresh_token' | null;

/**
 * Sign-in, sessions and password changes: one implementation behind the GraphQL mutations and
 * the OAuth2 endpoints alike.
 */
export interface AuthService {
  /** Checks a username and password; every failure is the same UNAUTHENTICATED error. */
  login(username: string, password: string, client: ClientInfo): Promise<SignIn>;
  /** Rotates a refresh token; a retired one revokes its whole family. */
  refresh(refreshToken: string, client: ClientInfo): Promise<SignIn>;
  logout(owner: SessionOwner, client: ClientInfo): Promise<void>;
  logoutAll(owner: SessionOwner, client: ClientInfo): Promise<void>;
  /** Ends one of the owner's sessions; false when it is unknown, ended or someone else's. */
  revokeSession(owner: SessionOwner, sessionId: string, client: ClientInfo): Promise<boolean>;
  revokeUserSessions(userId: string, actor: Actor): Promise<void>;
  changePassword(
    owner: SessionOwner,
    currentPassword: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<SignIn>;
  /** RFC 7009: ends the session behind an access or refresh token; unknown tokens are ignored. */
  revokeToken(token: string, hint: TokenTypeHint, client: ClientInfo): Promise<void>;
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
  function beginAttempt(username: string, actorId: Types.ObjectId | null, client: ClientInfo) {
    return throttle.begin(normalizeIdentifier(username), client.ip, (refusal: Refusal) =>
      audit.record({
        action: 'LOGIN_THROTTLED',
        outcome: 'denied',
        actorId,
        actorName: username,
        ip: client.ip,
        requestId: client.requestId,
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

  async function startSession(user: UserRecord, client: ClientInfo): Promise<SignIn> {
    const { session, refreshToken } = await sessions.start(user._id, user.tokenVersion, client);
    return signIn(user, session, refreshToken);
  }

  return {
    login: (username, password, client) =>
      hasher.withPermit(async (permit) => {
        const fail = async (actorId: Types.ObjectId | null) => {
          await audit.record({
            action: 'LOGIN',
            outcome: 'failure',
            actorId,
            actorName: username,
            ip: client.ip,
            requestId: client.requestId,
          });
          return incorrectCredentials();
        };
        const attempt = await beginAttempt(username, null, client);
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
          await audit.record({
            action: 'PASSWORD_REHASHED',
            outcome: 'success',
            actorId: user._id,
          });
        }
        await audit.record({
          action: 'LOGIN',
          outcome: 'success',
          actorId: user._id,
          ip: client.ip,
          requestId: client.requestId,
        });
        return startSession(user, client);
      }, client.gone),

    async refresh(refreshToken, client) {
      const rotation = await sessions.rotate(refreshToken, client);
      if (rotation.kind === 'reused') {
        await audit.record({
          action: 'REFRESH_TOKEN_REUSE_DETECTED',
          outcome: 'denied',
          actorId: rotation.session.userId,
          targetId: rotation.session._id,
          ip: client.ip,
          requestId: client.requestId,
          details: { sessionRevoked: true },
        });
        throw invalidRefreshToken();
      }
      if (rotation.kind === 'invalid') throw invalidRefreshToken();
      const { session } = rotation;
      const user = await users.findActive(session.userId.toHexString());
      if (!user || user.tokenVersion !== session.tokenVersion) {
        await sessions.revoke(session._id.toHexString(), session.userId, 'sessions revoked');
        throw invalidRefreshToken();
      }
      return signIn(user, session, rotation.refreshToken);
    },

    async logout(owner, client) {
      await sessions.revoke(owner.sessionId, owner.user._id, 'logout');
      await audit.record({
        action: 'SESSION_REVOKED',
        outcome: 'success',
        actorId: owner.user._id,
        targetId: new Types.ObjectId(owner.sessionId),
        ip: client.ip,
        requestId: client.requestId,
        details: { reason: 'logout' },
      });
    },

    async logoutAll(owner, client) {
      await users.revokeAllSessions(owner.user._id);
      await sessions.revokeAllForUser(owner.user._id, 'logout everywhere');
      await audit.record({
        action: 'SESSIONS_REVOKED_ALL',
        outcome: 'success',
        actorId: owner.user._id,
        targetId: owner.user._id,
        ip: client.ip,
        requestId: client.requestId,
      });
    },

    async revokeSession(owner, sessionId, client) {
      const revoked = await sessions.revoke(sessionId, owner.user._id, 'revoked by user');
      if (revoked) {
        await audit.record({
          action: 'SESSION_REVOKED',
          outcome: 'success',
          actorId: owner.user._id,
          targetId: new Types.ObjectId(sessionId),
          ip: client.ip,
          requestId: client.requestId,
        });
      }
      return revoked;
    },

    async revokeUserSessions(userId, actor) {
      const id = parseObjectId(userId, 'userId');
      if (!(await users.revokeAllSessions(id))) throw notFound('User');
      await sessions.revokeAllForUser(id, 'revoked by administrator');
      await audit.record({
        action: 'SESSIONS_REVOKED_ALL',
        outcome: 'success',
        actorId: actor.id,
        targetId: id,
        ip: actor.ip,
        requestId: actor.requestId,
      });
    },

    changePassword: (owner, currentPassword, newPassword, client) =>
      hasher.withPermit(async (permit) => {
        const stored = await users.findWithPasswordHash(owner.user._id);
        if (!stored) throw unauthenticated();
        // The current password is a password guess like any other: same throttle, same audit.
        const attempt = await beginAttempt(stored.username, stored._id, client);
        const currentIsRight = await checked(
          attempt,
          async () =>
            passwordLength(currentPassword) <= policy.maxLength &&
            (await hasher.verify(permit, stored.passwordHash, currentPassword)),
        );
        if (!currentIsRight) {
          await audit.record({
            action: 'PASSWORD_CHANGED',
            outcome: 'failure',
            actorId: stored._id,
            ip: client.ip,
            requestId: client.requestId,
            details: { reason: 'current password incorrect' },
          });
          throw badUserInput('currentPassword', 'is incorrect');
        }
        const problem = findPasswordProblem(newPassword, policy);
        if (problem) throw badUserInput('newPassword', problem);
        if (newPassword === currentPassword) {
          throw badUserInput('newPassword', 'must differ from the current password');
        }

        const tokenVersion = await users.replacePassword(
          stored._id,
          await hasher.hash(permit, newPassword),
        );
        if (tokenVersion === null) throw unauthenticated();
        await sessions.revokeAllForUser(stored._id, 'password changed');
        await audit.record({
          action: 'PASSWORD_CHANGED',
          outcome: 'success',
          actorId: stored._id,
          ip: client.ip,
          requestId: client.requestId,
        });
        const { passwordHash: _omitted, ...user } = stored;
        return startSession({ ...user, tokenVersion }, client);
      }, client.gone),

    async revokeToken(token, hint, client) {
      const revokeSessionOf = async (session: { _id: Types.ObjectId; userId: Types.ObjectId }) => {
        await audit.record({
          action: 'SESSION_REVOKED',
          outcome: 'success',
          actorId: session.userId,
          targetId: session._id,
          ip: client.ip,
          requestId: client.requestId,
          details: { reason: 'token revocation' },
        });
      };
      const asRefresh = async () => {
        const session = await sessions.revokeByRefreshToken(token, 'token revoked');
        if (session) await revokeSessionOf(session);
        return session !== null;
      };
      const asAccess = async () => {
        const claims = tokens.verifyAccessToken(token);
        const userId = claims ? toObjectId(claims.sub) : null;
        const sessionId = claims ? toObjectId(claims.sid) : null;
        if (!userId || !sessionId) return false;
        const revoked = await sessions.revoke(sessionId.toHexString(), userId, 'token revoked');
        if (revoked) await revokeSessionOf({ _id: sessionId, userId });
        return revoked;
      };
      // RFC 7009 section 2.1: the hint orders the search; it never limits it.
      if (hint === 'access_token') {
        if (!(await asAccess())) await asRefresh();
      } else if (!(await asRefresh())) {
        await asAccess();
      }
    },
  };
}
