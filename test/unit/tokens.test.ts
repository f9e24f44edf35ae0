import { createSecretKey, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { createTokenService } from '../../src/auth/tokens';

const secretBytes = randomBytes(32);
const settings = {
  secret: createSecretKey(secretBytes),
  issuer: 'issuer-under-test',
  audience: 'audience-under-test',
  accessTokenTtlSeconds: 900,
};
const tokens = createTokenService(settings);
const now = () => Math.floor(Date.now() / 1000);

function forge(payload: object, options: jwt.SignOptions = {}, secret: jwt.Secret = secretBytes) {
  return jwt.sign(payload, secret, { algorithm: 'HS256', ...options });
}

const validClaims = () => ({
  sub: 'user-1',
  jti: 'id-1',
  iss: settings.issuer,
  aud: settings.audience,
  iat: now(),
  exp: now() + 60,
});

describe('access tokens', () => {
  test('when a token is issued, then it verifies with every required claim', () => {
    const issued = tokens.issueAccessToken('user-1');
    expect(issued.expiresIn).toBe(900);
    const claims = tokens.verifyAccessToken(issued.token);
    expect(claims).toMatchObject({ sub: 'user-1' });
    expect(claims?.exp).toBe((claims?.iat ?? 0) + 900);
    const decoded = jwt.decode(issued.token, { complete: true });
    expect(decoded?.header.alg).toBe('HS256');
    expect(decoded?.payload).toMatchObject({ iss: settings.issuer, aud: settings.audience });
  });

  test('when two tokens are issued, then their jti differ', () => {
    const first = tokens.verifyAccessToken(tokens.issueAccessToken('u').token);
    const second = tokens.verifyAccessToken(tokens.issueAccessToken('u').token);
    expect(first?.jti).not.toBe(second?.jti);
  });

  test('when a token is forged with alg none, then it is refused', () => {
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(validClaims())}.`;
    expect(tokens.verifyAccessToken(unsigned)).toBeNull();
  });

  test('when a token uses another algorithm with the real secret, then it is refused', () => {
    expect(tokens.verifyAccessToken(forge(validClaims(), { algorithm: 'HS512' }))).toBeNull();
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

  test('when a token expired beyond the 5 s tolerance, then it is refused', () => {
    expect(tokens.verifyAccessToken(forge({ ...validClaims(), exp: now() - 6 }))).toBeNull();
    expect(tokens.verifyAccessToken(forge({ ...validClaims(), exp: now() - 2 }))).not.toBeNull();
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
    const { sub: _sub, ...noSubject } = validClaims();
    const { jti: _jti, ...noId } = validClaims();
    expect(tokens.verifyAccessToken(forge(noSubject))).toBeNull();
    expect(tokens.verifyAccessToken(forge(noId))).toBeNull();
  });

  test('when the token is garbage or absurdly long, then it is refused', () => {
    expect(tokens.verifyAccessToken('')).toBeNull();
    expect(tokens.verifyAccessToken('not.a.token')).toBeNull();
    expect(tokens.verifyAccessToken('a'.repeat(10_000))).toBeNull();
  });
});
