import { ResourceOwnerPassword } from 'simple-oauth2';
import { execute, post, startTestApi, type TestApi } from '../helpers/api';
import { MeQuery } from '../helpers/operations';
import { createUser, type TestUser } from '../helpers/users';

let api: TestApi;
let user: TestUser;
beforeAll(async () => {
  api = await startTestApi();
  user = await createUser(api);
});
afterAll(() => api.close());

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const postForm = (path: string, body: string, headers: Record<string, string> = FORM) =>
  post(api, path, body, headers);

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const passwordGrant = () =>
  postForm(
    '/token',
    form({ grant_type: 'password', username: user.username, password: user.password }),
  );
const meStatus = async (token: string) =>
  (await execute(api, MeQuery, undefined, { token })).status;

describe('POST /token', () => {
  test('when the password grant succeeds, then RFC 6749 fields come back uncacheable', async () => {
    const reply = await passwordGrant();
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('pragma')).toBe('no-cache');
    expect(reply.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      refresh_expires_in: expect.any(Number),
      // An extension parameter: this client's device token (see the throttling tests).
      device_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(await meStatus(String(reply.body.access_token))).toBe(200);
  });

  test('when the refresh_token grant is used, then it rotates like the mutation', async () => {
    const first = await passwordGrant();
    const second = await postForm(
      '/token',
      form({ grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) }),
    );
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    const replay = await postForm(
      '/token',
      form({ grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) }),
    );
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await meStatus(String(second.body.access_token))).toBe(401);
  });

  test.each([
    ['no grant_type', form({ username: 'a', password: 'b' }), 'invalid_request'],
    ['an unknown grant_type', form({ grant_type: 'client_credentials' }), 'unsupported_grant_type'],
    ['a missing password', form({ grant_type: 'password', username: 'a' }), 'invalid_request'],
    [
      'an empty username',
      form({ grant_type: 'password', username: '', password: 'b' }),
      'invalid_request',
    ],
    [
      'a repeated parameter',
      'grant_type=password&grant_type=password&username=a&password=b',
      'invalid_request',
    ],
    [
      'wrong credentials',
      form({ grant_type: 'password', username: 'nobody-here', password: 'nope' }),
      'invalid_grant',
    ],
    ['a missing refresh_token', form({ grant_type: 'refresh_token' }), 'invalid_request'],
    [
      'a bad refresh_token',
      form({ grant_type: 'refresh_token', refresh_token: 'x'.repeat(43) }),
      'invalid_grant',
    ],
  ])('when the request has %s, then 400 %s', async (_case, body, error) => {
    const reply = await postForm('/token', body);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe(error);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(JSON.stringify(reply.body)).not.toMatch(/\bat .*:\d+|Error:/);
  });

  test('when the body is JSON instead of a form, then 400 invalid_request', async () => {
    const reply = await postForm('/token', JSON.stringify({ grant_type: 'password' }), {
      'content-type': 'application/json',
    });
    expect(reply).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  test('when /token is called with GET, then 405', async () => {
    const response = await fetch(`${api.url}/token`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  test('when an OAuth2 client library drives it, then password and refresh grants work', async () => {
    const client = new ResourceOwnerPassword({
      client: { id: 'first-party-app', secret: 'unused' },
      auth: { tokenHost: api.url, tokenPath: '/token' },
      options: { authorizationMethod: 'body' },
    });
    const token = await client.getToken({ username: user.username, password: user.password });
    expect(token.token.token_type).toBe('Bearer');
    expect(await meStatus(String(token.token.access_token))).toBe(200);
    const refreshed = await token.refresh();
    expect(refreshed.token.access_token).not.toBe(token.token.access_token);
    expect(await meStatus(String(refreshed.token.access_token))).toBe(200);
    await expect(
      client.getToken({ username: user.username, password: 'wrong password entirely' }),
    ).rejects.toMatchObject({ data: { payload: { error: 'invalid_grant' } } });
  });
});

describe('POST /revoke', () => {
  test('when a refresh token is revoked, then 200 and neither of its session’s tokens works', async () => {
    const grant = await passwordGrant();
    const reply = await postForm('/revoke', form({ token: String(grant.body.refresh_token) }));
    expect(reply.status).toBe(200);
    expect(await meStatus(String(grant.body.access_token))).toBe(401);
    const reuse = await postForm(
      '/token',
      form({ grant_type: 'refresh_token', refresh_token: String(grant.body.refresh_token) }),
    );
    expect(reuse.body.error).toBe('invalid_grant');
  });

  test('when an access token is revoked, even with the wrong hint, then it stops working', async () => {
    const grant = await passwordGrant();
    const reply = await postForm(
      '/revoke',
      form({ token: String(grant.body.access_token), token_type_hint: 'refresh_token' }),
    );
    expect(reply.status).toBe(200);
    expect(await meStatus(String(grant.body.access_token))).toBe(401);
  });

  test('when the token is unknown, then 200 all the same', async () => {
    const reply = await postForm('/revoke', form({ token: 'never-issued' }));
    expect(reply.status).toBe(200);
  });

  test('when no token is sent, then 400 invalid_request', async () => {
    const reply = await postForm('/revoke', form({ token_type_hint: 'access_token' }));
    expect(reply).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });
});

describe('GET /.well-known/jwks.json with HS256', () => {
  test('when tokens are signed with a shared secret, then no key is published', async () => {
    const response = await fetch(`${api.url}/.well-known/jwks.json`);
    expect(response.status).toBe(404);
  });
});
