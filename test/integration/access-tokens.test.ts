import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { errorCodes, execute, startTestApi, type TestApi } from '../helpers/api';
import {
  CreateUserMutation,
  HealthAndUserOnlyQuery,
  HealthQuery,
  LoginMutation,
  MeQuery,
  RefreshTokenMutation,
  UserOnlyQuery,
} from '../helpers/operations';
import {
  createUser,
  deleteUser,
  sessionFor,
  strongPassword,
  tokenFor,
  updateUser,
  userExists,
  type TestUser,
} from '../helpers/users';

let api: TestApi;
let admin: TestUser;
let adminSession: string;
let secret: Buffer;

beforeAll(async () => {
  secret = Buffer.from(randomBytes(32).toString('hex'));
  api = await startTestApi({ JWT_SECRET: secret.toString('utf8') });
  admin = await createUser(api, { roles: ['ADMIN'] });
  adminSession = (await sessionFor(api, admin)).sessionId;
});
afterAll(() => api.close());

const now = () => Math.floor(Date.now() / 1000);
const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');

function claimsFor(user: TestUser, overrides: Record<string, unknown> = {}) {
  return {
    sub: user.id,
    sid: adminSession,
    ver: 0,
    jti: 'forged',
    iss: api.config.jwt.issuer,
    aud: api.config.jwt.audience,
    iat: now(),
    exp: now() + 300,
    ...overrides,
  };
}

const sign = (payload: object, options: jwt.SignOptions = {}) =>
  jwt.sign(payload, secret, {
    algorithm: 'HS256',
    header: { alg: options.algorithm ?? 'HS256', typ: 'at+jwt' },
    ...options,
  });

describe('which 401 is which', () => {
  test('when a guarded field is asked without a token, then the reason is NOT_SIGNED_IN', async () => {
    const response = await execute(api, UserOnlyQuery);
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions?.reason).toBe('NOT_SIGNED_IN');
  });

  test('when a refresh token was already used or never existed, then the reason is SESSION_ENDED', async () => {
    const session = await sessionFor(api, await createUser(api));
    for (const refreshToken of [session.refreshToken, session.refreshToken, 'x'.repeat(43)]) {
      const response = await execute(api, RefreshTokenMutation, { refreshToken });
      if (refreshToken === session.refreshToken && response.body.data) continue;
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.errors?.[0]?.extensions?.reason).toBe('SESSION_ENDED');
    }
  });
});

