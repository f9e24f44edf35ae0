import { incorrectCredentials } from '../errors';
import { findUsernameProblem } from '../users/identity';
import type { UserRecord } from '../users/model';
import type { UserService } from '../users/service';
import type { PasswordHasher } from './passwords';
import type { PasswordPolicy } from './password-policy';
import { passwordLength } from './password-policy';
import type { TokenService } from './tokens';

export interface SignIn {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly user: UserRecord;
}

export interface AuthService {
  /** Checks a username and password; every failure is the same UNAUTHENTICATED error. */
  login(username: string, password: string): Promise<SignIn>;
}

export function createAuthService(deps: {
  users: UserService;
  hasher: PasswordHasher;
  tokens: TokenService;
  policy: PasswordPolicy;
}): AuthService {
  const { users, hasher, tokens, policy } = deps;

  return {
    async login(username, password) {
      // Over-long input is refused before any hashing: it cannot be anyone's password.
      if (passwordLength(password) > policy.maxLength) throw incorrectCredentials();
      const user = findUsernameProblem(username) ? null : await users.findForSignIn(username);
      if (!user) {
        // Same argon2 work as a real check, so response time does not reveal unknown usernames.
        await hasher.verifyAgainstDummy(password);
        throw incorrectCredentials();
      }
      const valid = await hasher.verify(user.passwordHash, password);
      if (!valid || user.disabled) throw incorrectCredentials();

      const { passwordHash: _omitted, ...record } = user;
      const issued = tokens.issueAccessToken(record._id.toHexString());
      return {
        accessToken: issued.token,
        tokenType: 'Bearer',
        expiresIn: issued.expiresIn,
        user: record,
      };
    },
  };
}
