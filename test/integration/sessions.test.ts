import { randomBytes } from 'node:crypto';
import type {
  AuditAction,
  RefreshTokenMutation as RefreshTokenMutationType,
} from '../__generated__/graphql';
import {
  errorCodes,
  execute,
  FAST_ARGON2_ENV,
  startTestApi,
  type GraphQLResponse,
  type TestApi,
} from '../helpers/api';
import {
  ChangePasswordMutation,
  LoginMutation,
  LogoutAllMutation,
  LogoutMutation,
  MeQuery,
  RefreshTokenMutation,
  RevokeSessionMutation,
  RevokeUserSessionsMutation,
  SessionsQuery,
  UpdateUserMutation,
} from '../helpers/operations';
import {
  auditEvents,
  createUser,
  signIn,
  strongPassword,
  tokenFor,
  type TestUser,
  type BodySignIn,
} from '../helpers/users';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

const login = (user: TestUser, userAgent = 'jest'): Promise<BodySignIn> =>
  signIn(api, user, { headers: { 'user-agent': userAgent } });

const refresh = (refreshToken: string) => execute(api, RefreshTokenMutation, { refreshToken });
const meStatus = async (token: string) =>
  (await execute(api, MeQuery, undefined, { token })).status;
const sessionsCollection = () => api.connection.db!.collection('sessions');
const tokensCollection = () => api.connection.db!.collection('refreshTokens');
const newestSessionId = async () =>
  (await sessionsCollection().findOne({}, { sort: { _id: -1 } }))?._id;
const auditOf = (action: AuditAction) => auditEvents(api, { action });

