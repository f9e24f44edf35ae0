import { print } from 'graphql';
import {
  ChangePasswordMutation,
  LoginMutation,
  LogoutAllMutation,
  LogoutMutation,
  MeQuery,
  RefreshFromCookieMutation,
  RefreshTokenMutation,
} from '../helpers/operations';
import {
  errorCodes,
  execute,
  startTestApi,
  withTestApi,
  type GraphQLResponse,
  type TestApi,
} from '../helpers/api';
import { createUser, strongPassword, type TestUser } from '../helpers/users';

const APP_ORIGIN = 'https://app.example.test';
const COOKIE = '__Host-refresh-token';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({
    REFRESH_TOKEN_TRANSPORT: 'cookie',
    CORS_ORIGINS: `${APP_ORIGIN},https://admin.example.test`,
  });
});

afterAll(async () => {
  await api.close();
});

/** The refresh cookie a response sets, parsed: its value and attributes (lower-cased names). */
function refreshCookieOf(response: { headers: Headers }) {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${COOKIE}=`));
  if (line === undefined) return null;
  const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
  return {
    value: decodeURIComponent(pair.slice(COOKIE.length + 1)),
    attributes: new Map(
      attributes.map((attribute) => {
        const [name = '', value = ''] = attribute.split('=');
        return [name.toLowerCase(), value] as const;
      }),
    ),
  };
}

/** What a browser on the app sends: its Origin and the cookie it holds. */
const fromApp = (cookie: string | null, origin: string | null = APP_ORIGIN) => ({
  headers: {
    ...(origin === null ? {} : { origin }),
    ...(cookie === null ? {} : { cookie: `${COOKIE}=${cookie}` }),
  },
});

async function signInWithCookie(user: TestUser) {
  const response = await execute(
    api,
    LoginMutation,
    { username: user.username, password: user.password },
    fromApp(null),
  );
  const cookie = refreshCookieOf(response);
  const payload = response.body.data?.login;
  if (!cookie || !payload) throw new Error(`no cookie sign-in: ${JSON.stringify(response.body)}`);
  return { response, cookie, payload };
}

const refreshWith = (cookie: string | null, origin?: string | null) =>
  execute(api, RefreshFromCookieMutation, undefined, fromApp(cookie, origin));

const reasonOf = (response: GraphQLResponse<unknown>) =>
  response.body.errors?.[0]?.extensions?.reason;

describe('the refresh-token cookie transport', () => {
  test('when a user signs in, then the refresh token is an httpOnly Secure SameSite cookie and not in the body', async () => {
    const { cookie, payload } = await signInWithCookie(await createUser(api));
    expect(payload.refreshToken).toBeNull();
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes.has('httponly')).toBe(true);
    expect(cookie.attributes.has('secure')).toBe(true);
    expect(cookie.attributes.get('samesite')).toBe('Strict');
    expect(cookie.attributes.get('path')).toBe('/');
    // Host-only: no Domain, so no sibling subdomain receives it.
    expect(cookie.attributes.has('domain')).toBe(false);
    expect(Number(cookie.attributes.get('max-age'))).toBe(payload.refreshExpiresIn);
  });

  test('when the app refreshes without an argument, then the cookie is spent and replaced', async () => {
    const user = await createUser(api);
    const { cookie } = await signInWithCookie(user);
    const refreshed = await refreshWith(cookie.value);
    const payload = refreshed.body.data?.refreshToken;
    expect(payload?.refreshToken).toBeNull();
    const next = refreshCookieOf(refreshed);
    expect(next?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(next?.value).not.toBe(cookie.value);
    const me = await execute(api, MeQuery, undefined, { token: payload?.accessToken ?? '' });
    expect(me.body.data?.me?.id).toBe(user.id);
    // The new cookie works in turn.
    expect((await refreshWith(next?.value ?? '')).body.data?.refreshToken.user.id).toBe(user.id);
  });

  test('when the request comes from an origin not in CORS_ORIGINS, or from none, then the cookie is not spent', async () => {
    const { cookie } = await signInWithCookie(await createUser(api));
    for (const origin of ['https://evil.example.test', 'null', null]) {
      const refused = await refreshWith(cookie.value, origin);
      expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
      expect(reasonOf(refused)).toBe('ORIGIN_NOT_ALLOWED');
      expect(refreshCookieOf(refused)).toBeNull();
    }
    // Nothing was spent: another configured app still refreshes with the same cookie.
    const fromAdminApp = await refreshWith(cookie.value, 'https://admin.example.test');
    expect(fromAdminApp.body.data?.refreshToken.accessToken).toEqual(expect.any(String));
  });

  test('when the browser holds no cookie, then the refresh answers NOT_SIGNED_IN', async () => {
    const response = await refreshWith(null);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    expect(reasonOf(response)).toBe('NOT_SIGNED_IN');
  });

  test('when the cookie holds a dead token, then the refusal also clears the cookie', async () => {
    const response = await refreshWith('x'.repeat(43));
    expect(reasonOf(response)).toBe('SESSION_ENDED');
    const cleared = refreshCookieOf(response);
    expect(cleared?.value).toBe('');
    expect(cleared?.attributes.get('max-age')).toBe('0');
  });

  test('when a client still sends the token as an argument, then it works and the answer moves it to the cookie', async () => {
    const { cookie } = await signInWithCookie(await createUser(api));
    const response = await execute(
      api,
      RefreshTokenMutation,
      { refreshToken: cookie.value },
      fromApp(null),
    );
    expect(response.body.data?.refreshToken.refreshToken).toBeNull();
    expect(refreshCookieOf(response)?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test.each([
    ['logout', print(LogoutMutation)],
    ['logoutAll', print(LogoutAllMutation)],
  ])(
    'when the user calls %s, then the cookie is cleared and its token ends',
    async (_name, mutation) => {
      const { cookie, payload } = await signInWithCookie(await createUser(api));
      const response = await execute(api, mutation, undefined, {
        token: payload.accessToken,
        ...fromApp(cookie.value),
      });
      expect(response.status).toBe(200);
      const cleared = refreshCookieOf(response);
      expect(cleared?.value).toBe('');
      expect(cleared?.attributes.get('max-age')).toBe('0');
      expect(reasonOf(await refreshWith(cookie.value))).toBe('SESSION_ENDED');
    },
  );

  test('when the user changes their password, then the new session token arrives in the cookie', async () => {
    const user = await createUser(api);
    const { payload } = await signInWithCookie(user);
    const response = await execute(
      api,
      ChangePasswordMutation,
      { currentPassword: user.password, newPassword: strongPassword() },
      { token: payload.accessToken, ...fromApp(null) },
    );
    expect(response.body.data?.changePassword?.refreshToken).toBeNull();
    const cookie = refreshCookieOf(response);
    expect((await refreshWith(cookie?.value ?? '')).body.data?.refreshToken.user.id).toBe(user.id);
  });

  test('when a page posts a simple form-like request carrying the cookie, then CSRF prevention refuses it', async () => {
    const { cookie } = await signInWithCookie(await createUser(api));
    const response = await fetch(`${api.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        origin: APP_ORIGIN,
        cookie: `${COOKIE}=${cookie.value}`,
      },
      body: JSON.stringify({ query: 'mutation { refreshToken { accessToken } }' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.getSetCookie()).toEqual([]);
    // The token was not spent.
    expect((await refreshWith(cookie.value)).body.data?.refreshToken.accessToken).toEqual(
      expect.any(String),
    );
  });

  test('when the app sends a preflight, then CORS allows credentials for the configured origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${api.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    const allowed = await preflight(APP_ORIGIN);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const refused = await preflight('https://evil.example.test');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('the cookie attributes the configuration chooses', () => {
  const setCookieOf = async (overrides: Record<string, string>) =>
    withTestApi(
      { REFRESH_TOKEN_TRANSPORT: 'cookie', CORS_ORIGINS: APP_ORIGIN, ...overrides },
      async (configured) => {
        const user = await createUser(configured);
        const response = await execute(
          configured,
          LoginMutation,
          { username: user.username, password: user.password },
          fromApp(null),
        );
        return response.headers.getSetCookie().find((line) => line.includes('refresh-token='));
      },
    );

  test('when the app is cross-site (SameSite=None), then the cookie says so and stays Secure', async () => {
    const line = await setCookieOf({ REFRESH_TOKEN_COOKIE_SAMESITE: 'none' });
    expect(line).toMatch(/^__Host-refresh-token=/);
    expect(line).toContain('SameSite=None');
    expect(line).toContain('Secure');
  });

  test('when a developer drops Secure on loopback, then the cookie has no Secure and no __Host- prefix', async () => {
    const line = await setCookieOf({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      REFRESH_TOKEN_COOKIE_SECURE: 'false',
    });
    expect(line).toMatch(/^refresh-token=[A-Za-z0-9_-]{43};/);
    expect(line).not.toContain('Secure');
    expect(line).toContain('HttpOnly');
  });
});

describe('the body transport (the default)', () => {
  test('when a client signs in, then the refresh token is in the body, no cookie is set and CORS sends no credentials', async () => {
    const bodyApi = await startTestApi({ CORS_ORIGINS: APP_ORIGIN });
    try {
      const user = await createUser(bodyApi);
      const response = await execute(
        bodyApi,
        LoginMutation,
        { username: user.username, password: user.password },
        fromApp(null),
      );
      expect(response.body.data?.login.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(refreshCookieOf(response)).toBeNull();
      expect(response.headers.get('access-control-allow-credentials')).toBeNull();
      const missing = await execute(bodyApi, RefreshFromCookieMutation, undefined, fromApp(null));
      expect(errorCodes(missing)).toEqual(['BAD_USER_INPUT']);
    } finally {
      await bodyApi.close();
    }
  });
});
