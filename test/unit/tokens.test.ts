import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { keyId } from '../../src/auth/signing-keys';
import { createTokenService, EXPIRED, type TokenSettings } from '../../src/auth/tokens';

const secretBytes = randomBytes(32);
const base = {
  issuer: 'issuer-under-test',
  audience: 'audience-under-test',
  accessTokenTtlSeconds: 900,
};
const hmacSettings: TokenSettings = {
  ...base,
  algorithm: 'HS256',
  secret: createSecretKey(secretBytes),
  privateKey: null,
  publicKeys: [],
};
const tokens = createTokenService(hmacSettings);
const subject = {
  userId: 'user-1',
  sessionId: 'session-1',
  tokenVersion: 3,
  authMethods: ['pwd', 'otp', 'mfa'],
  authTime: 1_700_000_000,
};
const now = () => Math.floor(Date.now() / 1000);

function forge(payload: object, options: jwt.SignOptions = {}, secret: jwt.Secret = secretBytes) {
  return jwt.sign(payload, secret, {
    algorithm: 'HS256',
    header: { alg: options.algorithm ?? 'HS256', typ: 'at+jwt' },
    ...options,
  });
}

const validClaims = () => ({
  sub: 'user-1',
  sid: 'session-1',
  ver: 3,
  jti: 'id-1',
  iss: base.issuer,
  aud: base.audience,
  iat: now(),
  exp: now() + 60,
});

function asymmetric(
  algorithm: 'EdDSA' | 'ES256' | 'RS256',
  privateKey: KeyObject,
  publicKeys: KeyObject[],
): TokenSettings {
  return { ...base, algorithm, secret: null, privateKey, publicKeys };
}

const keyPairs = {
  EdDSA: () => generateKeyPairSync('ed25519'),
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
};

