import { errorCodes, execute, startTestApi, withTestApi, type TestApi } from '../helpers/api';
import { CreateUserMutation, LoginMutation, MeQuery, UsersQuery } from '../helpers/operations';
import { createUser, strongPassword, tokenFor, userExists } from '../helpers/users';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const raw = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('am I signed in?', () => {
  test('when `me` is asked without an Authorization header, then it is null with no error', async () => {
    const response = await execute(api, MeQuery);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ data: { me: null } });
  });

  test('when `me` is asked with an unusable token, then 401 as on any field', async () => {
    const response = await execute(api, MeQuery, undefined, { token: 'not.a.token' });
    expect(response.status).toBe(401);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  test('when `me` is asked with a valid token, then it is that user', async () => {
    const user = await createUser(api);
    const response = await execute(api, MeQuery, undefined, { token: await tokenFor(api, user) });
    expect(response.body.data?.me?.username).toBe(user.username);
  });
});

describe('the schema says who may call what', () => {
  test('when a client introspects, then guarded fields carry their rule in their description', async () => {
    const response = await execute(
      api,
      '{ __type(name: "Query") { fields { name description } } }',
    );
    const fields = (
      response.body.data as { __type: { fields: { name: string; description: string }[] } }
    ).__type.fields;
    const descriptionOf = (name: string) =>
      fields.find((field) => field.name === name)?.description;
    expect(descriptionOf('users')).toMatch(/\n\nRequires role: ADMIN\.$/);
    expect(descriptionOf('sessions')).toMatch(/\n\nRequires sign-in\.$/);
    expect(descriptionOf('me')).toMatch(
      /Requires sign-in\. Anonymous callers get null\. Open while a password change is required\. Open while a second factor must be set up\.$/,
    );
    expect(descriptionOf('health')).not.toMatch(/Requires/);
  });
});

describe('the password policy', () => {
  test('when anyone asks for passwordPolicy, then it is the configured one', async () => {
    await withTestApi({ PASSWORD_MIN_LENGTH: '20' }, async (configured) => {
      const response = await execute(
        configured,
        '{ passwordPolicy { minLength maxLength refusesCommonPasswords } }',
      );
      expect(response.body).toEqual({
        data: { passwordPolicy: { minLength: 20, maxLength: 128, refusesCommonPasswords: true } },
      });
    });
  });
});

