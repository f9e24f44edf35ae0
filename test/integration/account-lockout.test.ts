import { errorCodes, execute, post, startTestApi, type TestApi } from '../helpers/api';
import { LoginMutation } from '../helpers/operations';
import { createUser, login, type TestUser } from '../helpers/users';

let api: TestApi;
beforeAll(async () => {
  // The shipped lockout defaults, a small account-wide ceiling so a spread attack is quick to
  // run, and the proxy on loopback trusted so each client can have an address of its own.
  api = await startTestApi({
    LOGIN_LOCKOUT_THRESHOLD: '5',
    LOGIN_MAX_PER_IP_PER_MINUTE: '10',
    LOGIN_MAX_FAILURES_PER_HOUR: '12',
    TRUST_PROXY: 'loopback',
  });
});
afterAll(() => api.close());

let counter = 0;
const address = () => `198.18.${Math.floor((counter += 1) / 250)}.${counter % 250}`;
const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

/** Signs in with the right password, from `ip`, with a device token or none. */
const signIn = (user: TestUser, ip: string, deviceToken?: string) =>
  execute(
    api,
    LoginMutation,
    { username: user.username, password: user.password, ...(deviceToken ? { deviceToken } : {}) },
    from(ip),
  );

/** Five wrong guesses from one address, as an anonymous attacker would send them. */
async function guessFrom(user: TestUser, ip: string, count = 5) {
  for (let i = 0; i < count; i += 1) {
    expect(errorCodes(await login(api, user.username, `guess ${i}`, from(ip)))).toEqual([
      'UNAUTHENTICATED',
    ]);
  }
}

describe('locking an account out', () => {
  test('when an attacker fails five times, then the owner still signs in from another address', async () => {
    const user = await createUser(api);
    const attacker = address();
    await guessFrom(user, attacker);
    expect(errorCodes(await signIn(user, attacker))).toEqual(['RATE_LIMITED']);
    const owner = await signIn(user, address());
    expect(owner.body.data?.login.user.username).toBe(user.username);
  });

  test('when the administrator is the target, then the administrator still signs in', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    await guessFrom(admin, address());
    expect((await signIn(admin, address())).body.data?.login.user.roles).toEqual(['ADMIN']);
  });

  test('when failures come from many addresses, then the account-wide ceiling stops unknown clients but not a known device', async () => {
    const user = await createUser(api);
    const ownerAddress = address();
    const first = await signIn(user, ownerAddress);
    const deviceToken = first.body.data?.login.deviceToken ?? '';
    expect(deviceToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // A browser gets the same token as an httpOnly, SameSite cookie it cannot read from script.
    expect(first.headers.get('set-cookie')).toMatch(
      new RegExp(
        `^device=${deviceToken}; Max-Age=\\d+; Path=/; .*HttpOnly; Secure; SameSite=Strict`,
      ),
    );

    // Three addresses, four guesses each: no address is locked, the account's ceiling (12) is.
    for (let i = 0; i < 3; i += 1) await guessFrom(user, address(), 4);
    expect(errorCodes(await signIn(user, address()))).toEqual(['RATE_LIMITED']);
    expect(errorCodes(await signIn(user, ownerAddress))).toEqual(['RATE_LIMITED']);

    // The device that signed in before gets through, by argument or by cookie, and keeps its token.
    const known = await signIn(user, ownerAddress, deviceToken);
    expect(known.body.data?.login.deviceToken).toBe(deviceToken);
    const byCookie = await execute(
      api,
      LoginMutation,
      { username: user.username, password: user.password },
      { headers: { 'x-forwarded-for': address(), cookie: `device=${deviceToken}` } },
    );
    expect(byCookie.body.data?.login.user.username).toBe(user.username);
    // So does the token endpoint, with the device_token extension parameter.
    const grant = await post(
      api,
      '/token',
      new URLSearchParams({
        grant_type: 'password',
        username: user.username,
        password: user.password,
        device_token: deviceToken,
      }).toString(),
      { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address() },
    );
    expect(grant.status).toBe(200);
  });

  test('when a device token is used for guessing, then its own small budget runs out', async () => {
    const user = await createUser(api);
    const deviceToken = (await signIn(user, address())).body.data?.login.deviceToken ?? '';
    for (let i = 0; i < 3; i += 1) await guessFrom(user, address(), 4);
    // A thief with the device token but not the password: five failures, then it is no better
    // than any other client while the ceiling holds.
    for (let i = 0; i < 5; i += 1) {
      const guess = await execute(
        api,
        LoginMutation,
        { username: user.username, password: `thief ${i}`, deviceToken },
        from(address()),
      );
      expect(errorCodes(guess)).toEqual(['UNAUTHENTICATED']);
    }
    expect(errorCodes(await signIn(user, address(), deviceToken))).toEqual(['RATE_LIMITED']);
  });

  test("when a device token belongs to another account, then it does not open this one's lock", async () => {
    const owner = await createUser(api);
    const other = await createUser(api);
    const foreignToken = (await signIn(other, address())).body.data?.login.deviceToken ?? '';
    for (let i = 0; i < 3; i += 1) await guessFrom(owner, address(), 4);
    expect(errorCodes(await signIn(owner, address(), foreignToken))).toEqual(['RATE_LIMITED']);
  });
});
