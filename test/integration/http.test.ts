import {
  errorCodes,
  execute,
  post,
  startTestApi,
  type RawResponse,
  type TestApi,
} from '../helpers/api';
import { CreateUserMutation, LoginMutation } from '../helpers/operations';
import { createUser, strongPassword, tokenFor, userExists } from '../helpers/users';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const postGraphql = (body: string, headers: Record<string, string> = {}) =>
  post(api, '/graphql', body, headers);
const codeOf = (response: RawResponse) => errorCodes(response)[0];

describe('health', () => {
  test('when the process runs, then /health/live answers 200', async () => {
    const response = await fetch(`${api.url}/health/live`);
    expect(response.status).toBe(200);
  });

  test('when the database answers, then /health/ready answers 200', async () => {
    const response = await fetch(`${api.url}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('bad input never gets a 500', () => {
  test('when the body is not JSON, then 400 BAD_REQUEST', async () => {
    const response = await postGraphql('{"query": ');
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('BAD_REQUEST');
  });

  test('when the body is JSON but not an object, then 400', async () => {
    for (const body of ['"just a string"', '42', 'null']) {
      const response = await postGraphql(body);
      expect(response.status).toBe(400);
    }
  });

  test('when requests are batched in an array, then 400', async () => {
    const response = await postGraphql('[{"query":"{ health }"},{"query":"{ health }"}]');
    expect(response.status).toBe(400);
  });

  test('when the body is larger than 100 kB, then 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await postGraphql(
      JSON.stringify({ query: `{ health } #${'x'.repeat(110_000)}` }),
    );
    expect(response.status).toBe(413);
    expect(codeOf(response)).toBe('PAYLOAD_TOO_LARGE');
  });

  test('when a variable has the wrong type, then 400 BAD_USER_INPUT', async () => {
    const response = await execute(
      api,
      'mutation($u: String!) { login(username: $u, password: "x") { tokenType } }',
      { u: 42 },
    );
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  });

  test('when an input object has unknown fields, then 400 and nothing is written', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const response = await execute(
      api,
      CreateUserMutation,
      {
        input: {
          username: 'sneaky-user',
          password: strongPassword(),
          roles: ['ADMIN'],
          isRoot: true,
        } as never,
      },
      { token: await tokenFor(api, admin) },
    );
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    await expect(userExists(api, 'sneaky-user')).resolves.toBe(false);
  });

  test('when a field or enum value is misspelt, then the error suggests nothing', async () => {
    const field = await execute(api, '{ healt }');
    expect(field.status).toBe(400);
    expect(errorCodes(field)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const enumValue = await execute(
      api,
      CreateUserMutation,
      { input: { username: 'enum-typo', password: strongPassword(), roles: ['ADMN'] } as never },
      { token: await tokenFor(api, admin) },
    );
    expect(enumValue.status).toBe(400);
    for (const response of [field, enumValue]) {
      expect(JSON.stringify(response.body)).not.toMatch(/Did you mean/i);
    }
  });

  test('when a client sends an automatic persisted query, then a stable code and no server error', async () => {
    for (const persistedQuery of [
      { version: 1, sha256Hash: 'a'.repeat(64) },
      { version: 2, sha256Hash: 'b'.repeat(64) },
    ]) {
      const hashOnly = await postGraphql(JSON.stringify({ extensions: { persistedQuery } }));
      expect(hashOnly.status).toBeLessThan(500);
      expect(codeOf(hashOnly)).toBe('PERSISTED_QUERY_NOT_SUPPORTED');
      // With the document included, a wrong hash cannot matter: the cache does not exist.
      const withQuery = await postGraphql(
        JSON.stringify({ query: '{ health }', extensions: { persistedQuery } }),
      );
      expect(withQuery.status).toBe(200);
    }
    expect(api.logs().filter((line) => line.level === 50)).toEqual([]);
  });

  test('when a document is absurdly deep or long, then the parser refuses it with 400', async () => {
    const deep = `{${'a{'.repeat(30_000)}b${'}'.repeat(30_000)}}`;
    const response = await postGraphql(JSON.stringify({ query: deep }));
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('GRAPHQL_PARSE_FAILED');
    expect(response.text).not.toMatch(/call stack/i);
  });

  test('when the document does not parse, then 400 GRAPHQL_PARSE_FAILED', async () => {
    const response = await execute(api, '{ health');
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  test('when a string argument is huge, then a clear error and no 500', async () => {
    const response = await execute(api, LoginMutation, {
      username: 'u'.repeat(90_000),
      password: 'p'.repeat(5_000),
    });
    expect(response.status).toBe(200);
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  test('when operators are smuggled in as strings, then they are treated as plain data', async () => {
    const response = await execute(api, LoginMutation, {
      username: '{"$ne": null}',
      password: '{"$ne": null}',
    });
    expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
  });

  test('when the content type is text/plain, then CSRF prevention answers 400', async () => {
    const response = await postGraphql('{"query":"{ health }"}', { 'content-type': 'text/plain' });
    expect(response.status).toBe(400);
  });

  test('when the content type is missing or odd, then a 4xx, never a 500', async () => {
    for (const contentType of [
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin-9',
    ]) {
      const response = await postGraphql('{"query":"{ health }"}', {
        'content-type': contentType,
        'apollo-require-preflight': 'true',
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
  });

  test('when a mutation is sent with GET, then 405', async () => {
    const query = encodeURIComponent(
      'mutation { login(username: "a", password: "b") { tokenType } }',
    );
    const response = await fetch(`${api.url}/graphql?query=${query}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(405);
  });

  test('when the route is unknown, then 404 NOT_FOUND as JSON', async () => {
    const response = await fetch(`${api.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Not found', extensions: { code: 'NOT_FOUND' } }],
    });
  });

  test('when the caller sends a request id, then it is echoed; otherwise one is made', async () => {
    const given = await postGraphql('{"query":"{ health }"}', { 'x-request-id': 'trace-123' });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const made = await postGraphql('{"query":"{ health }"}', {
      'x-request-id': 'bad id\twith spaces',
    });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    for (const unsafe of ['x'.repeat(65), '<script>alert(1)</script>', 'a/b', 'ünïcode']) {
      const replaced = await postGraphql('{"query":"{ health }"}', {
        'x-request-id': encodeURI(unsafe) === unsafe ? unsafe : encodeURIComponent(unsafe),
      });
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  test('when answers are never cached, then they carry no ETag', async () => {
    const graphql = await postGraphql('{"query":"{ health }"}');
    expect(graphql.headers.get('cache-control')).toBe('no-store');
    expect(graphql.headers.get('etag')).toBeNull();
    const token = await post(api, '/token', 'grant_type=password&username=a&password=b', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(token.headers.get('etag')).toBeNull();
  });

  test('when a subscription is sent, then 400 with a validation code and no error logged', async () => {
    const errorLines = () => api.logs().filter((line) => Number(line.level) >= 50);
    const before = errorLines().length;
    const response = await postGraphql('{"query":"subscription { health }"}');
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errorLines()).toHaveLength(before);
  });

  test('when nothing identifies the framework, then no X-Powered-By header is sent', async () => {
    const response = await postGraphql('{"query":"{ health }"}');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});
