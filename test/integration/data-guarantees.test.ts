import { OPERATION_BOUND_MS, OPERATION_DEADLINE_MS } from '../../src/db/connection';
import {
  errorCodes,
  execute,
  freshDatabaseName,
  post,
  startTestApi,
  testServerUri,
  type TestApi,
} from '../helpers/api';
import {
  LogoutMutation,
  MeQuery,
  RefreshTokenMutation,
  UpdateUserMutation,
  UsersQuery,
} from '../helpers/operations';
import { auditEvents, createUser, signIn, tokenFor } from '../helpers/users';
import { startProxiedApi, startWireProxy, type WireProxy } from '../helpers/wire-proxy';

const READS = new Set(['find', 'aggregate', 'count', 'distinct']);
const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);

let proxy: WireProxy;
let api: TestApi;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ proxy, api, close } = await startProxiedApi());
});
afterAll(() => close());

/** The commands the API sent on behalf of its collections (not the driver's own handshakes). */
const dataCommands = (names: ReadonlySet<string>) =>
  proxy.commands.filter((command) => names.has(command.name));

describe('the guarantees every command carries', () => {
  test('when the API reads and writes, then reads ask for majority and writes wait for one, with deadlines', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const user = await createUser(api);
    const session = await signIn(api, user);
    await execute(api, MeQuery, undefined, { token: session.accessToken });
    await execute(api, RefreshTokenMutation, { refreshToken: session.refreshToken });
    await execute(
      api,
      UpdateUserMutation,
      { id: user.id, input: { fullName: 'Recorded Change' } },
      { token: await tokenFor(api, admin) },
    );

    const reads = dataCommands(READS);
    const writes = dataCommands(WRITES);
    expect(reads.length).toBeGreaterThan(5);
    expect(writes.length).toBeGreaterThan(5);
    for (const read of reads) {
      expect({ name: read.name, readConcern: read.body.readConcern }).toEqual({
        name: read.name,
        readConcern: { level: 'majority' },
      });
      expect(read.body.maxTimeMS).toBe(OPERATION_DEADLINE_MS);
      // No read preference other than the primary's is ever asked for.
      const preference = read.body.$readPreference as { mode?: string } | undefined;
      expect([undefined, 'primary']).toContain(preference?.mode);
    }
    for (const write of writes) {
      expect({ name: write.name, writeConcern: write.body.writeConcern }).toEqual({
        name: write.name,
        writeConcern: { w: 'majority', j: true, wtimeout: OPERATION_DEADLINE_MS },
      });
      // Writes carry the server-side deadline too, so MongoDB aborts one that runs out of time.
      expect({ name: write.name, maxTimeMS: write.body.maxTimeMS }).toEqual({
        name: write.name,
        maxTimeMS: OPERATION_DEADLINE_MS,
      });
    }
  });
});