describe('refresh tokens', () => {
  test('when a user logs in, then an opaque refresh token is returned and only its hash is stored', async () => {
    const payload = await login(await createUser(api));
    expect(payload.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(payload.refreshExpiresIn).toBeGreaterThan(24 * 3600 - 10);
    expect(payload.refreshExpiresIn).toBeLessThanOrEqual(24 * 3600);
    const stored = await sessionsCollection().find({}).toArray();
    expect(JSON.stringify(stored)).not.toContain(payload.refreshToken);
    expect(JSON.stringify(stored)).not.toContain(payload.accessToken);
  });

  test('when a refresh token is used, then both tokens are replaced and the new ones work', async () => {
    const first = await login(await createUser(api));
    const response = await refresh(first.refreshToken);
    const second = response.body.data?.refreshToken;
    expect(second?.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(second?.refreshToken).not.toBe(first.refreshToken);
    expect(second?.accessToken).not.toBe(first.accessToken);
    expect(await meStatus(second?.accessToken ?? '')).toBe(200);
    const third = await refresh(second?.refreshToken ?? '');
    expect(third.body.data?.refreshToken.user.id).toBe(first.user.id);
  });

  test('when a retired refresh token is presented again, then the whole family is revoked and audited', async () => {
    const first = await login(await createUser(api));
    const second = (await refresh(first.refreshToken)).body.data?.refreshToken;
    const replay = await refresh(first.refreshToken);
    expect(errorCodes(replay)).toEqual(['UNAUTHENTICATED']);
    // The thief's copy and the victim's current tokens are all dead now.
    expect(errorCodes(await refresh(second?.refreshToken ?? ''))).toEqual(['UNAUTHENTICATED']);
    expect(await meStatus(second?.accessToken ?? '')).toBe(401);
    expect(await meStatus(first.accessToken)).toBe(401);
    const events = await auditOf('REFRESH_TOKEN_REUSE_DETECTED');
    expect(events.some((event) => event.actorId === first.user.id)).toBe(true);
  });

  test('when the same refresh token is used several times at once, then exactly one rotation succeeds', async () => {
    for (let round = 0; round < 5; round += 1) {
      const first = await login(await createUser(api));
      const results = await Promise.all([1, 2, 3].map(() => refresh(first.refreshToken)));
      const succeeded = results.filter((result) => result.body.data?.refreshToken);
      expect(succeeded).toHaveLength(1);
    }
  });

  test('when a session passed its absolute lifetime, then its refresh token is refused before any clean-up', async () => {
    const first = await login(await createUser(api));
    await sessionsCollection().updateOne(
      { _id: await newestSessionId() },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    expect(errorCodes(await refresh(first.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect(await meStatus(first.accessToken)).toBe(401);
  });

  test('when a refresh token sat unused longer than the idle limit, then it is refused', async () => {
    const first = await login(await createUser(api));
    await tokensCollection().updateOne(
      { sessionId: await newestSessionId() },
      { $set: { issuedAt: new Date(Date.now() - 25 * 3600 * 1000) } },
    );
    expect(errorCodes(await refresh(first.refreshToken))).toEqual(['UNAUTHENTICATED']);
  });

  test('when ended sessions are old enough, then the sweep deletes them and no TTL index is used', async () => {
    const user = await createUser(api);
    const kept = await login(user);
    const old = await login(user);
    const oldSession = await newestSessionId();
    await sessionsCollection().updateOne(
      { _id: oldSession },
      { $set: { expiresAt: new Date(Date.now() - 3 * 86_400_000) } },
    );
    await tokensCollection().updateMany(
      { sessionId: oldSession },
      { $set: { expiresAt: new Date(Date.now() - 3 * 86_400_000) } },
    );
    expect(await api.app.services.sessions.purgeEnded()).toBeGreaterThanOrEqual(1);
    expect(await sessionsCollection().findOne({ _id: oldSession })).toBeNull();
    expect(await tokensCollection().countDocuments({ sessionId: oldSession })).toBe(0);
    expect(errorCodes(await refresh(old.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect((await refresh(kept.refreshToken)).body.data?.refreshToken).toBeDefined();
    for (const collection of [sessionsCollection(), tokensCollection()]) {
      const indexes = await collection.indexes();
      expect(indexes.filter((index) => index.expireAfterSeconds !== undefined)).toEqual([]);
    }
  });

  test('when tokens are swapped, then neither kind is accepted as the other', async () => {
    const payload = await login(await createUser(api));
    expect(await meStatus(payload.refreshToken)).toBe(401);
    expect(errorCodes(await refresh(payload.accessToken))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('ending sessions', () => {
  test('when a user logs out, then that session ends and the other one lives on', async () => {
    const user = await createUser(api);
    const laptop = await login(user, 'laptop');
    const phone = await login(user, 'phone');
    const response = await execute(api, LogoutMutation, undefined, { token: laptop.accessToken });
    expect(response.body.data?.logout).toBe(true);
    expect(await meStatus(laptop.accessToken)).toBe(401);
    expect(errorCodes(await refresh(laptop.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect(await meStatus(phone.accessToken)).toBe(200);
    expect((await refresh(phone.refreshToken)).body.data?.refreshToken).toBeDefined();
  });

  test('when a user logs out everywhere, then every session ends', async () => {
    const user = await createUser(api);
    const laptop = await login(user, 'laptop');
    const phone = await login(user, 'phone');
    await execute(api, LogoutAllMutation, undefined, { token: laptop.accessToken });
    for (const session of [laptop, phone]) {
      expect(await meStatus(session.accessToken)).toBe(401);
      expect(errorCodes(await refresh(session.refreshToken))).toEqual(['UNAUTHENTICATED']);
    }
  });

  test('when a user lists sessions, then each active one shows with the current one marked', async () => {
    const user = await createUser(api);
    const laptop = await login(user, 'laptop browser');
    await login(user, 'phone app');
    const ended = await login(user, 'ended');
    await execute(api, LogoutMutation, undefined, { token: ended.accessToken });
    const response = await execute(api, SessionsQuery, undefined, { token: laptop.accessToken });
    const sessions = response.body.data?.sessions ?? [];
    expect(sessions.map((session) => session.userAgent).sort()).toEqual([
      'laptop browser',
      'phone app',
    ]);
    expect(sessions.filter((session) => session.current).map((s) => s.userAgent)).toEqual([
      'laptop browser',
    ]);
    expect(sessions[0]?.ipAddress).toMatch(/127\.0\.0\.1/);
  });

  test("when a user revokes a session, then it ends; another user's id answers like an unknown one", async () => {
    const user = await createUser(api);
    const stranger = await createUser(api);
    const laptop = await login(user, 'laptop');
    const phone = await login(user, 'phone');
    const strangers = await login(stranger, 'stranger');
    const list = await execute(api, SessionsQuery, undefined, { token: laptop.accessToken });
    const phoneId = list.body.data?.sessions?.find((s) => s.userAgent === 'phone')?.id ?? '';
    const strangerList = await execute(api, SessionsQuery, undefined, {
      token: strangers.accessToken,
    });
    const strangerId = strangerList.body.data?.sessions?.[0]?.id ?? '';

    const revoke = (id: string) =>
      execute(api, RevokeSessionMutation, { id }, { token: laptop.accessToken });
    const foreign = await revoke(strangerId);
    const unknown = await revoke('0123456789abcdef01234567');
    expect(foreign.body).toEqual(unknown.body);
    expect(foreign.body).toEqual({ data: { revokeSession: false } });
    expect(await meStatus(strangers.accessToken)).toBe(200);

    expect((await revoke(phoneId)).body).toEqual({ data: { revokeSession: true } });
    expect(await meStatus(phone.accessToken)).toBe(401);
    expect(await meStatus(laptop.accessToken)).toBe(200);
  });

  test('when an admin revokes a user’s sessions, then all of them end', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const target = await createUser(api);
    const session = await login(target);
    const response = await execute(
      api,
      RevokeUserSessionsMutation,
      { userId: target.id },
      { token: await tokenFor(api, admin) },
    );
    expect(response.body).toEqual({ data: { revokeUserSessions: true } });
    expect(await meStatus(session.accessToken)).toBe(401);
    expect(errorCodes(await refresh(session.refreshToken))).toEqual(['UNAUTHENTICATED']);
    const missing = await execute(
      api,
      RevokeUserSessionsMutation,
      { userId: 'f'.repeat(24) },
      { token: await tokenFor(api, admin) },
    );
    expect(errorCodes(missing)).toEqual(['NOT_FOUND']);
  });

  test.each([
    ['disabled', { disabled: true }],
    ['given other roles', { roles: ['ADMIN' as const] }],
  ])('when a user is %s, then their refresh tokens stop working too', async (_how, input) => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const target = await createUser(api);
    const session = await login(target);
    await execute(
      api,
      UpdateUserMutation,
      { id: target.id, input },
      { token: await tokenFor(api, admin) },
    );
    if ('disabled' in input) {
      await execute(
        api,
        UpdateUserMutation,
        { id: target.id, input: { disabled: false } },
        { token: await tokenFor(api, admin) },
      );
    }
    expect(errorCodes(await refresh(session.refreshToken))).toEqual(['UNAUTHENTICATED']);
    expect(await meStatus(session.accessToken)).toBe(401);
  });
});

describe('changing a password', () => {
  test('when the current password is right, then every old token dies at once and fresh ones work', async () => {
    const user = await createUser(api);
    const other = await login(user, 'other device');
    const current = await login(user, 'this device');
    const newPassword = strongPassword();
    const response = await execute(
      api,
      ChangePasswordMutation,
      { currentPassword: user.password, newPassword },
      { token: current.accessToken },
    );
    const fresh = response.body.data?.changePassword;
    expect(fresh?.user.id).toBe(user.id);
    // Issued in the same second as the change, yet refused: revocation is not time-based.
    for (const old of [current, other]) {
      expect(await meStatus(old.accessToken)).toBe(401);
      expect(errorCodes(await refresh(old.refreshToken))).toEqual(['UNAUTHENTICATED']);
    }
    expect(await meStatus(fresh?.accessToken ?? '')).toBe(200);
    expect((await refresh(fresh?.refreshToken ?? '')).body.data).toBeDefined();
    await expect(login({ ...user, password: newPassword })).resolves.toBeDefined();
    await expect(login(user)).rejects.toThrow('login failed');
  });

  test('when the current password is wrong, then BAD_USER_INPUT names it, nothing changes and it is audited', async () => {
    const user = await createUser(api);
    const session = await login(user);
    const response = await execute(
      api,
      ChangePasswordMutation,
      { currentPassword: 'definitely not it', newPassword: strongPassword() },
      { token: session.accessToken },
    );
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors?.[0]?.extensions?.field).toBe('currentPassword');
    expect(await meStatus(session.accessToken)).toBe(200);
    const failures = await auditOf('PASSWORD_CHANGED');
    expect(failures.some((e) => e.actorId === user.id && e.outcome === 'FAILURE')).toBe(true);
  });

  test.each([['short'], ['123456789987654321'], ['']])(
    'when the new password %j breaks the policy, then BAD_USER_INPUT names newPassword',
    async (newPassword) => {
      const user = await createUser(api);
      const session = await login(user);
      const response = await execute(
        api,
        ChangePasswordMutation,
        { currentPassword: user.password, newPassword },
        { token: session.accessToken },
      );
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors?.[0]?.extensions?.field).toBe('newPassword');
      expect(await meStatus(session.accessToken)).toBe(200);
    },
  );

  test('when five changes race with the right current password, then one wins and the others get CONFLICT without a failed attempt', async () => {
    const user = await createUser(api);
    const session = await login(user);
    const candidates = Array.from({ length: 5 }, () => strongPassword());
    const responses = await Promise.all(
      candidates.map((newPassword) =>
        execute(
          api,
          ChangePasswordMutation,
          { currentPassword: user.password, newPassword },
          { token: session.accessToken },
        ),
      ),
    );
    const winners = responses.flatMap((response, i) =>
      response.body.data?.changePassword ? [i] : [],
    );
    expect(winners).toHaveLength(1);
    const winner = winners[0] ?? -1;
    for (const [i, response] of responses.entries()) {
      if (i !== winner) expect(errorCodes(response)).toEqual(['CONFLICT']);
    }
    // The winner's password and tokens work; nobody else's password was ever stored.
    const fresh = responses[winner]?.body.data?.changePassword?.accessToken ?? '';
    expect(await meStatus(fresh)).toBe(200);
    for (const [i, candidate] of candidates.entries()) {
      const attempt = await execute(api, LoginMutation, {
        username: user.username,
        password: candidate,
      });
      expect(attempt.body.data?.login != null).toBe(i === winner);
    }
    const failures = (await auditOf('PASSWORD_CHANGED')).filter(
      (event) => event.actorId === user.id && event.outcome === 'FAILURE',
    );
    expect(failures).toEqual([]);
  });
});

describe('refresh-token reuse grace', () => {
  interface GracedSession {
    readonly graced: TestApi;
    readonly user: TestUser;
    readonly first: BodySignIn;
    readonly refreshOn: (
      refreshToken: string,
    ) => Promise<GraphQLResponse<RefreshTokenMutationType>>;
  }

  /** A signed-in user on an instance with the given grace (the tests' default is strict). */
  async function withGrace(grace: string, work: (session: GracedSession) => Promise<void>) {
    const graced = await startTestApi({
      MONGODB_URI: api.config.mongodbUri ?? '',
      JWT_SECRET: randomBytes(32).toString('hex'),
      REFRESH_TOKEN_REUSE_GRACE: grace,
    });
    try {
      const user = await createUser(graced);
      await work({
        graced,
        user,
        first: await signIn(graced, user),
        refreshOn: (refreshToken) => execute(graced, RefreshTokenMutation, { refreshToken }),
      });
    } finally {
      await graced.app.stop();
      await graced.connection.close();
    }
  }

  test('when two tabs refresh the same token at once, then both stay signed in (default 10s)', async () => {
    await withGrace('10s', async ({ graced, user, first, refreshOn }) => {
      const tabs = await Promise.all([
        refreshOn(first.refreshToken),
        refreshOn(first.refreshToken),
      ]);
      for (const tab of tabs) {
        const payload = tab.body.data?.refreshToken;
        expect(payload?.user.id).toBe(user.id);
        const me = await execute(graced, MeQuery, undefined, { token: payload?.accessToken ?? '' });
        expect(me.body.data?.me?.id).toBe(user.id);
        // Each tab's new refresh token keeps working.
        const next = await refreshOn(payload?.refreshToken ?? '');
        expect(next.body.data?.refreshToken.user.id).toBe(user.id);
      }
      const reuse = (await auditEvents(graced, { action: 'REFRESH_TOKEN_REUSE_DETECTED' })).filter(
        (event) => event.actorId === user.id,
      );
      expect(reuse).toEqual([]);
    });
  });

  test('when a retired token comes back a third time within the grace, then it is reuse and the session ends', async () => {
    await withGrace('10s', async ({ graced, first, refreshOn }) => {
      const successor = (await refreshOn(first.refreshToken)).body.data?.refreshToken;
      const sibling = (await refreshOn(first.refreshToken)).body.data?.refreshToken;
      expect(sibling?.refreshToken).toBeDefined();
      const third = await refreshOn(first.refreshToken);
      expect(third.body.errors?.[0]?.extensions?.reason).toBe('SESSION_ENDED');
      for (const payload of [successor, sibling]) {
        const me = await execute(graced, MeQuery, undefined, { token: payload?.accessToken ?? '' });
        expect(me.status).toBe(401);
      }
    });
  });

  test('when a retired token comes back after the grace, then the session is revoked as before', async () => {
    await withGrace('1s', async ({ first, refreshOn }) => {
      const second = (await refreshOn(first.refreshToken)).body.data?.refreshToken;
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const replay = await refreshOn(first.refreshToken);
      expect(replay.body.errors?.[0]?.extensions?.reason).toBe('SESSION_ENDED');
      expect(errorCodes(await refreshOn(second?.refreshToken ?? ''))).toEqual(['UNAUTHENTICATED']);
    });
  });
});

describe('argon2 parameters', () => {
  test('when a hash is weaker than the configured parameters, then the next login upgrades it', async () => {
    const stronger = await startTestApi({
      MONGODB_URI: api.config.mongodbUri ?? '',
      JWT_SECRET: randomBytes(32).toString('hex'),
      ARGON2_MEMORY_KIB: String(Number(FAST_ARGON2_ENV.ARGON2_MEMORY_KIB) * 2),
      ARGON2_TIME_COST: '3',
    });
    try {
      const user = await createUser(api);
      const hashOf = async () =>
        (await api.connection.db!.collection('users').findOne({ username: user.username }))
          ?.passwordHash as string;
      expect(await hashOf()).toMatch(/m=19456,p=1,t=2\$/);
      const response = await execute(stronger, LoginMutation, {
        username: user.username,
        password: user.password,
      });
      expect(response.body.data?.login.user.id).toBe(user.id);
      expect(await hashOf()).toMatch(/m=38912,p=1,t=3\$/);
      await expect(login(user)).resolves.toBeDefined();
    } finally {
      await stronger.app.stop();
      await stronger.connection.close();
    }
  });

  test('when a hash was made at a higher cost than configured, then the next login brings it to the configured cost', async () => {
    const heavier = await startTestApi({
      MONGODB_URI: api.config.mongodbUri ?? '',
      ARGON2_MEMORY_KIB: '65536',
      ARGON2_TIME_COST: '3',
      ARGON2_PARALLELISM: '4',
    });
    try {
      // The account was made under the old defaults (the argon2 package's: 64 MiB, t=3, p=4).
      const user = await createUser(heavier);
      const hashOf = async () =>
        (await api.connection.db!.collection('users').findOne({ username: user.username }))
          ?.passwordHash as string;
      expect(await hashOf()).toMatch(/m=65536,p=4,t=3\$/);
      await expect(login(user)).resolves.toBeDefined();
      expect(await hashOf()).toMatch(/m=19456,p=1,t=2\$/);
      await expect(login(user)).resolves.toBeDefined();
    } finally {
      await heavier.app.stop();
      await heavier.connection.close();
    }
  });
});
