import { errorCodes, execute, startTestApi, type TestApi } from '../helpers/api';
import {
  AdminOnlyQuery,
  ChangePasswordMutation,
  CreateUserMutation,
  LogoutMutation,
  MeQuery,
  SessionsQuery,
  UserOnlyQuery,
} from '../helpers/operations';
import {
  createUser,
  signIn,
  strongPassword,
  tokenFor,
  uniqueUsername,
  updateUser,
  type TestUser,
} from '../helpers/users';

let api: TestApi;
let adminToken: string;

beforeAll(async () => {
  api = await startTestApi();
  adminToken = await tokenFor(api, await createUser(api, { roles: ['ADMIN'] }));
});
afterAll(() => api.close());

/** A user an administrator created with a password they must replace. */
async function userWhoMustChange(roles: ('USER' | 'ADMIN')[] = ['USER']): Promise<TestUser> {
  const username = uniqueUsername('temp');
  const password = strongPassword();
  const response = await execute(
    api,
    CreateUserMutation,
    { input: { username, password, roles, mustChangePassword: true } },
    { token: adminToken },
  );
  const id = response.body.data?.createUser?.id;
  if (!id) throw new Error(JSON.stringify(response.body));
  expect(response.body.data?.createUser?.mustChangePassword).toBe(true);
  return { id, username, password, roles };
}

function reasons(response: {
  body: { errors?: readonly { extensions?: Record<string, unknown> }[] };
}) {
  return (response.body.errors ?? []).map((error) => error.extensions?.reason);
}

describe('a password change an administrator requires', () => {
  test('when such a user signs in, then sign-in works, me says so, and other fields are refused with PASSWORD_CHANGE_REQUIRED', async () => {
    const user = await userWhoMustChange();
    const { accessToken } = await signIn(api, user);
    const me = await execute(api, MeQuery, undefined, { token: accessToken });
    expect(me.body.data?.me).toMatchObject({ id: user.id, mustChangePassword: true });

    const refusals = [
      await execute(api, UserOnlyQuery, undefined, { token: accessToken }),
      await execute(api, SessionsQuery, undefined, { token: accessToken }),
    ];
    for (const refused of refusals) {
      expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
      expect(reasons(refused)).toEqual(['PASSWORD_CHANGE_REQUIRED']);
      expect(refused.status).toBe(403);
    }
  });

  test('when the user changes the password, then the new session reaches everything and the flag is gone', async () => {
    const user = await userWhoMustChange();
    const { accessToken } = await signIn(api, user);
    const changed = await execute(
      api,
      ChangePasswordMutation,
      { currentPassword: user.password, newPassword: strongPassword() },
      { token: accessToken },
    );
    const fresh = changed.body.data?.changePassword;
    expect(fresh?.user.mustChangePassword).toBe(false);
    const after = await execute(api, UserOnlyQuery, undefined, { token: fresh?.accessToken });
    expect(after.body).toEqual({ data: { userOnly: expect.any(String) } });
  });

  test('when such an administrator asks for admin fields, then they are refused until the change', async () => {
    const admin = await userWhoMustChange(['ADMIN']);
    const { accessToken } = await signIn(api, admin);
    const refused = await execute(api, AdminOnlyQuery, undefined, { token: accessToken });
    expect(reasons(refused)).toEqual(['PASSWORD_CHANGE_REQUIRED']);
  });

  test('when a user lacks the role anyway, then the refusal is the plain FORBIDDEN', async () => {
    const user = await userWhoMustChange();
    const { accessToken } = await signIn(api, user);
    const refused = await execute(api, AdminOnlyQuery, undefined, { token: accessToken });
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    expect(reasons(refused)).toEqual([undefined]);
  });

  test('when such a user logs out, then that is allowed', async () => {
    const user = await userWhoMustChange();
    const { accessToken } = await signIn(api, user);
    const out = await execute(api, LogoutMutation, undefined, { token: accessToken });
    expect(out.body).toEqual({ data: { logout: true } });
  });

  test('when an administrator sets and then lifts the flag, then a signed-in user is refused and then served', async () => {
    const user = await createUser(api);
    const { accessToken } = await signIn(api, user);
    await updateUser(api, user, { mustChangePassword: true });
    const refused = await execute(api, UserOnlyQuery, undefined, { token: accessToken });
    expect(reasons(refused)).toEqual(['PASSWORD_CHANGE_REQUIRED']);
    await updateUser(api, user, { mustChangePassword: false });
    const served = await execute(api, UserOnlyQuery, undefined, { token: accessToken });
    expect(served.body).toEqual({ data: { userOnly: expect.any(String) } });
  });
});
