import { INCORRECT_CREDENTIALS_MESSAGE } from '../../src/errors';
import { errorCodes, execute, startTestApi, type TestApi } from '../helpers/api';
import { LoginMutation, MeQuery } from '../helpers/operations';
import { createUser, strongPassword } from '../helpers/users';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe('login', () => {
  test('when the credentials are right, then a Bearer token for that user comes back', async () => {
    const user = await createUser(api);
    const response = await execute(api, LoginMutation, {
      username: user.username,
      password: user.password,
    });
    expect(response.status).toBe(200);
    const payload = response.body.data?.login;
    expect(payload).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { id: user.id, username: user.username, roles: ['USER'], disabled: false },
    });
    expect(payload?.user.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const me = await execute(api, MeQuery, undefined, { token: payload?.accessToken ?? '' });
    expect(me.body.data?.me?.id).toBe(user.id);
  });

  test('when the username differs in case or Unicode form, then it is the same account', async () => {
    const user = await createUser(api, { username: 'Zoë.Example' });
    for (const spelling of ['zoë.example', 'ZOË.EXAMPLE', 'Zoe\u0308.Example', 'Ｚoë.Example']) {
      const response = await execute(api, LoginMutation, {
        username: spelling,
        password: user.password,
      });
      expect(response.body.data?.login.user.id).toBe(user.id);
    }
  });

  test('when the user is unknown, the password wrong or the account disabled, then the answers are identical', async () => {
    const active = await createUser(api);
    const disabled = await createUser(api, { disabled: true });
    const attempts = [
      { username: 'nobody-by-this-name', password: strongPassword() },
      { username: active.username, password: `${active.password}x` },
      { username: disabled.username, password: disabled.password },
      { username: active.username, password: 'p'.repeat(129) },
      { username: 'x', password: active.password },
    ];
    const responses = await Promise.all(
      attempts.map((variables) => execute(api, LoginMutation, variables)),
    );
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.body).toEqual(responses[0]?.body);
    }
    expect(errorCodes(responses[0])).toEqual(['UNAUTHENTICATED']);
    expect(responses[0]?.body.errors?.[0]?.message).toBe(INCORRECT_CREDENTIALS_MESSAGE);
    expect(responses[0]?.body.errors?.[0]?.extensions?.reason).toBe('BAD_CREDENTIALS');
    expect(responses[0]?.body.data).toBeNull();
  });

  test('when a user is stored, then only an argon2id hash is kept and never returned', async () => {
    const user = await createUser(api);
    const stored = await api.connection.db
      ?.collection('users')
      .findOne({ usernameNormalized: user.username.toLowerCase() });
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(JSON.stringify(stored)).not.toContain(user.password);

    const response = await execute(api, LoginMutation, {
      username: user.username,
      password: user.password,
    });
    expect(JSON.stringify(response.body)).not.toMatch(/argon2|passwordHash/);
  });

  test('when requests carry passwords and tokens, then the logs never contain them', async () => {
    const user = await createUser(api);
    const login = await execute(api, LoginMutation, {
      username: user.username,
      password: user.password,
    });
    const token = login.body.data?.login.accessToken ?? '';
    await execute(api, MeQuery, undefined, { token });
    await execute(api, MeQuery, undefined, { token: `${token}x` });
    const logs = api.rawLogs();
    expect(logs).toContain('request completed');
    expect(logs).not.toContain(user.password);
    expect(logs).not.toContain(token);
  });
});
