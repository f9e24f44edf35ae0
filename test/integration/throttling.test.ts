import { randomBytes } from 'node:crypto';
import { errorCodes, execute, startTestApi, testDatabaseUri, type TestApi } from '../helpers/api';
import { ChangePasswordMutation } from '../helpers/operations';
import {
  auditEvents,
  createUser,
  login as loginFrom,
  strongPassword,
  tokenFor,
  uniqueUsername,
} from '../helpers/users';

/** The shipped throttling defaults, with the proxy on loopback trusted so tests can vary the client address. */
const DEFAULTS = {
  LOGIN_MAX_PER_IP_PER_MINUTE: '10',
  LOGIN_LOCKOUT_THRESHOLD: '5',
  TRUST_PROXY: 'loopback',
};

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi(DEFAULTS);
});
afterAll(() => api.close());

let addressCounter = 0;
/** A fresh client address per attempt, so the per-address limit stays out of account tests. */
const freshAddress = () => `198.51.100.${(addressCounter += 1) % 250}`;

/** Signs in from `address` (the proxy on loopback is trusted). */
const login = (target: TestApi, username: string, password: string, address = freshAddress()) =>
  loginFrom(target, username, password, { headers: { 'x-forwarded-for': address } });

const attempts = () => api.connection.db!.collection('loginAttempts');