describe('document limits', () => {
  test('when a document uses more than 15 aliases, then it is refused; 15 pass', async () => {
    const aliases = (count: number) =>
      `{ ${Array.from({ length: count }, (_, i) => `a${i}: health`).join(' ')} }`;
    expect((await execute(api, aliases(15))).status).toBe(200);
    const refused = await execute(api, aliases(16));
    expect(refused.status).toBe(400);
    expect(errorCodes(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  test('when a field carries more than 5 directives, then it is refused; 5 pass', async () => {
    const directives = (count: number) =>
      `{ health ${Array.from({ length: count }, () => '@include(if: true)').join(' ')} }`;
    const refused = await execute(api, directives(6));
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.map((error) => error.message)).toContain(
      'A field may carry at most 5 directives',
    );
    // graphql-js refuses repeating a non-repeatable directive; mix @include and @skip to reach 5.
    const five = '{ health @include(if: true) @skip(if: false) }';
    expect((await execute(api, five)).status).toBe(200);
  });

  test('when a document has more than 1000 tokens, then the parser refuses it with 400', async () => {
    const response = await execute(api, `{ ${'health '.repeat(1000)}}`);
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  test('when a list argument holds more than 100 items, then it is refused before any resolver', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const token = await tokenFor(api, admin);
    const roles = Array.from({ length: 101 }, () => 'USER' as const);
    const response = await execute(
      api,
      CreateUserMutation,
      { input: { username: 'too-many-roles', password: strongPassword(), roles } },
      { token },
    );
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    await expect(userExists(api, 'too-many-roles')).resolves.toBe(false);
  });

  test('when a query asks for more than the cost limit, then it is refused before execution', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const token = await tokenFor(api, admin);
    expect((await execute(api, UsersQuery, { first: 100 }, { token })).status).toBe(200);
    await withTestApi({ GRAPHQL_MAX_COST: '50' }, async (cheap) => {
      const cheapAdmin = await createUser(cheap, { roles: ['ADMIN'] });
      const response = await execute(
        cheap,
        UsersQuery,
        { first: 50 },
        {
          token: await tokenFor(cheap, cheapAdmin),
        },
      );
      expect(response.status).toBe(400);
      expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    });
  });

  test('when a query is deeper than the limit, then it is refused', async () => {
    await withTestApi({ GRAPHQL_MAX_DEPTH: '3' }, async (shallow) => {
      const admin = await createUser(shallow, { roles: ['ADMIN'] });
      const response = await execute(
        shallow,
        UsersQuery,
        { first: 1 },
        {
          token: await tokenFor(shallow, admin),
        },
      );
      expect(response.status).toBe(400);
      expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect((await execute(shallow, '{ health }')).status).toBe(200);
    });
  });

  test('when a request runs past the time limit, then 503 TIMEOUT comes back in time', async () => {
    const slowSettings = {
      GRAPHQL_TIMEOUT: '1s',
      ARGON2_MEMORY_KIB: '131072',
      ARGON2_TIME_COST: '20',
    };
    await withTestApi(slowSettings, async (slow) => {
      const started = performance.now();
      const response = await execute(slow, LoginMutation, { username: 'nobody', password: 'slow' });
      expect(response.status).toBe(503);
      expect(errorCodes(response)).toEqual(['TIMEOUT']);
      expect(performance.now() - started).toBeLessThan(2_500);
    });
  });
});

describe('HTTP hygiene', () => {
  test('when any response is sent, then security headers and no-store come with it', async () => {
    const response = await raw({ query: '{ health }' });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${api.url}/health/live`)).headers.get('x-content-type-options')).toBe(
      'nosniff',
    );
  });

  test('when a response is sent, then it carries no tracing or debug extensions', async () => {
    const body = (await (await raw({ query: '{ health }' })).json()) as Record<string, unknown>;
    expect(body).toEqual({ data: { health: true } });
  });

  test('when a body smuggles __proto__ or constructor keys, then 400 and nothing runs', async () => {
    for (const body of [
      '{"query":"{ health }","variables":{"__proto__":{"admin":true}}}',
      '{"query":"{ health }","extensions":{"constructor":{"prototype":{"x":1}}}}',
    ]) {
      const response = await raw(body);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        errors: [
          { message: 'Request body contains a forbidden key', extensions: { code: 'BAD_REQUEST' } },
        ],
      });
    }
  });
});

describe('CORS', () => {
  const preflight = (target: TestApi, origin: string) =>
    fetch(`${target.url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });

  test('when production has no CORS_ORIGINS, then no origin is allowed', async () => {
    const production = {
      NODE_ENV: 'production',
      ADMIN_USERNAME: 'root',
      ADMIN_PASSWORD: 'an unusual production passphrase',
    };
    await withTestApi(production, async (api) => {
      const response = await preflight(api, 'https://evil.example');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  test('when CORS_ORIGINS lists an origin, then only that one is allowed', async () => {
    await withTestApi({ CORS_ORIGINS: 'https://app.example.com' }, async (configured) => {
      const allowed = await preflight(configured, 'https://app.example.com');
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
      const other = await preflight(configured, 'https://evil.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  test('when a preflight comes from an origin not allowed, then an empty 204 with no CORS headers and no CSRF text', async () => {
    await withTestApi({ CORS_ORIGINS: 'https://app.example.com' }, async (configured) => {
      const response = await preflight(configured, 'https://evil.example');
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
      for (const name of ['access-control-allow-origin', 'access-control-allow-headers']) {
        expect(response.headers.get(name)).toBeNull();
      }
    });
  });

  test('when Apollo Client and tracing headers are preflighted, then they are allowed by default', async () => {
    await withTestApi({ CORS_ORIGINS: 'https://app.example.com' }, async (configured) => {
      const response = await fetch(`${configured.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers':
            'apollographql-client-name,apollographql-client-version,traceparent,baggage,sentry-trace',
        },
      });
      const allowed = (response.headers.get('access-control-allow-headers') ?? '').split(', ');
      for (const header of [
        'authorization',
        'content-type',
        'apollographql-client-name',
        'apollographql-client-version',
        'traceparent',
        'baggage',
        'sentry-trace',
      ]) {
        expect(allowed).toContain(header);
      }
    });
  });

  test('when CORS_ALLOWED_HEADERS is set, then it is the list', async () => {
    const settings = {
      CORS_ORIGINS: 'https://app.example.com',
      CORS_ALLOWED_HEADERS: 'Authorization, Content-Type, X-Tenant',
    };
    await withTestApi(settings, async (configured) => {
      const response = await preflight(configured, 'https://app.example.com');
      expect(response.headers.get('access-control-allow-headers')).toBe(
        'authorization, content-type, x-tenant',
      );
    });
  });

  test('when CORS_ORIGINS holds a subdomain pattern, then exactly one label matches it', async () => {
    await withTestApi({ CORS_ORIGINS: 'https://*.vercel.app' }, async (configured) => {
      const allowedOrigin = async (origin: string) =>
        (await preflight(configured, origin)).headers.get('access-control-allow-origin');
      expect(await allowedOrigin('https://my-app.vercel.app')).toBe('https://my-app.vercel.app');
      for (const origin of [
        'https://vercel.app',
        'https://a.b.vercel.app',
        'http://my-app.vercel.app',
        'https://my-app.vercel.app:8443',
        'https://my-app.vercel.app.evil.example',
        'https://my-appxvercel.app',
      ]) {
        expect(await allowedOrigin(origin)).toBeNull();
      }
    });
  });
});
