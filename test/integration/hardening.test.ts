import { Types } from 'mongoose';
import { errorCodes, execute, startTestApi, type TestApi } from '../helpers/api';
import { UserQuery, UsersQuery } from '../helpers/operations';
import { createUser, tokenFor } from '../helpers/users';

const INTROSPECTION = '{ __schema { queryType { name } } }';
const PRODUCTION = {
  NODE_ENV: 'production',
  ADMIN_USERNAME: 'root',
  ADMIN_PASSWORD: 'an unusual production passphrase',
};

/** Stores a user whose role the schema cannot represent: serializing it is a server fault. */
async function insertCorruptUser(api: TestApi): Promise<string> {
  const _id = new Types.ObjectId();
  await api.connection.db?.collection('users').insertOne({
    _id,
    username: 'corrupt',
    usernameNormalized: `corrupt-${Date.now()}`,
    roles: ['SUPERUSER'],
    disabled: false,
    passwordHash: 'x',
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  return _id.toHexString();
}

describe('in production', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(PRODUCTION);
  });
  afterAll(() => api.close());

  test('when a client introspects, then it is refused', async () => {
    const response = await execute(api, INTROSPECTION);
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  test('when a browser opens /graphql, then no landing page is served', async () => {
    const response = await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type') ?? '').not.toContain('text/html');
    expect(await response.text()).not.toContain('embeddable-sandbox');
  });

  test('when a resolver fails unexpectedly, then the client sees a generic error and the log has it all', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const id = await insertCorruptUser(api);
    const response = await execute(api, UserQuery, { id }, { token: await tokenFor(api, admin) });
    expect(errorCodes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
    const [error] = response.body.errors ?? [];
    expect(error?.message).toBe('Internal server error');
    expect(error?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
    expect(JSON.stringify(response.body)).not.toMatch(/SUPERUSER|Enum|stack|\.ts:/);

    const requestId = response.headers.get('x-request-id');
    const logged = api.logs().find((line) => line.msg === 'unexpected error while serving GraphQL');
    expect(logged).toMatchObject({ level: 50, requestId });
    expect(JSON.stringify(logged)).toContain('SUPERUSER');
  });

  test('when the database fails under a request, then no driver text reaches the client', async () => {
    const broken = await startTestApi(PRODUCTION);
    const admin = await createUser(broken, { roles: ['ADMIN'] });
    const token = await tokenFor(broken, admin);
    await broken.connection.close();
    try {
      const response = await execute(broken, UsersQuery, { first: 5 }, { token });
      expect(response.status).toBeGreaterThanOrEqual(500);
      expect(errorCodes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(JSON.stringify(response.body)).not.toMatch(/mongo|connection|client|topology/i);
      const ready = await fetch(`${broken.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect((await fetch(`${broken.url}/health/live`)).status).toBe(200);
    } finally {
      await broken.app.stop();
    }
  });
});

describe('in development', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ NODE_ENV: 'development' });
  });
  afterAll(() => api.close());

  test('when a client introspects, then the schema is returned', async () => {
    const response = await execute(api, INTROSPECTION);
    expect(response.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  test('when a browser opens /graphql, then the Apollo Sandbox landing page is served', async () => {
    const response = await fetch(`${api.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('embeddable-sandbox');
  });

  test('when a resolver fails unexpectedly, then the message is still masked but a stack helps', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const id = await insertCorruptUser(api);
    const response = await execute(api, UserQuery, { id }, { token: await tokenFor(api, admin) });
    const [error] = response.body.errors ?? [];
    expect(error?.message).toBe('Internal server error');
    expect(error?.extensions?.stacktrace).toEqual(expect.any(Array));
  });
});
