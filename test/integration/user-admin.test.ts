import type { UpdateUserInput, UsersQuery as UsersQueryResult } from '../__generated__/graphql';
import {
  errorCodes,
  execute,
  startTestApi,
  type GraphQLResponse,
  type TestApi,
} from '../helpers/api';
import {
  AdminOnlyQuery,
  CreateUserMutation,
  DeleteUserMutation,
  MeQuery,
  UpdateUserMutation,
  UserQuery,
  UsersQuery,
} from '../helpers/operations';
import {
  createUser,
  findUser,
  strongPassword,
  tokenFor,
  uniqueUsername,
  userExists,
  type TestUser,
} from '../helpers/users';

let api: TestApi;
let admin: TestUser;
let adminToken: string;

beforeAll(async () => {
  api = await startTestApi();
  admin = await createUser(api, { roles: ['ADMIN'] });
  adminToken = await tokenFor(api, admin);
});
afterAll(() => api.close());

const asAdmin = {
  get token() {
    return adminToken;
  },
};

/** How many users there are, as an administrator's `users` query counts them. */
async function userCount(): Promise<number | undefined> {
  return (await execute(api, UsersQuery, { first: 1 }, asAdmin)).body.data?.users?.totalCount;
}

function badInputField(response: Awaited<ReturnType<typeof execute>>) {
  expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
  return response.body.errors?.[0]?.extensions?.field;
}