describe('bearer tokens in the request context', () => {
  test('when a token is signed correctly with the right claims, then it is accepted', async () => {
    const response = await execute(api, UserOnlyQuery, undefined, {
      token: sign(claimsFor(admin)),
    });
    expect(response.status).toBe(200);
    expect(response.body.data?.userOnly).toBeDefined();
  });

  const forgeries: [string, () => Promise<string> | string][] = [
    ['alg none', () => `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(claimsFor(admin))}.`],
    ['HS512 with the real secret', () => sign(claimsFor(admin), { algorithm: 'HS512' })],
    [
      'a tampered payload',
      async () => {
        const [header, , signature] = (await tokenFor(api, admin)).split('.');
        return `${header}.${encode(claimsFor(admin, { jti: 'changed' }))}.${signature}`;
      },
    ],
    ['an expired token', () => sign(claimsFor(admin, { iat: now() - 100, exp: now() - 30 }))],
    [
      'a token without exp',
      () => {
        const { exp: _exp, ...claims } = claimsFor(admin);
        return sign(claims);
      },
    ],
    ['the wrong issuer', () => sign(claimsFor(admin, { iss: 'someone-else' }))],
    [
      'a critical header extension (crit)',
      () =>
        jwt.sign(claimsFor(admin), secret, {
          algorithm: 'HS256',
          header: { alg: 'HS256', typ: 'at+jwt', crit: ['exp'] },
        }),
    ],
    [
      'issued an hour in the future',
      () => sign(claimsFor(admin, { iat: now() + 3600, exp: now() + 3900 })),
    ],
    ['the wrong audience', () => sign(claimsFor(admin, { aud: 'someone-else' }))],
    [
      'a plain JWT rather than an access token (typ JWT)',
      () => jwt.sign(claimsFor(admin), secret, { algorithm: 'HS256' }),
    ],
    [
      'another secret',
      () =>
        jwt.sign(claimsFor(admin), 'b'.repeat(64), {
          algorithm: 'HS256',
          header: { alg: 'HS256', typ: 'at+jwt' },
        }),
    ],
    ['garbage', () => 'garbage'],
    [
      'a deleted user',
      async () => {
        const doomed = await createUser(api, { roles: ['ADMIN'] });
        const token = await tokenFor(api, doomed);
        await deleteUser(api, doomed);
        return token;
      },
    ],
    [
      'a disabled user',
      async () => {
        const user = await createUser(api, { roles: ['ADMIN'] });
        const token = await tokenFor(api, user);
        await updateUser(api, user, { disabled: true });
        return token;
      },
    ],
    ['a user id that never existed', () => sign(claimsFor({ ...admin, id: '0'.repeat(24) }))],
    ['a session that does not exist', () => sign(claimsFor(admin, { sid: 'f'.repeat(24) }))],
    ['an older token version', () => sign(claimsFor(admin, { ver: -1 }))],
    [
      "another user's session",
      async () =>
        sign(claimsFor(admin, { sid: (await sessionFor(api, await createUser(api))).sessionId })),
    ],
  ];

  /** What the client is told to do: refresh (expired), or sign in again (anything else). */
  const reasons: Record<string, string> = {
    'an expired token': 'TOKEN_EXPIRED',
    'a deleted user': 'SESSION_ENDED',
    'a disabled user': 'SESSION_ENDED',
    'a user id that never existed': 'SESSION_ENDED',
    'a session that does not exist': 'SESSION_ENDED',
    'an older token version': 'SESSION_ENDED',
    "another user's session": 'SESSION_ENDED',
  };

  test.each(forgeries)(
    'when the token is %s, then 401 with a Bearer challenge, a reason, and nothing executes',
    async (name, makeToken) => {
      const username = `forged-${Math.random().toString(36).slice(2, 10)}`;
      const response = await execute(
        api,
        CreateUserMutation,
        { input: { username, password: strongPassword() } },
        { token: await makeToken() },
      );
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
      expect(response.body.errors?.[0]?.message).toBe('The access token is invalid or has expired');
      expect(response.body.errors?.[0]?.extensions?.reason).toBe(reasons[name] ?? 'TOKEN_INVALID');
      expect(response.body.data).toBeUndefined();
      await expect(userExists(api, username)).resolves.toBe(false);
    },
  );

  test.each([
    ['Basic dXNlcjpwYXNz'],
    ['Bearer'],
    ['Bearer '],
    ['Bearer a b'],
    ['Bearer tok\u00e9n'],
    [''],
  ])(
    'when the Authorization header is %j, then a guarded field answers 401',
    async (authorization) => {
      const response = await execute(api, UserOnlyQuery, undefined, { headers: { authorization } });
      expect(response.status).toBe(401);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    },
  );

  test('when there is no Authorization header, then the request is anonymous', async () => {
    const response = await execute(api, HealthQuery);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { health: true } });
  });

  test('when the scheme is written in lower case, then the token is still accepted', async () => {
    const response = await execute(api, UserOnlyQuery, undefined, {
      headers: { authorization: `bearer ${await tokenFor(api, admin)}` },
    });
    expect(response.status).toBe(200);
    expect(response.body.data?.userOnly).toBeDefined();
  });
});

describe('a stale Authorization header', () => {
  const expired = () => sign(claimsFor(admin, { iat: now() - 100, exp: now() - 30 }));

  test('when an expired token comes with login, refreshToken or health, then they run as anonymous', async () => {
    const user = await createUser(api);
    const signIn = await execute(
      api,
      LoginMutation,
      { username: user.username, password: user.password },
      { token: expired() },
    );
    expect(signIn.status).toBe(200);
    const refreshToken = signIn.body.data?.login.refreshToken ?? '';
    expect(refreshToken).not.toBe('');
    const refreshed = await execute(api, RefreshTokenMutation, { refreshToken }, { token: 'junk' });
    expect(refreshed.body.data?.refreshToken.accessToken).toBeDefined();
    const health = await execute(api, HealthQuery, undefined, { token: expired() });
    expect(health.body).toEqual({ data: { health: true } });
  });

  test('when an expired token comes with me, or with a public and a guarded field, then 401 TOKEN_EXPIRED and nothing runs', async () => {
    const responses = [
      await execute(api, MeQuery, undefined, { token: expired() }),
      await execute(api, HealthAndUserOnlyQuery, undefined, { token: expired() }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(response.body.errors?.[0]?.extensions?.reason).toBe('TOKEN_EXPIRED');
      expect(response.body.data).toBeUndefined();
    }
  });
});