describe('HS256 access tokens', () => {
  test('when a token is issued, then it verifies with every required claim and typ at+jwt', () => {
    const issued = tokens.issueAccessToken(subject);
    expect(issued.expiresIn).toBe(900);
    const claims = tokens.verifyAccessToken(issued.token);
    expect(claims).toMatchObject({ sub: 'user-1', sid: 'session-1', ver: 3 });
    if (typeof claims !== 'object' || claims === null) throw new Error('expected claims');
    expect(claims.exp).toBe(claims.iat + 900);
    const decoded = jwt.decode(issued.token, { complete: true });
    expect(decoded?.header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
    expect(decoded?.payload).toMatchObject({
      iss: base.issuer,
      aud: base.audience,
      amr: ['pwd', 'otp', 'mfa'],
      auth_time: 1_700_000_000,
    });
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(tokens.jwks()).toBeNull();
  });

  test('when two tokens are issued, then their jti differ', () => {
    const jtiOf = (token: string) => {
      const claims = tokens.verifyAccessToken(token);
      return typeof claims === 'object' ? claims?.jti : undefined;
    };
    const first = jtiOf(tokens.issueAccessToken(subject).token);
    const second = jtiOf(tokens.issueAccessToken(subject).token);
    expect(first).toBeDefined();
    expect(first).not.toBe(second);
  });

  test('when a token is forged with alg none, then it is refused', () => {
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(validClaims())}.`;
    expect(tokens.verifyAccessToken(unsigned)).toBeNull();
  });

  test('when a token uses another algorithm with the real secret, then it is refused', () => {
    expect(tokens.verifyAccessToken(forge(validClaims(), { algorithm: 'HS512' }))).toBeNull();
  });

  test('when a JWT is not typed as an access token, then it is refused', () => {
    expect(tokens.verifyAccessToken(forge(validClaims()))).not.toBeNull();
    const plain = jwt.sign(validClaims(), secretBytes, { algorithm: 'HS256' });
    expect(tokens.verifyAccessToken(plain)).toBeNull();
    const idToken = jwt.sign(validClaims(), secretBytes, {
      algorithm: 'HS256',
      header: { alg: 'HS256', typ: 'id+jwt' },
    });
    expect(tokens.verifyAccessToken(idToken)).toBeNull();
  });

  test('when the payload is tampered with, then it is refused', () => {
    const [header, , signature] = forge(validClaims()).split('.');
    const payload = Buffer.from(JSON.stringify({ ...validClaims(), sub: 'admin' })).toString(
      'base64url',
    );
    expect(tokens.verifyAccessToken(`${header}.${payload}.${signature}`)).toBeNull();
  });

  test('when a token is signed with another secret, then it is refused', () => {
    expect(tokens.verifyAccessToken(forge(validClaims(), {}, randomBytes(32)))).toBeNull();
  });

  test('when a token expired beyond the 5 s tolerance, then it is reported expired, not valid', () => {
    expect(tokens.verifyAccessToken(forge({ ...validClaims(), exp: now() - 6 }))).toBe(EXPIRED);
    expect(tokens.verifyAccessToken(forge({ ...validClaims(), exp: now() - 2 }))).toMatchObject({
      sub: validClaims().sub,
    });
    // Expiry is told only of a token that is ours in every other respect.
    const forged = forge({ ...validClaims(), exp: now() - 60 }, {}, randomBytes(32));
    expect(tokens.verifyAccessToken(forged)).toBeNull();
    const foreign = forge({ ...validClaims(), exp: now() - 60, aud: 'someone-else' });
    expect(tokens.verifyAccessToken(foreign)).toBeNull();
  });

  test('when a token is not yet valid, then it is refused', () => {
    expect(tokens.verifyAccessToken(forge({ ...validClaims(), nbf: now() + 60 }))).toBeNull();
  });

  test('when a token has no exp, then it is refused', () => {
    const { exp: _exp, ...claims } = validClaims();
    expect(tokens.verifyAccessToken(forge(claims))).toBeNull();
  });

  test('when the issuer or audience is wrong, then it is refused', () => {
    expect(tokens.verifyAccessToken(forge({ ...validClaims(), iss: 'other' }))).toBeNull();
    expect(tokens.verifyAccessToken(forge({ ...validClaims(), aud: 'other' }))).toBeNull();
  });

  test('when a required claim is missing, then it is refused', () => {
    for (const claim of ['sub', 'sid', 'ver', 'jti', 'iat'] as const) {
      const claims: Record<string, unknown> = validClaims();
      delete claims[claim];
      expect(tokens.verifyAccessToken(forge(claims, { noTimestamp: true }))).toBeNull();
    }
  });

  test('when the token is garbage or absurdly long, then it is refused', () => {
    expect(tokens.verifyAccessToken('')).toBeNull();
    expect(tokens.verifyAccessToken('not.a.token')).toBeNull();
    expect(tokens.verifyAccessToken('a'.repeat(10_000))).toBeNull();
  });
});

describe.each(['EdDSA', 'ES256', 'RS256'] as const)('%s access tokens', (algorithm) => {
  const current = keyPairs[algorithm]();
  const service = createTokenService(
    asymmetric(algorithm, current.privateKey, [current.publicKey]),
  );

  test('when a token is issued, then it carries the key id and verifies', () => {
    const { token } = service.issueAccessToken(subject);
    const decoded = jwt.decode(token, { complete: true });
    expect(decoded?.header).toEqual({
      alg: algorithm,
      typ: 'at+jwt',
      kid: keyId(current.publicKey),
    });
    expect(service.verifyAccessToken(token)).toMatchObject({ sub: 'user-1', sid: 'session-1' });
  });

  test('when the kid is unknown or missing, then the token is refused', () => {
    const { token } = service.issueAccessToken(subject);
    const [, payload, signature] = token.split('.');
    for (const header of [
      { alg: algorithm, typ: 'at+jwt', kid: 'unknown' },
      { alg: algorithm, typ: 'at+jwt' },
    ]) {
      const rebuilt = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${signature}`;
      expect(service.verifyAccessToken(rebuilt)).toBeNull();
    }
  });

  test('when an HS256 token is signed with the public key as secret, then it is refused', () => {
    const publicPem = current.publicKey.export({ format: 'pem', type: 'spki' });
    const confused = jwt.sign(validClaims(), publicPem, {
      algorithm: 'HS256',
      header: { alg: 'HS256', typ: 'at+jwt', kid: keyId(current.publicKey) },
    });
    expect(service.verifyAccessToken(confused)).toBeNull();
  });

  test('when the key is rotated, then old tokens verify until their key is retired', () => {
    const { token: oldToken } = service.issueAccessToken(subject);
    const next = keyPairs[algorithm]();
    const rotated = createTokenService(
      asymmetric(algorithm, next.privateKey, [next.publicKey, current.publicKey]),
    );
    expect(rotated.verifyAccessToken(oldToken)).not.toBeNull();
    expect(rotated.jwks()?.keys.map((key) => key.kid)).toEqual([
      keyId(next.publicKey),
      keyId(current.publicKey),
    ]);
    const retired = createTokenService(asymmetric(algorithm, next.privateKey, [next.publicKey]));
    expect(retired.verifyAccessToken(oldToken)).toBeNull();
    expect(retired.verifyAccessToken(rotated.issueAccessToken(subject).token)).not.toBeNull();
  });

  test('when the JWKS is published, then it holds public members only', () => {
    const [jwk] = service.jwks()?.keys ?? [];
    expect(jwk).toMatchObject({ alg: algorithm, use: 'sig', kid: keyId(current.publicKey) });
    expect(jwk).not.toHaveProperty('d');
  });
});