describe('connection strings that would weaken them', () => {
  test.each([
    ['w=1'],
    ['readPreference=secondaryPreferred'],
    ['readConcernLevel=local'],
    ['journal=false'],
    ['retryWrites=false'],
    ['wtimeoutMS=60000'],
    ['socketTimeoutMS=0'],
  ])('when MONGODB_URI sets %s, then the API refuses to start, naming it', async (option) => {
    const uri = `${proxy.uri('refused')}?${option}`;
    await expect(startTestApi({ MONGODB_URI: uri })).rejects.toThrow(option);
  });

  test('when MONGODB_URI sets other options, such as the pool size, then they are honoured', async () => {
    const other = await startTestApi({
      MONGODB_URI: `${proxy.uri(freshDatabaseName())}?maxPoolSize=3&appName=probe`,
    });
    try {
      expect(other.connection.getClient().options.maxPoolSize).toBe(3);
      expect((await fetch(`${other.url}/health/ready`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('a lost reply', () => {
  test('when the reply to a successor insert is lost, then the retry is recognised and the refresh succeeds', async () => {
    const user = await createUser(api);
    const session = await signIn(api, user);
    proxy.dropReplyTo(
      (command) =>
        command.name === 'insert' &&
        command.body.insert === 'refreshTokens' &&
        Array.isArray(command.body.documents) &&
        (command.body.documents as { previous?: string }[])[0]?.previous !== undefined,
    );
    const refreshed = await execute(api, RefreshTokenMutation, {
      refreshToken: session.refreshToken,
    });
    expect(errorCodes(refreshed)).toEqual([]);
    const next = refreshed.body.data?.refreshToken;
    expect(next?.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The session lives on: the new tokens work, and no reuse was recorded.
    expect(
      (await execute(api, MeQuery, undefined, { token: next?.accessToken ?? '' })).status,
    ).toBe(200);
    const again = await execute(api, RefreshTokenMutation, {
      refreshToken: next?.refreshToken ?? '',
    });
    expect(errorCodes(again)).toEqual([]);
    const reuse = (await auditEvents(api, { action: 'REFRESH_TOKEN_REUSE_DETECTED' })).filter(
      (event) => event.actorId === user.id,
    );
    expect(reuse).toEqual([]);
  });
});

describe('a lost reply to a revocation', () => {
  test('when the reply to ending a session is lost, then the retry finds it ended and logout succeeds', async () => {
    const user = await createUser(api);
    const session = await signIn(api, user);
    proxy.dropReplyTo((command) => command.name === 'update' && command.body.update === 'sessions');
    const logout = await execute(api, LogoutMutation, undefined, { token: session.accessToken });
    expect(errorCodes(logout)).toEqual([]);
    expect(logout.body.data?.logout).toBe(true);
    expect((await execute(api, MeQuery, undefined, { token: session.accessToken })).status).toBe(
      401,
    );
    const revoked = (await auditEvents(api, { action: 'SESSION_REVOKED' })).filter(
      (event) => event.actorId === user.id,
    );
    expect(revoked).toHaveLength(1);
  });
});

describe('counting users', () => {
  test('when a page asks for totalCount, then it is read from the collection metadata, not counted', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const since = proxy.commands.length;
    const page = await execute(
      api,
      UsersQuery,
      { first: 1 },
      { token: await tokenFor(api, admin) },
    );
    expect(page.body.data?.users?.totalCount).toBeGreaterThan(0);
    const counts = proxy.commands
      .slice(since)
      .filter((command) => command.body.count === 'users' || command.body.aggregate === 'users');
    // estimatedDocumentCount: a bare count command, no query, no aggregation over the users.
    expect(counts.map((command) => [command.name, command.body.query as unknown])).toEqual([
      ['count', undefined],
    ]);
  });
});

describe('a stalled database', () => {
  test('when the database stops answering, then every path answers promptly and cleanly', async () => {
    // Its own proxy and API: a stalled database cannot be dropped afterwards.
    const stalledProxy = await startWireProxy(testServerUri());
    const stalled = await startTestApi({
      MONGODB_URI: stalledProxy.uri(freshDatabaseName()),
      LOGIN_MAX_PER_IP_PER_MINUTE: '100000',
    });
    try {
      const user = await createUser(stalled);
      const token = await tokenFor(stalled, user);
      // Reachable but silent: every command from now on is held, never answered.
      stalledProxy.stall((command) => READS.has(command.name) || WRITES.has(command.name));
      const started = performance.now();
      const [me, login, revoke] = await Promise.all([
        execute(stalled, MeQuery, undefined, { token }),
        post(
          stalled,
          '/token',
          new URLSearchParams({
            grant_type: 'password',
            username: user.username,
            password: user.password,
          }).toString(),
          { 'content-type': 'application/x-www-form-urlencoded' },
        ),
        post(stalled, '/revoke', `token=${token}`, {
          'content-type': 'application/x-www-form-urlencoded',
        }),
      ]);
      const elapsed = performance.now() - started;
      // Bounded by one operation's bound (two attempts on the client), inside GRAPHQL_TIMEOUT.
      expect(elapsed).toBeLessThan(OPERATION_BOUND_MS + 1_000);
      expect(me.status).toBeGreaterThanOrEqual(500);
      expect(errorCodes(me)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(login.status).toBe(500);
      expect(login.body).toEqual({
        error: 'server_error',
        error_description: 'Internal server error',
      });
      expect(revoke.status).toBe(500);
      for (const answer of [JSON.stringify(me.body), login.text, revoke.text]) {
        expect(answer).not.toMatch(/mongo|timed out|socket|ECONN/i);
      }
    } finally {
      await stalledProxy.close();
      await stalled.app.stop();
      await stalled.connection.close().catch(() => undefined);
    }
  }, 30_000);
});
