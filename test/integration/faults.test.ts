import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded';
import { errorCodes, execute, startTestApi, testDatabaseUri, type TestApi } from '../helpers/api';
import {
  CreateUserMutation,
  LoginMutation,
  LogoutMutation,
  MeQuery,
  RefreshTokenMutation,
} from '../helpers/operations';
import {
  createUser,
  signIn as signInAs,
  strongPassword,
  tokenFor,
  userExists,
} from '../helpers/users';

describe('when the database goes away', () => {
  let database: EmbeddedDatabase;
  let api: TestApi;

  beforeAll(async () => {
    database = await startEmbeddedDatabase(process.env.TEST_FERRETDB_BIN ?? '');
    // No auth cache: every request must reach the database for this test to mean anything.
    api = await startTestApi({ MONGODB_URI: `${database.uri}/faults`, AUTH_CACHE_TTL: '0' });
  });
  afterAll(async () => {
    await api.app.stop();
    await api.connection.close();
    await database.dispose();
  });

  test('then requests fail fast and generically, nothing is half-written, and it recovers by itself', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const token = await tokenFor(api, admin);
    expect((await execute(api, MeQuery, undefined, { token })).status).toBe(200);

    // Requests in flight while the database stops, and requests during the outage.
    const inFlight = Promise.all([
      execute(api, MeQuery, undefined, { token }),
      execute(api, LoginMutation, { username: admin.username, password: admin.password }),
    ]);
    await database.stop();
    const started = performance.now();
    const [settled, during] = await Promise.all([
      inFlight,
      Promise.all([
        execute(api, MeQuery, undefined, { token }),
        execute(
          api,
          CreateUserMutation,
          { input: { username: 'born-in-outage', password: strongPassword() } },
          { token },
        ),
        execute(api, LoginMutation, { username: admin.username, password: admin.password }),
      ]),
    ]);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(8_000);
    for (const response of during) {
      // 500 when the request context could not be built, 200 with a field error otherwise.
      expect([200, 500]).toContain(response.status);
      expect(errorCodes(response)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(JSON.stringify(response.body)).not.toMatch(/mongo|ECONN|topology|server selection/i);
    }
    // Those in flight either finished before the stop or failed like the rest; none hung.
    for (const response of settled) expect([200, 500]).toContain(response.status);
    expect((await fetch(`${api.url}/health/ready`)).status).toBe(503);
    expect((await fetch(`${api.url}/health/live`)).status).toBe(200);

    await database.start();
    let recovered = false;
    for (let i = 0; i < 60 && !recovered; i += 1) {
      recovered = (await fetch(`${api.url}/health/ready`)).status === 200;
      if (!recovered) await delay(250);
    }
    expect(recovered).toBe(true);
    expect((await execute(api, MeQuery, undefined, { token })).status).toBe(200);
    await expect(userExists(api, 'born-in-outage')).resolves.toBe(false);
    const login = await execute(api, LoginMutation, {
      username: admin.username,
      password: admin.password,
    });
    expect(login.body.data?.login.user.id).toBe(admin.id);
  });
});

describe('two instances on one database', () => {
  test('then refresh-token reuse and revocations made on one are honoured by the other', async () => {
    const database = testDatabaseUri();
    const secret = randomBytes(32).toString('hex');
    const one = await startTestApi({ MONGODB_URI: database, JWT_SECRET: secret });
    const two = await startTestApi({ MONGODB_URI: database, JWT_SECRET: secret });
    try {
      const user = await createUser(one);
      const signIn = () => signInAs(one, user);

      // Rotate on one, replay the old token on two: the family dies everywhere.
      const first = await signIn();
      const rotated = await execute(one, RefreshTokenMutation, {
        refreshToken: first.refreshToken,
      });
      expect(rotated.body.data?.refreshToken).toBeDefined();
      expect(
        errorCodes(await execute(two, RefreshTokenMutation, { refreshToken: first.refreshToken })),
      ).toEqual(['UNAUTHENTICATED']);
      const next = rotated.body.data?.refreshToken;
      expect(
        (await execute(one, MeQuery, undefined, { token: next?.accessToken ?? '' })).status,
      ).toBe(401);

      // Log out on two: refused at once there, and on one within the auth cache's bound.
      const second = await signIn();
      expect((await execute(one, MeQuery, undefined, { token: second.accessToken })).status).toBe(
        200,
      );
      await execute(two, LogoutMutation, undefined, { token: second.accessToken });
      const loggedOutAt = performance.now();
      expect((await execute(two, MeQuery, undefined, { token: second.accessToken })).status).toBe(
        401,
      );
      while (
        (await execute(one, MeQuery, undefined, { token: second.accessToken })).status !== 401
      ) {
        expect(performance.now() - loggedOutAt).toBeLessThan(one.config.authCacheTtlMs + 500);
        await delay(50);
      }
    } finally {
      await two.app.stop();
      await two.connection.close();
      await one.close();
    }
  });
});