describe('creating users', () => {
  test('when an admin creates a user with only the required fields, then roles default to USER', async () => {
    const username = uniqueUsername('new');
    const response = await execute(
      api,
      CreateUserMutation,
      { input: { username, password: strongPassword() } },
      asAdmin,
    );
    expect(response.body.data?.createUser).toMatchObject({
      username,
      email: null,
      fullName: null,
      roles: ['USER'],
      disabled: false,
    });
  });

  test('when all fields are given, then they are stored as given', async () => {
    const username = uniqueUsername('full');
    const response = await execute(
      api,
      CreateUserMutation,
      {
        input: {
          username,
          password: strongPassword(),
          email: `${username}@Example.com`,
          fullName: 'Ada Lovelace',
          roles: ['ADMIN', 'USER', 'ADMIN'],
        },
      },
      asAdmin,
    );
    expect(response.body.data?.createUser).toMatchObject({
      email: `${username}@Example.com`,
      fullName: 'Ada Lovelace',
      roles: ['ADMIN', 'USER'],
    });
  });

  test('when several fields are wrong, then extensions.fields lists every one with its reason', async () => {
    const response = await execute(
      api,
      CreateUserMutation,
      {
        input: {
          username: 'a',
          password: 'short',
          email: 'not an address',
          fullName: 'x'.repeat(201),
          roles: [],
        },
      },
      asAdmin,
    );
    expect(response.status).toBe(200);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    const extensions = response.body.errors?.[0]?.extensions;
    expect(extensions?.field).toBe('username');
    expect(extensions?.fields).toEqual([
      { field: 'username', reason: 'TOO_SHORT' },
      { field: 'password', reason: 'TOO_SHORT' },
      { field: 'email', reason: 'INVALID_FORMAT' },
      { field: 'fullName', reason: 'TOO_LONG' },
      { field: 'roles', reason: 'REQUIRED' },
    ]);
    expect(response.body.errors?.[0]?.message).toMatch(/^username must be .*; password must be /);
  });

  test('when the username exists in another case, then BAD_USER_INPUT names username', async () => {
    const existing = await createUser(api);
    const response = await execute(
      api,
      CreateUserMutation,
      { input: { username: existing.username.toUpperCase(), password: strongPassword() } },
      asAdmin,
    );
    expect(badInputField(response)).toBe('username');
    expect(response.body.errors?.[0]?.extensions?.fields).toEqual([
      { field: 'username', reason: 'TAKEN' },
    ]);
  });

  test.each([
    ['a dotless ı (U+0131)', (name: string) => name.replace('i', '\u0131')],
    ['a dotted capital İ (U+0130)', (name: string) => name.replace('i', '\u0130')],
    ['Cyrillic ѕ and і', (name: string) => name.replace('s', '\u0455').replace('i', '\u0456')],
    ['fullwidth letters', (name: string) => name.replace('k', '\uff4b')],
    ['an accent', (name: string) => name.replace('d', 'ď')],
    ['rn for m', (name: string) => name.replace('m', 'rn')],
  ])(
    'when a username looks like a taken one through %s, then BAD_USER_INPUT says it is taken',
    async (_how, lookAlike) => {
      const existing = await createUser(api, { username: `skid-${uniqueUsername('m')}` });
      const response = await execute(
        api,
        CreateUserMutation,
        { input: { username: lookAlike(existing.username), password: strongPassword() } },
        asAdmin,
      );
      expect(lookAlike(existing.username)).not.toBe(existing.username);
      expect(badInputField(response)).toBe('username');
      expect(response.body.errors?.[0]?.message).toBe('username is already taken');
    },
  );

  test.each([
    ['email', 'NUL', { email: 'nul\u0000@example.com' }],
    ['email', 'ESC', { email: 'esc\u001b@example.com' }],
    ['fullName', 'a right-to-left override', { fullName: 'Mallory \u202egnp.exe' }],
    ['fullName', 'a zero-width space', { fullName: 'Zero\u200bWidth' }],
    ['fullName', 'a zero-width joiner', { fullName: 'Join\u200der' }],
    ['fullName', 'a line separator', { fullName: 'Two\u2028Lines' }],
  ])(
    'when %s holds %s, then BAD_USER_INPUT names it and nothing is stored',
    async (field, _what, bad) => {
      const username = uniqueUsername('invisible');
      const response = await execute(
        api,
        CreateUserMutation,
        { input: { username, password: strongPassword(), ...bad } },
        asAdmin,
      );
      expect(badInputField(response)).toBe(field);
      await expect(userExists(api, username)).resolves.toBe(false);
    },
  );

  test('when the email exists in another case, then BAD_USER_INPUT names email', async () => {
    const email = `${uniqueUsername('mail')}@example.com`;
    const first = await execute(
      api,
      CreateUserMutation,
      { input: { username: uniqueUsername(), password: strongPassword(), email } },
      asAdmin,
    );
    expect(first.body.errors).toBeUndefined();
    const second = await execute(
      api,
      CreateUserMutation,
      {
        input: {
          username: uniqueUsername(),
          password: strongPassword(),
          email: email.toUpperCase(),
        },
      },
      asAdmin,
    );
    expect(badInputField(second)).toBe('email');
  });

  test.each([
    ['username', { username: 'a b' }],
    ['username', { username: 'x'.repeat(65) }],
    ['password', { password: 'short' }],
    ['password', { password: 'qazwsxedcrfvtgb' }],
    ['password', { password: 'p'.repeat(129) }],
    ['email', { email: 'not-an-email' }],
    ['fullName', { fullName: 'n'.repeat(201) }],
    ['fullName', { fullName: 'Null\u0000Byte' }],
    ['roles', { roles: [] }],
  ])(
    'when %s is unacceptable, then BAD_USER_INPUT names it and nothing is written',
    async (field, bad) => {
      const input = { username: uniqueUsername('bad'), password: strongPassword(), ...bad };
      const before = await userCount();
      const response = await execute(api, CreateUserMutation, { input }, asAdmin);
      expect(response.status).toBe(200);
      expect(badInputField(response)).toBe(field);
      expect(response.body.errors?.[0]?.message).toMatch(new RegExp(`^${field} `));
      expect(await userCount()).toBe(before);
    },
  );
});

describe('reading users', () => {
  test('when the id is malformed, then BAD_USER_INPUT names id', async () => {
    for (const id of ['nope', '{"$gt":""}', 'g'.repeat(24)]) {
      const response = await execute(api, UserQuery, { id }, asAdmin);
      expect(badInputField(response)).toBe('id');
    }
  });

  test('when no user has the id, then user is null', async () => {
    const response = await execute(api, UserQuery, { id: 'f'.repeat(24) }, asAdmin);
    expect(response.body).toEqual({ data: { user: null } });
  });
});

