import {
  randomUUID,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import jwt from 'jsonwebtoken';
import {
  algorithmForKey,
  isAsymmetricAlgorithm,
  keyId,
  publicJwk,
  type AsymmetricAlgorithm,
  type JwtAlgorithm,
  type PublicJwk,
} from './signing-keys';

/**
 * The only module that imports jsonwebtoken. Algorithms, claims, key ids and clock tolerance are
 * pinned here (RFC 8725); every verification failure returns the same null. jsonwebtoken has no
 * EdDSA, so Ed25519 signatures go through node:crypto and share the same claim checks.
 */

const CLOCK_TOLERANCE_SECONDS = 5;
// Far above any token we issue; refuses absurd input before any parsing or crypto.
const MAX_TOKEN_LENGTH = 4096;
/** RFC 9068: the media type of JWT access tokens, so no other JWT can pass for one. */
const ACCESS_TOKEN_TYPE = 'at+jwt';

export interface TokenSettings {
  readonly algorithm: JwtAlgorithm;
  /** HS256's key; a KeyObject, never a string: jsonwebtoken re-derives a key from a string per call. */
  readonly secret: KeyObject | null;
  readonly privateKey: KeyObject | null;
  readonly publicKeys: readonly KeyObject[];
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
}

export interface AccessTokenSubject {
  readonly userId: string;
  readonly sessionId: string;
  /** The user's token version when issued: bumping it revokes every token issued before. */
  readonly tokenVersion: number;
  /** How the session was signed in: RFC 8176 values (`pwd`, `otp`, `hwk`, `swk`, `mfa`). */
  readonly authMethods: readonly string[];
  /** When the session was signed in, in seconds since the epoch (`auth_time`). */
  readonly authTime: number;
}

export interface AccessTokenClaims {
  readonly sub: string;
  readonly sid: string;
  readonly ver: number;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  /** RFC 8176 authentication methods; empty for tokens issued before they were recorded. */
  readonly amr: readonly string[];
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresIn: number;
}

/** A token that is ours in every respect but its lifetime: its holder should refresh. */
export const EXPIRED = 'expired';

export interface TokenService {
  issueAccessToken(subject: AccessTokenSubject): IssuedToken;
  /**
   * The claims of a valid access token; EXPIRED for one of ours whose lifetime is over; null for
   * anything else (malformed, forged, another issuer or audience, issued in the future).
   */
  verifyAccessToken(token: string): AccessTokenClaims | typeof EXPIRED | null;
  /** The published verification keys, or null with HS256 (a shared secret is never published). */
  jwks(): { keys: readonly PublicJwk[] } | null;
}

interface VerificationKey {
  readonly algorithm: JwtAlgorithm;
  readonly key: KeyObject;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** A compact JWS: exactly three base64url segments (RFC 7515 section 7.1), none of them empty. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function decodeSegment(segment: string): unknown {
  if (!SEGMENT.test(segment)) return null;
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
  } catch {
    return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function createClaimsValidator(issuer: string, audience: string) {
  return (payload: unknown): AccessTokenClaims | typeof EXPIRED | null => {
    if (!isRecord(payload)) return null;
    const { sub, sid, ver, jti, iat, exp, nbf, iss, aud, amr = [] } = payload;
    const now = Math.floor(Date.now() / 1000);
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (
      typeof sub !== 'string' ||
      typeof sid !== 'string' ||
      typeof jti !== 'string' ||
      !Number.isSafeInteger(ver) ||
      typeof iat !== 'number' ||
      // `exp` is required: jsonwebtoken alone would accept a token that never expires.
      typeof exp !== 'number' ||
      // Issued in the future: a clock far ahead, or a token minted to outlive its lifetime.
      iat - CLOCK_TOLERANCE_SECONDS > now ||
      (nbf !== undefined && (typeof nbf !== 'number' || nbf - CLOCK_TOLERANCE_SECONDS > now)) ||
      iss !== issuer ||
      !audiences.includes(audience) ||
      !Array.isArray(amr) ||
      !amr.every((method) => typeof method === 'string')
    ) {
      return null;
    }
    // Checked last, on a token that is ours in every other respect: its holder may refresh.
    if (exp + CLOCK_TOLERANCE_SECONDS <= now) return EXPIRED;
    return { sub, sid, ver: ver as number, jti, iat, exp, amr: amr };
  };
}

function signEdDsa(header: object, payload: object, privateKey: KeyObject): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(payload)}`;
  return `${signingInput}.${cryptoSign(null, Buffer.from(signingInput), privateKey).toString('base64url')}`;
}

function verifyEdDsa(token: string, key: KeyObject): unknown {
  const [header = '', payload = '', signature = ''] = token.split('.');
  if (!SEGMENT.test(signature)) return null;
  const valid = cryptoVerify(
    null,
    Buffer.from(`${header}.${payload}`),
    key,
    Buffer.from(signature, 'base64url'),
  );
  return valid ? decodeSegment(payload) : null;
}

export function createTokenService(settings: TokenSettings): TokenService {
  const { algorithm, issuer, audience, accessTokenTtlSeconds } = settings;
  const validateClaims = createClaimsValidator(issuer, audience);

  // Decided once: which key signs, under which kid, and which keys verify.
  const verificationKeys = new Map<string | undefined, VerificationKey>();
  let signingKey: KeyObject;
  let signingKid: string | undefined;
  if (algorithm === 'HS256') {
    if (settings.secret === null) throw new Error('HS256 needs a secret');
    signingKey = settings.secret;
    verificationKeys.set(undefined, { algorithm, key: settings.secret });
  } else {
    if (settings.privateKey === null || settings.publicKeys[0] === undefined) {
      throw new Error(`${algorithm} needs a private key`);
    }
    signingKey = settings.privateKey;
    signingKid = keyId(settings.publicKeys[0]);
    for (const key of settings.publicKeys) {
      const keyAlgorithm = algorithmForKey(key);
      if (isAsymmetricAlgorithm(keyAlgorithm)) {
        verificationKeys.set(keyId(key), { algorithm: keyAlgorithm, key });
      }
    }
  }
  const jwks =
    algorithm === 'HS256'
      ? null
      : {
          keys: Object.freeze(
            [...verificationKeys.values()].map(({ key, algorithm: keyAlgorithm }) =>
              publicJwk(key, keyAlgorithm as AsymmetricAlgorithm),
            ),
          ),
        };
  const header = {
    alg: algorithm,
    typ: ACCESS_TOKEN_TYPE,
    ...(signingKid ? { kid: signingKid } : {}),
  };

  function verifySignature(token: string): unknown {
    const [headerSegment = ''] = token.split('.', 1);
    const decoded = decodeSegment(headerSegment);
    if (!isRecord(decoded) || typeof decoded.alg !== 'string') return null;
    // RFC 7515 section 4.1.11: extensions marked critical must be understood; we understand none.
    if (decoded.crit !== undefined) return null;
    const typ = typeof decoded.typ === 'string' ? decoded.typ.toLowerCase() : '';
    if (typ !== ACCESS_TOKEN_TYPE && typ !== `application/${ACCESS_TOKEN_TYPE}`) return null;
    const kid = typeof decoded.kid === 'string' ? decoded.kid : undefined;
    const candidate = verificationKeys.get(algorithm === 'HS256' ? undefined : kid);
    // The algorithm comes from our key, never from the token's header.
    if (!candidate || candidate.algorithm !== decoded.alg) return null;
    if (candidate.algorithm === 'EdDSA') return verifyEdDsa(token, candidate.key);
    try {
      return jwt.verify(token, candidate.key, {
        algorithms: [candidate.algorithm],
        issuer,
        audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        // The claims validator checks `exp` once the rest is known good, to tell expiry apart.
        ignoreExpiration: true,
      });
    } catch {
      return null;
    }
  }

  return {
    issueAccessToken({ userId, sessionId, tokenVersion, authMethods, authTime }) {
      const iat = Math.floor(Date.now() / 1000);
      const payload = {
        iss: issuer,
        aud: audience,
        sub: userId,
        sid: sessionId,
        ver: tokenVersion,
        amr: authMethods,
        auth_time: authTime,
        jti: randomUUID(),
        iat,
        exp: iat + accessTokenTtlSeconds,
      };
      const token =
        algorithm === 'EdDSA'
          ? signEdDsa(header, payload, signingKey)
          : jwt.sign(payload, signingKey, { algorithm, header });
      return { token, expiresIn: accessTokenTtlSeconds };
    },

    verifyAccessToken(token) {
      if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) return null;
      return validateClaims(verifySignature(token));
    },

    jwks: () => jwks,
  };
}
