import type { AuditEventsQuery as AuditEventsResult } from '../__generated__/graphql';
import {
  errorCodes,
  execute,
  startTestApi,
  type GraphQLResponse,
  type TestApi,
} from '../helpers/api';
import {
  AuditEventsQuery,
  ChangePasswordMutation,
  CreateUserMutation,
  DeleteUserMutation,
  LoginMutation,
  LogoutMutation,
  RefreshTokenMutation,
  UpdateUserMutation,
  UsersQuery,
} from '../helpers/operations';
import {
  auditEvents,
  createUser,
  login,
  strongPassword,
  tokenFor,
  uniqueUsername,
} from '../helpers/users';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ LOGIN_LOCKOUT_THRESHOLD: '5', TRUST_PROXY: 'loopback' });
});
afterAll(() => api.close());

const events = () => api.connection.db!.collection('auditEvents');

describe('the audit trail', () => {
  test('when security events happen, then each is recorded with who, what, whom, how, where and which request', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const adminToken = await tokenFor(api, admin);
    const as = (token: string, requestId: string) => ({
      token,
      headers: { 'x-request-id': requestId, 'x-forwarded-for': '192.0.2.7' },
    });

    const username = uniqueUsername('audited');
    const password = strongPassword();
    const created = await execute(
      api,
      CreateUserMutation,
      { input: { username, password } },
      as(adminToken, 'req-create'),
    );
    const userId = created.body.data?.createUser?.id ?? '';
    await execute(
      api,
      UpdateUserMutation,
      { id: userId, input: { roles: ['ADMIN', 'USER'] } },
      as(adminToken, 'req-roles'),
    );
    await execute(
      api,
      UpdateUserMutation,
      { id: userId, input: { disabled: true } },
      as(adminToken, 'req-disable'),
    );
    await execute(
      api,
      UpdateUserMutation,
      { id: userId, input: { disabled: false } },
      as(adminToken, 'req-enable'),
    );
    await execute(
      api,
      UpdateUserMutation,
      { id: userId, input: { roles: ['USER'] } },
      as(adminToken, 'req-demote'),
    );

    const failed = await execute(
      api,
      LoginMutation,
      { username, password: 'wrong one' },
      as('', 'req-login-fail'),
    );
    expect(errorCodes(failed)).toEqual(['UNAUTHENTICATED']);
    const login = await execute(api, LoginMutation, { username, password }, as('', 'req-login'));
    const session = login.body.data?.login;
    const userToken = session?.accessToken ?? '';
    const refreshed = await execute(api, RefreshTokenMutation, {
      refreshToken: session?.refreshToken ?? '',
    });
    await execute(
      api,
      RefreshTokenMutation,
      { refreshToken: session?.refreshToken ?? '' },
      as('', 'req-replay'),
    );
    const again = await execute(api, LoginMutation, { username, password }, as('', 'req-login-2'));
    const secondToken = again.body.data?.login.accessToken ?? '';
    await execute(api, UsersQuery, { first: 1 }, as(secondToken, 'req-denied'));
    const newPassword = strongPassword();
    const changed = await execute(
      api,
      ChangePasswordMutation,
      { currentPassword: password, newPassword },
      as(secondToken, 'req-password'),
    );
    await execute(
      api,
      LogoutMutation,
      undefined,
      as(changed.body.data?.changePassword?.accessToken ?? '', 'req-logout'),
    );
    await execute(api, DeleteUserMutation, { id: userId }, as(adminToken, 'req-delete'));
    // Let the refusal's fire-and-forget write land.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const expected: [string, string, string][] = [
      ['req-create', 'USER_CREATED', 'success'],
      ['req-roles', 'USER_ROLES_CHANGED', 'success'],
      ['req-disable', 'USER_DISABLED', 'success'],
      ['req-enable', 'USER_ENABLED', 'success'],
      ['req-login-fail', 'LOGIN', 'failure'],
      ['req-login', 'LOGIN', 'success'],
      ['req-replay', 'REFRESH_TOKEN_REUSE_DETECTED', 'denied'],
      ['req-denied', 'AUTHORIZATION_DENIED', 'denied'],
      ['req-password', 'PASSWORD_CHANGED', 'success'],
      ['req-logout', 'SESSION_REVOKED', 'success'],
      ['req-delete', 'USER_DELETED', 'success'],
    ];
    for (const [requestId, action, outcome] of expected) {
      const event = await events().findOne({ requestId, action });
      expect({ requestId, action, outcome: event?.outcome }).toEqual({
        requestId,
        action,
        outcome,
      });
      expect(event?.at).toBeInstanceOf(Date);
      expect(event?.ipAddress).toBe('192.0.2.7');
    }
    const roleChange = await events().findOne({ requestId: 'req-roles' });
    expect(String(roleChange?.actorId)).toBe(admin.id);
    expect(String(roleChange?.targetId)).toBe(userId);
    expect(roleChange?.details).toEqual({ from: ['USER'], to: ['ADMIN', 'USER'] });

    const everything = JSON.stringify(await events().find({}).toArray());
    for (const secret of [
      password,
      newPassword,
      userToken,
      secondToken,
      session?.refreshToken ?? 'x',
      refreshed.body.data?.refreshToken.refreshToken ?? 'x',
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  test('when an admin pages through events, then they come newest first and filters narrow them', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const token = await tokenFor(api, admin);
    const target = await createUser(api);
    for (let i = 0; i < 3; i += 1) {
      await execute(
        api,
        LoginMutation,
        { username: target.username, password: `wrong ${i}` },
        { headers: { 'x-forwarded-for': `192.0.2.${i + 20}` } },
      );
    }
    const page = async (variables: Record<string, unknown>) => {
      const response: GraphQLResponse<AuditEventsResult> = await execute(
        api,
        AuditEventsQuery,
        variables,
        { token },
      );
      expect(response.body.errors).toBeUndefined();
      const events = response.body.data?.auditEvents;
      if (!events) throw new Error('expected auditEvents');
      return events;
    };

    const all = await page({ first: 100 });
    const times = all.edges.map((edge) => Date.parse(edge.node.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const byActor = await page({ first: 100, filter: { actorId: target.id, action: 'LOGIN' } });
    expect(byActor.edges.map((edge) => [edge.node.outcome, edge.node.actorName])).toEqual([
      ['FAILURE', target.username],
      ['FAILURE', target.username],
      ['FAILURE', target.username],
    ]);

    const first = await page({ first: 2, filter: { actorId: target.id } });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await page({
      first: 2,
      after: first.pageInfo.endCursor,
      filter: { actorId: target.id },
    });
    const ids = [...first.edges, ...second.edges].map((edge) => edge.node.id);
    expect(new Set(ids).size).toBe(3);

    const future = await page({
      first: 10,
      filter: { from: new Date(Date.now() + 60_000).toISOString() },
    });
    expect(future.edges).toEqual([]);
    const past = await page({ first: 10, filter: { to: new Date(0).toISOString() } });
    expect(past.edges).toEqual([]);
    const created = await page({
      first: 100,
      filter: { targetId: target.id, action: 'USER_CREATED' },
    });
    expect(created.edges).toHaveLength(1);
  });

  test('when a failed sign-in names control or format characters, then the trail stores them defused', async () => {
    const marker = uniqueUsername('defused');
    const tried = `${marker}\u202eevil\u0000\u200b\u001b[31m`;
    expect(errorCodes(await login(api, tried, 'whatever password'))).toEqual(['UNAUTHENTICATED']);
    const [event] = (await auditEvents(api, { action: 'LOGIN' })).filter((e) =>
      e.actorName?.startsWith(marker),
    );
    expect(event?.actorName).toBe(`${marker}\ufffdevil\ufffd\ufffd\ufffd[31m`);
  });

  test('when filters or cursors are malformed, then BAD_USER_INPUT names them', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const token = await tokenFor(api, admin);
    for (const [variables, field] of [
      [{ filter: { actorId: 'nope' } }, 'filter.actorId'],
      [{ filter: { targetId: '{"$gt":""}' } }, 'filter.targetId'],
      [{ after: 'garbage' }, 'after'],
      [{ first: 0 }, 'first'],
    ] as const) {
      const response = await execute(api, AuditEventsQuery, variables, { token });
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors?.[0]?.extensions?.field).toBe(field);
    }
    const badDate = await execute(
      api,
      AuditEventsQuery,
      { filter: { from: 'yesterday' } },
      { token },
    );
    expect(badDate.status).toBe(400);
  });
});
