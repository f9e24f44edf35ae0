import { randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** The only module that imports jsonwebtoken: algorithm, claims and tolerance are pinned here. */

const ALGORITHM = 'HS256';
const CLOCK_TOLERANCE_SECONDS = 5;
// Far above any token we issue; refuses absurd headers before any parsing or crypto.
const MAX_TOKEN_LENGTH = 4096;

export interface TokenSettings {
  /** A KeyObject, not a string: jsonwebtoken re-derives a key from a string on every call. */
  readonly secret: KeyObject;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
}

export interface AccessTokenClaims {
  readonly sub: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresIn: number;
}

export interface TokenService {
  issueAccessToken(userId: string): IssuedToken;
  /** The claims of a valid token, or null: every failure looks the same to the caller. */
  verifyAccessToken(token: string): AccessTokenClaims | null;
}

export function createTokenService(settings: TokenSettings): TokenService {
  const signOptions: jwt.SignOptions = {
    algorithm: ALGORITHM,
    issuer: settings.issuer,
    audience: settings.audience,
    expiresIn: settings.accessTokenTtlSeconds,
  };
  const verifyOptions: jwt.VerifyOptions & { complete?: false } = {
    algorithms: [ALGORITHM],
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
  };

  return {
    issueAccessToken(userId) {
      const token = jwt.sign({}, settings.secret, {
        ...signOptions,
        subject: userId,
        jwtid: randomUUID(),
      });
      return { token, expiresIn: settings.accessTokenTtlSeconds };
    },

    verifyAccessToken(token) {
      if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
      let payload: string | jwt.JwtPayload;
      try {
        payload = jwt.verify(token, settings.secret, verifyOptions);
      } catch {
        return null;
      }
      // jsonwebtoken accepts a token without `exp`; a token that never expires is refused here.
      if (
        typeof payload !== 'object' ||
        typeof payload.sub !== 'string' ||
        typeof payload.jti !== 'string' ||
        typeof payload.iat !== 'number' ||
        typeof payload.exp !== 'number'
      ) {
        return null;
      }
      return { sub: payload.sub, jti: payload.jti, iat: payload.iat, exp: payload.exp };
    },
  };
}