describe('updating users', () => {
  test('when fields are changed or cleared, then the change is stored and updatedAt moves', async () => {
    const target = await createUser(api);
    const set = await execute(
      api,
      UpdateUserMutation,
      {
        id: target.id,
        input: { email: `${target.username}@example.com`, fullName: 'Grace Hopper' },
      },
      asAdmin,
    );
    const updated = set.body.data?.updateUser;
    expect(updated).toMatchObject({
      email: `${target.username}@example.com`,
      fullName: 'Grace Hopper',
    });
    expect(Date.parse(updated?.updatedAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(updated?.createdAt ?? ''),
    );
    const cleared = await execute(
      api,
      UpdateUserMutation,
      { id: target.id, input: { email: null, fullName: null } },
      asAdmin,
    );
    expect(cleared.body.data?.updateUser).toMatchObject({ email: null, fullName: null });
  });

  test('when the user does not exist, then NOT_FOUND', async () => {
    const response = await execute(
      api,
      UpdateUserMutation,
      { id: 'a'.repeat(24), input: { fullName: 'Nobody' } },
      asAdmin,
    );
    expect(errorCodes(response)).toEqual(['NOT_FOUND']);
  });

  test('when the input is bad, then BAD_USER_INPUT names the field', async () => {
    const target = await createUser(api);
    const response = await execute(
      api,
      UpdateUserMutation,
      { id: target.id, input: { email: 'nope' } },
      asAdmin,
    );
    expect(badInputField(response)).toBe('email');
  });

  test('when the new email is taken by another user, in any case, then BAD_USER_INPUT names email and nothing changes', async () => {
    const holder = await createUser(api);
    const target = await createUser(api);
    const email = `${uniqueUsername('taken')}@example.com`;
    await execute(api, UpdateUserMutation, { id: holder.id, input: { email } }, asAdmin);
    const response = await execute(
      api,
      UpdateUserMutation,
      { id: target.id, input: { email: email.toUpperCase(), fullName: 'Should Not Stick' } },
      asAdmin,
    );
    expect(badInputField(response)).toBe('email');
    expect(response.body.errors?.[0]?.message).toBe('email is already taken');
    expect(await findUser(api, target.id)).toMatchObject({ email: null, fullName: null });
  });
});

describe('authorization changes take effect on the next request', () => {
  test('when an admin is demoted, then their sessions end and a new token is refused admin fields', async () => {
    const other = await createUser(api, { roles: ['ADMIN'] });
    const token = await tokenFor(api, other);
    expect((await execute(api, AdminOnlyQuery, undefined, { token })).body.data).toEqual({
      adminOnly: 'Hello, Admin!',
    });
    await execute(api, UpdateUserMutation, { id: other.id, input: { roles: ['USER'] } }, asAdmin);
    expect((await execute(api, AdminOnlyQuery, undefined, { token })).status).toBe(401);
    const fresh = await tokenFor(api, other);
    expect(errorCodes(await execute(api, AdminOnlyQuery, undefined, { token: fresh }))).toEqual([
      'FORBIDDEN',
    ]);
  });

  test('when roles change in the database behind our back, then the same token sees them within the cache bound', async () => {
    const other = await createUser(api, { roles: ['ADMIN'] });
    const token = await tokenFor(api, other);
    expect((await execute(api, AdminOnlyQuery, undefined, { token })).status).toBe(200);
    // An operator's script, say: the token is untouched, so only a fresh read can notice.
    await api.connection.db
      ?.collection('users')
      .updateOne({ username: other.username }, { $set: { roles: ['USER'] } });
    const changedAt = performance.now();
    let codes: unknown[] = [];
    while (performance.now() - changedAt < 3_000) {
      codes = errorCodes(await execute(api, AdminOnlyQuery, undefined, { token }));
      if (codes.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(codes).toEqual(['FORBIDDEN']);
    // AUTH_CACHE_TTL is 1 s: allow scheduling slack, not a second bound.
    expect(performance.now() - changedAt).toBeLessThan(api.config.authCacheTtlMs + 500);
  });

  test('when a user is disabled, then the token stops working for good, even once re-enabled', async () => {
    const target = await createUser(api);
    const token = await tokenFor(api, target);
    expect((await execute(api, MeQuery, undefined, { token })).status).toBe(200);
    await execute(api, UpdateUserMutation, { id: target.id, input: { disabled: true } }, asAdmin);
    expect((await execute(api, MeQuery, undefined, { token })).status).toBe(401);
    await execute(api, UpdateUserMutation, { id: target.id, input: { disabled: false } }, asAdmin);
    expect((await execute(api, MeQuery, undefined, { token })).status).toBe(401);
    const fresh = await tokenFor(api, target);
    expect((await execute(api, MeQuery, undefined, { token: fresh })).status).toBe(200);
  });

  test('when a user is deleted, then the token stops working', async () => {
    const target = await createUser(api);
    const token = await tokenFor(api, target);
    const deleted = await execute(api, DeleteUserMutation, { id: target.id }, asAdmin);
    expect(deleted.body).toEqual({ data: { deleteUser: true } });
    expect((await execute(api, MeQuery, undefined, { token })).status).toBe(401);
    expect(errorCodes(await execute(api, DeleteUserMutation, { id: target.id }, asAdmin))).toEqual([
      'NOT_FOUND',
    ]);
  });
});

describe('the last active administrator', () => {
  /** A database of its own in which `admin` is the only active administrator. */
  async function soleAdmin() {
    const solo = await startTestApi();
    const admin = await createUser(solo, { roles: ['ADMIN'] });
    return { solo, admin, token: await tokenFor(solo, admin) };
  }

  test.each<[string, string, UpdateUserInput]>([
    ['demoted', 'roles', { roles: ['USER'] }],
    ['disabled', 'disabled', { disabled: true }],
  ])(
    'when they would be %s, then BAD_USER_INPUT and nothing changes',
    async (_how, field, input) => {
      const { solo, admin, token } = await soleAdmin();
      try {
        const response = await execute(
          solo,
          UpdateUserMutation,
          { id: admin.id, input: { ...input, fullName: 'Should Not Stick' } },
          { token },
        );
        expect(badInputField(response)).toBe(field);
        const stored = await findUser(solo, admin.id);
        expect(stored).toMatchObject({ roles: ['ADMIN'], disabled: false });
        expect(stored?.fullName).toBeNull();
      } finally {
        await solo.close();
      }
    },
  );

  test('when they would be deleted, then BAD_USER_INPUT and they remain', async () => {
    const { solo, admin, token } = await soleAdmin();
    try {
      const response = await execute(solo, DeleteUserMutation, { id: admin.id }, { token });
      expect(badInputField(response)).toBe('id');
      await expect(findUser(solo, admin.id)).resolves.not.toBeNull();
    } finally {
      await solo.close();
    }
  });

  test('when a disabled admin exists, then it does not count as an active one', async () => {
    const { solo, admin, token } = await soleAdmin();
    try {
      await createUser(solo, { roles: ['ADMIN'], disabled: true });
      const response = await execute(
        solo,
        UpdateUserMutation,
        { id: admin.id, input: { roles: ['USER'] } },
        { token },
      );
      expect(badInputField(response)).toBe('roles');
    } finally {
      await solo.close();
    }
  });

  /** Creates an administrator with the token of an existing one. */
  async function createAdminAs(solo: TestApi, token: string): Promise<TestUser> {
    const username = uniqueUsername('racer');
    const password = strongPassword();
    const response = await execute(
      solo,
      CreateUserMutation,
      { input: { username, password, roles: ['ADMIN'] } },
      { token },
    );
    const id = response.body.data?.createUser?.id;
    if (!id) throw new Error(`createUser failed: ${JSON.stringify(response.body)}`);
    return { id, username, password, roles: ['ADMIN'] };
  }

  /** The active administrators, as the first of `tokens` that still works sees them. */
  async function activeAdminsSeenBy(solo: TestApi, tokens: readonly string[]) {
    for (const token of tokens) {
      const response = await execute(solo, UsersQuery, { first: 100 }, { token });
      const users = response.body.data?.users;
      if (!users) continue;
      const ids = users.edges.map((edge) => edge.node.id);
      const admins: string[] = [];
      for (const id of ids) {
        const user = (await execute(solo, UserQuery, { id }, { token })).body.data?.user;
        if (user?.roles.includes('ADMIN') && !user.disabled) admins.push(id);
      }
      return { admins, token };
    }
    throw new Error('no administrator token works any more');
  }

  /**
   * Runs `race` five times, each time between exactly two fresh admins and no other: the sole
   * admin creates them, and one of them then demotes the sole admin.
   */
  async function raceTwoAdmins(
    race: (solo: TestApi, a: TestUser, b: TestUser, tokens: [string, string]) => Promise<unknown>,
  ) {
    const { solo, admin, token } = await soleAdmin();
    let holder = { id: admin.id, token };
    try {
      for (let round = 0; round < 5; round += 1) {
        const a = await createAdminAs(solo, holder.token);
        const b = await createAdminAs(solo, holder.token);
        const tokens: [string, string] = [await tokenFor(solo, a), await tokenFor(solo, b)];
        const demoted = await execute(
          solo,
          UpdateUserMutation,
          { id: holder.id, input: { roles: ['USER'] } },
          { token: tokens[0] },
        );
        expect(errorCodes(demoted)).toEqual([]);
        await race(solo, a, b, tokens);
        const { admins, token: survivorToken } = await activeAdminsSeenBy(solo, tokens);
        expect(admins).toHaveLength(1);
        holder = { id: admins[0] ?? '', token: survivorToken };
      }
    } finally {
      await solo.close();
    }
  }

  test('when two admins demote each other at the same moment, then one admin always remains', async () => {
    await raceTwoAdmins((solo, a, b, [tokenA, tokenB]) =>
      Promise.all([
        execute(
          solo,
          UpdateUserMutation,
          { id: b.id, input: { roles: ['USER'] } },
          { token: tokenA },
        ),
        execute(
          solo,
          UpdateUserMutation,
          { id: a.id, input: { roles: ['USER'] } },
          { token: tokenB },
        ),
      ]),
    );
  });

  test('when two admins delete each other at the same moment, then one admin always remains', async () => {
    await raceTwoAdmins(async (solo, a, b, [tokenA, tokenB]) => {
      const responses = await Promise.all([
        execute(solo, DeleteUserMutation, { id: b.id }, { token: tokenA }),
        execute(solo, DeleteUserMutation, { id: a.id }, { token: tokenB }),
      ]);
      // The loser was refused cleanly or found its caller gone; never a server error.
      for (const response of responses) {
        expect(errorCodes(response)).not.toContain('INTERNAL_SERVER_ERROR');
      }
    });
  });
});

describe('paging through users', () => {
  let paged: TestApi;
  let token: string;

  beforeAll(async () => {
    paged = await startTestApi();
    const pager = await createUser(paged, { roles: ['ADMIN'] });
    token = await tokenFor(paged, pager);
    for (let i = 0; i < 20; i += 1) await createUser(paged);
  });
  afterAll(() => paged.close());

  test('when pages are followed by cursor, then every user is seen once, oldest first', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const response: GraphQLResponse<UsersQueryResult> = await execute(
        paged,
        UsersQuery,
        { first: 8, after },
        { token },
      );
      const page = response.body.data?.users;
      expect(page?.totalCount).toBe(21);
      seen.push(...(page?.edges.map((edge) => edge.node.id) ?? []));
      pages += 1;
      if (!page?.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor ?? null;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(21);
    expect([...seen].sort()).toEqual(seen);
  });

  test('when no first is given, then 20 come back', async () => {
    const response = await execute(paged, UsersQuery, {}, { token });
    expect(response.body.data?.users?.edges).toHaveLength(20);
    expect(response.body.data?.users?.pageInfo.hasNextPage).toBe(true);
  });

  test.each([[0], [101], [-1]])(
    'when first is %d, then BAD_USER_INPUT names first',
    async (first) => {
      const response = await execute(paged, UsersQuery, { first }, { token });
      expect(badInputField(response)).toBe('first');
    },
  );

  test.each([['garbage'], ['AAAAAAAAAAAAAAAA=='], ['{"$gt":""}']])(
    'when the cursor is %j, then BAD_USER_INPUT names after',
    async (after) => {
      const response = await execute(paged, UsersQuery, { first: 2, after }, { token });
      expect(badInputField(response)).toBe('after');
    },
  );
});
