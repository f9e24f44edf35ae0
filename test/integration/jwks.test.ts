import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { execute, startTestApi, testDatabaseUri, type TestApi } from '../helpers/api';
import { LoginMutation, MeQuery } from '../helpers/operations';
import { createUser, type TestUser } from '../helpers/users';

const pem = (key: KeyObject, type: 'pkcs8' | 'spki') =>
  key.export({ format: 'pem', type }).toString();

const generators = {
  EdDSA: () => generateKeyPairSync('ed25519'),
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
};

async function accessToken(api: TestApi, user: TestUser): Promise<string> {
  const response = await execute(api, LoginMutation, {
    username: user.username,
    password: user.password,
  });
  return response.body.data?.login.accessToken ?? '';
}

describe.each(['EdDSA', 'ES256', 'RS256'] as const)('%s signing', (algorithm) => {
  let api: TestApi;
  beforeAll(async () => {
    const { privateKey } = generators[algorithm]();
    api = await startTestApi({
      JWT_ALGORITHM: algorithm,
      JWT_SECRET: '',
      JWT_PRIVATE_KEY: pem(privateKey, 'pkcs8'),
    });
  });
  afterAll(() => api.close());

  test('when another service verifies a token with jose against the JWKS, then it passes', async () => {
    const user = await createUser(api);
    const token = await accessToken(api, user);
    const jwks = createRemoteJWKSet(new URL(`${api.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: api.config.jwt.issuer,
      audience: api.config.jwt.audience,
      typ: 'at+jwt',
      algorithms: [algorithm],
    });
    expect(payload.sub).toBe(user.id);
    expect(protectedHeader.alg).toBe(algorithm);
    expect(await execute(api, MeQuery, undefined, { token }).then((r) => r.status)).toBe(200);
  });

  test('when a valid token carries extra segments, then it is refused with 401', async () => {
    const token = await accessToken(api, await createUser(api));
    for (const padded of [`${token}.AAAA`, `${token}.`, `${token}..`]) {
      expect((await execute(api, MeQuery, undefined, { token: padded })).status).toBe(401);
    }
    expect((await execute(api, MeQuery, undefined, { token })).status).toBe(200);
  });

  test('when the JWKS is fetched, then it holds only public material and may be cached', async () => {
    const response = await fetch(`${api.url}/.well-known/jwks.json`);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ alg: algorithm, use: 'sig', kid: expect.any(String) });
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
      expect(keys[0]).not.toHaveProperty(secret);
  });
});

describe('key rotation across instances', () => {
  test('when a new key signs, then tokens of the old one verify until it is retired', async () => {
    const database = testDatabaseUri();
    const oldKey = generators.EdDSA();
    const newKey = generators.ES256();
    const before = await startTestApi({
      MONGODB_URI: database,
      JWT_ALGORITHM: 'EdDSA',
      JWT_PRIVATE_KEY: pem(oldKey.privateKey, 'pkcs8'),
    });
    const rotated = await startTestApi({
      MONGODB_URI: database,
      JWT_ALGORITHM: 'ES256',
      JWT_PRIVATE_KEY: pem(newKey.privateKey, 'pkcs8'),
      JWT_PREVIOUS_PUBLIC_KEYS: pem(oldKey.publicKey, 'spki'),
    });
    const retired = await startTestApi({
      MONGODB_URI: database,
      JWT_ALGORITHM: 'ES256',
      JWT_PRIVATE_KEY: pem(newKey.privateKey, 'pkcs8'),
    });
    try {
      const user = await createUser(before);
      const oldToken = await accessToken(before, user);
      const newToken = await accessToken(rotated, user);
      const status = async (api: TestApi, token: string) =>
        (await execute(api, MeQuery, undefined, { token })).status;
      expect(await status(rotated, oldToken)).toBe(200);
      expect(await status(rotated, newToken)).toBe(200);
      const jwks = (await (await fetch(`${rotated.url}/.well-known/jwks.json`)).json()) as {
        keys: { alg: string }[];
      };
      expect(jwks.keys.map((key) => key.alg)).toEqual(['ES256', 'EdDSA']);
      expect(await status(retired, oldToken)).toBe(401);
      expect(await status(retired, newToken)).toBe(200);
    } finally {
      await retired.app.stop();
      await retired.connection.close();
      await rotated.app.stop();
      await rotated.connection.close();
      await before.close();
    }
  });
});