describe('per-account throttling, from one address', () => {
  test('when an account fails 5 times in a row, then even the right password must wait', async () => {
    const user = await createUser(api);
    const from = freshAddress();
    for (let i = 0; i < 5; i += 1) {
      expect(errorCodes(await login(api, user.username, 'wrong guess number one', from))).toEqual([
        'UNAUTHENTICATED',
      ]);
    }
    const refused = await login(api, user.username, user.password, from);
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
    const retryAfter = refused.body.errors?.[0]?.extensions?.retryAfter as number;
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  test('when the username does not exist, then it is throttled exactly like a real one', async () => {
    const user = await createUser(api);
    const ghost = uniqueUsername('ghost');
    const sequence = async (username: string) => {
      const answers: unknown[] = [];
      const from = freshAddress();
      for (let i = 0; i < 7; i += 1) {
        answers.push(errorCodes(await login(api, username, 'not the password at all', from)));
      }
      return answers;
    };
    expect(await sequence(ghost)).toEqual(await sequence(user.username));
  });

  test('when the wait is over, then the right password works and the streak is forgotten', async () => {
    const user = await createUser(api);
    const from = freshAddress();
    for (let i = 0; i < 5; i += 1) await login(api, user.username, 'wrong guess', from);
    expect(errorCodes(await login(api, user.username, user.password, from))).toEqual([
      'RATE_LIMITED',
    ]);
    // Let 61 s pass for this account's attempts.
    const records = await attempts().find({ account: user.username.toLowerCase() }).toArray();
    for (const record of records) {
      await attempts().updateOne(
        { _id: record._id },
        { $set: { at: new Date((record.at as Date).getTime() - 61_000) } },
      );
    }
    expect((await login(api, user.username, user.password, from)).body.data?.login).toBeDefined();
    expect(errorCodes(await login(api, user.username, 'wrong again', from))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });

  test('when refused attempts keep coming, then they do not extend the wait', async () => {
    const user = await createUser(api);
    const from = freshAddress();
    // Ten attempts in all: the address's own limit stays out of it.
    for (let i = 0; i < 5; i += 1) await login(api, user.username, 'wrong guess', from);
    const first = await login(api, user.username, 'still guessing', from);
    for (let i = 0; i < 3; i += 1) await login(api, user.username, 'still guessing', from);
    const last = await login(api, user.username, 'still guessing', from);
    const wait = (response: typeof first) =>
      response.body.errors?.[0]?.extensions?.retryAfter as number;
    expect(wait(last)).toBeLessThanOrEqual(wait(first));
  });

  test('when an address keeps knocking while refused, then the stored attempts stay bounded', async () => {
    const user = await createUser(api);
    const from = freshAddress();
    for (let i = 0; i < 40; i += 1) await login(api, user.username, `guess ${i}`, from);
    // Five failures made the account wait; the 35 refusals left nothing behind.
    expect(await attempts().countDocuments({ ipAddress: from })).toBe(5);
  });

  test('when a document holds two logins, then it is refused before anything runs', async () => {
    const user = await createUser(api);
    const before = await attempts().countDocuments();
    const response = await execute(
      api,
      `mutation {
        a: login(username: "${user.username}", password: "guess one") { tokenType }
        b: login(username: "${user.username}", password: "guess two") { tokenType }
      }`,
    );
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await attempts().countDocuments()).toBe(before);
  });

  test('when the current password is guessed through changePassword, then it counts like a login', async () => {
    const user = await createUser(api);
    const token = await tokenFor(api, user);
    const from = freshAddress();
    for (let i = 0; i < 5; i += 1) {
      const response = await execute(
        api,
        ChangePasswordMutation,
        { currentPassword: `guess ${i} is wrong`, newPassword: strongPassword() },
        { token, headers: { 'x-forwarded-for': from } },
      );
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    }
    const blocked = await execute(
      api,
      ChangePasswordMutation,
      { currentPassword: user.password, newPassword: strongPassword() },
      { token, headers: { 'x-forwarded-for': from } },
    );
    expect(errorCodes(blocked)).toEqual(['RATE_LIMITED']);
    expect(errorCodes(await login(api, user.username, user.password, from))).toEqual([
      'RATE_LIMITED',
    ]);
  });

  test('when the account is throttled at /token, then 429 with Retry-After', async () => {
    const user = await createUser(api);
    const from = freshAddress();
    for (let i = 0; i < 5; i += 1) await login(api, user.username, 'wrong guess', from);
    const response = await fetch(`${api.url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': from,
      },
      body: new URLSearchParams({
        grant_type: 'password',
        username: user.username,
        password: user.password,
      }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
  });

  test('when a login is throttled, then the audit trail says so', async () => {
    const user = await createUser(api);
    const from = freshAddress();
    for (let i = 0; i < 6; i += 1) await login(api, user.username, 'wrong guess', from);
    const events = (await auditEvents(api, { action: 'LOGIN_THROTTLED' })).filter(
      (event) => event.actorName === user.username,
    );
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0]?.outcome).toBe('DENIED');
    expect(JSON.parse(events[0]?.details ?? '{}')).toMatchObject({ reason: 'account' });
  });
});

describe('the audit trail under a flood of refused sign-ins', () => {
  test('when one address keeps guessing, then refusals are folded into one event a minute with a count', async () => {
    const user = await createUser(api);
    const address = freshAddress();
    let refused = 0;
    for (let i = 0; i < 40; i += 1) {
      const response = await login(api, user.username, `guess ${i}`, address);
      if (errorCodes(response)[0] === 'RATE_LIMITED') refused += 1;
    }
    expect(refused).toBeGreaterThanOrEqual(30);
    const events = (await auditEvents(api, { action: 'LOGIN_THROTTLED' })).filter(
      (event) => event.actorName === user.username,
    );
    // One event per account and address per minute; two if the minute turned meanwhile.
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.length).toBeLessThanOrEqual(2);
    const counted = events
      .map(
        (event) => 1 + Number((JSON.parse(event.details ?? '{}') as { repeats?: number }).repeats),
      )
      .reduce((a, b) => a + b, 0);
    // FerretDB may lose a concurrent increment; these attempts are sequential, so none is lost.
    expect(counted).toBe(refused);
  });

  test('when audit events are older than AUDIT_RETENTION, then the sweep deletes them', async () => {
    const short = await startTestApi({ ...DEFAULTS, AUDIT_RETENTION: '1d' });
    try {
      await createUser(short, { roles: ['ADMIN'] });
      const old = new Date(Date.now() - 2 * 86_400_000);
      // An event written two days ago, as the sweep would find it.
      await short.connection.db
        ?.collection('auditEvents')
        .insertOne({ at: old, action: 'LOGIN', outcome: 'failure', actorName: 'long-gone' });
      const before = await auditEvents(short, { action: 'LOGIN' });
      expect(before.some((event) => event.actorName === 'long-gone')).toBe(true);
      // Every instance sweeps when it starts (and hourly): start a second one on the database.
      const second = await startTestApi({
        ...DEFAULTS,
        AUDIT_RETENTION: '1d',
        MONGODB_URI: short.config.mongodbUri ?? '',
      });
      let remaining = before;
      for (let i = 0; i < 40 && remaining.some((e) => e.actorName === 'long-gone'); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        remaining = await auditEvents(short, { action: 'LOGIN' });
      }
      await second.app.stop();
      await second.connection.close();
      expect(remaining.some((event) => event.actorName === 'long-gone')).toBe(false);
      expect(await auditEvents(short, { action: 'USER_CREATED' })).not.toEqual([]);
    } finally {
      await short.close();
    }
  });
});

describe('per-address throttling', () => {
  test('when one address makes more than 10 attempts a minute, then it waits, whatever account it tries', async () => {
    const address = `203.0.113.${randomBytes(1)[0]}`;
    const user = await createUser(api);
    for (let i = 0; i < 10; i += 1) {
      const response = await login(api, uniqueUsername('spray'), 'password spraying', address);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    }
    const refused = await login(api, user.username, user.password, address);
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
    const retryAfter = refused.body.errors?.[0]?.extensions?.retryAfter;
    expect(retryAfter).toBeGreaterThan(0);
    // Refused as a whole: HTTP 429 with Retry-After, as /token answers.
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(retryAfter));
    // Another address is not affected, nor is the account itself.
    expect((await login(api, user.username, user.password)).body.data?.login).toBeDefined();
  });

  test('when one address signs in successfully more than 10 times a minute, then every sign-in succeeds and failures still count', async () => {
    const address = `203.0.113.${randomBytes(1)[0]}`;
    const users = await Promise.all(Array.from({ length: 3 }, () => createUser(api)));
    // An office behind one NAT: fifteen good sign-ins in a row, from three people.
    for (let i = 0; i < 15; i += 1) {
      const user = users[i % users.length];
      const response = await login(api, user.username, user.password, address);
      expect(response.body.data?.login).toBeDefined();
    }
    // Failures from that address still use up its limit.
    for (let i = 0; i < 10; i += 1) {
      const response = await login(api, uniqueUsername('typo'), 'a mistyped password', address);
      expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
    }
    const refused = await login(api, users[0].username, users[0].password, address);
    expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
  });

  test('when an account signs in again and again from one address, then one success is kept for them', async () => {
    const user = await createUser(api);
    const from = freshAddress();
    for (let i = 0; i < 6; i += 1) {
      expect((await login(api, user.username, user.password, from)).body.data?.login).toBeDefined();
    }
    expect(await attempts().countDocuments({ account: user.username, ipAddress: from })).toBe(1);
    // A failure after it starts a new streak on top of the kept success.
    await login(api, user.username, 'not the password', from);
    expect(await attempts().countDocuments({ account: user.username, ipAddress: from })).toBe(2);
  });

  test('when TRUST_PROXY is not set, then a spoofed X-Forwarded-For changes nothing', async () => {
    const strict = await startTestApi({
      LOGIN_MAX_PER_IP_PER_MINUTE: '10',
      LOGIN_LOCKOUT_THRESHOLD: '5',
    });
    try {
      const codes: unknown[] = [];
      for (let i = 0; i < 11; i += 1) {
        codes.push(
          ...errorCodes(await login(strict, uniqueUsername('spoof'), 'guess', freshAddress())),
        );
      }
      expect(codes.at(-1)).toBe('RATE_LIMITED');
      const recorded = await strict.connection
        .db!.collection('loginAttempts')
        .distinct('ipAddress');
      expect(recorded).toEqual([expect.stringMatching(/127\.0\.0\.1/)]);
    } finally {
      await strict.close();
    }
  });
});

describe('two instances on one database', () => {
  test('when an account fails on one instance, then the other one makes it wait too', async () => {
    const database = testDatabaseUri();
    const secret = randomBytes(32).toString('hex');
    const first = await startTestApi({ ...DEFAULTS, MONGODB_URI: database, JWT_SECRET: secret });
    const second = await startTestApi({ ...DEFAULTS, MONGODB_URI: database, JWT_SECRET: secret });
    try {
      const user = await createUser(first);
      const from = freshAddress();
      for (let i = 0; i < 5; i += 1) {
        await login(i % 2 ? first : second, user.username, 'wrong', from);
      }
      expect(errorCodes(await login(second, user.username, user.password, from))).toEqual([
        'RATE_LIMITED',
      ]);
      expect(errorCodes(await login(first, user.username, user.password, from))).toEqual([
        'RATE_LIMITED',
      ]);
    } finally {
      await second.app.stop();
      await second.connection.close();
      await first.close();
    }
  });
});
