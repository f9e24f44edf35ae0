import fc from 'fast-check';
import { startTestApi, type TestApi } from '../helpers/api';
import { createUser } from '../helpers/users';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({
    NODE_ENV: 'production',
    ADMIN_USERNAME: 'root',
    ADMIN_PASSWORD: 'an unusual production passphrase',
  });
  for (const roles of [['ADMIN'], ['USER']] as const) await createUser(api, { roles: [...roles] });
});
afterAll(() => api.close());

/** Words that make random documents often valid enough to reach parsing, validation and execution. */
const VOCABULARY = [
  '{',
  '}',
  '(',
  ')',
  ':',
  '$',
  '!',
  '...',
  '@include(if: true)',
  '@skip(if: $v)',
  'query',
  'mutation',
  'subscription',
  'fragment F on User',
  '...F',
  'login',
  'me',
  'users',
  'user',
  'health',
  'sessions',
  'adminOnly',
  'auditEvents',
  'createUser',
  'refreshToken',
  'logout',
  'first:',
  'after:',
  'id:',
  'username:',
  'password:',
  'input:',
  'filter:',
  '"x"',
  '"{\\"$ne\\":null}"',
  '1',
  '-1',
  '1e309',
  'null',
  'true',
  '[USER, ADMIN]',
  'edges',
  'node',
  'id',
  'roles',
  '__schema',
  '__typename',
  '__type(name: "User")',
  'a:',
  'b:',
  '#',
  '"""',
  '\\u0000',
  '𝕏',
];

const documents = fc.oneof(
  fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 40 }).map((words) => words.join(' ')),
  fc.string({ maxLength: 200 }),
  fc.constant('{ health }'),
);
const variables = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(
    fc.constantFrom('v', 'first', 'input', 'username', '__proto__', 'x'),
    fc.jsonValue({ maxDepth: 3 }),
  ),
  fc.jsonValue({ maxDepth: 2 }),
);
const authorization = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 60 }).map((value) => `Bearer ${value}`),
  fc.constantFrom('Bearer', 'Basic Zm9vOmJhcg==', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/graphql-response+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
);
const request = fc.record({
  path: fc.constantFrom('/graphql', '/graphql', '/graphql', '/token', '/revoke', '/nope'),
  method: fc.constantFrom('POST', 'POST', 'GET', 'PUT', 'OPTIONS'),
  body: fc.oneof(
    fc
      .tuple(documents, variables, fc.option(fc.string({ maxLength: 20 })))
      .map(([query, vars, name]) =>
        JSON.stringify({ query, variables: vars, operationName: name }),
      ),
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
    fc.string({ maxLength: 300 }),
    fc
      .dictionary(
        fc.constantFrom('grant_type', 'username', 'password', 'refresh_token', 'token'),
        fc.string({ maxLength: 30 }),
      )
      .map((params) => new URLSearchParams(params).toString()),
  ),
  contentType,
  authorization,
  preflight: fc.boolean(),
});

async function snapshot(): Promise<string> {
  const db = api.connection.db!;
  const users = await db.collection('users').find({}).sort({ _id: 1 }).toArray();
  const sessions = await db.collection('sessions').find({}).sort({ _id: 1 }).toArray();
  return JSON.stringify({ users, sessions });
}

describe('fuzzing the running API', () => {
  test('when random documents, variables, headers and bodies arrive, then no 5xx, no crash and no data changes', async () => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(request, async (sample) => {
        const headers: Record<string, string> = { 'content-type': sample.contentType };
        if (sample.authorization) headers.authorization = sample.authorization;
        if (sample.preflight) headers['apollo-require-preflight'] = 'true';
        const url =
          sample.method === 'GET'
            ? `${api.url}${sample.path}?query=${encodeURIComponent(sample.body.slice(0, 500))}`
            : `${api.url}${sample.path}`;
        const response = await fetch(url, {
          method: sample.method,
          headers,
          ...(sample.method === 'GET' ? {} : { body: sample.body }),
        });
        const text = await response.text();
        if (response.status >= 500)
          throw new Error(`${response.status} for ${JSON.stringify(sample)}: ${text}`);
        if (text.length > 0 && response.headers.get('content-type')?.includes('json'))
          JSON.parse(text);
        expect(text).not.toMatch(/\bat \S+:\d+:\d+|Did you mean/);
      }),
      {
        numRuns: 2_000,
        interruptAfterTimeLimit: 20_000,
        seed: Number(process.env.FUZZ_SEED ?? Date.now() % 1e9),
      },
    );
    expect((await fetch(`${api.url}/health/ready`)).status).toBe(200);
    expect(await snapshot()).toBe(before);
    expect(api.logs().filter((line) => line.level === 50)).toEqual([]);
  });
});
