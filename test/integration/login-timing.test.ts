import { execute, startTestApi, type TestApi } from '../helpers/api';
import { LoginMutation } from '../helpers/operations';
import { createUser, uniqueUsername, type TestUser } from '../helpers/users';

let api: TestApi;
let users: TestUser[];
beforeAll(async () => {
  // The argon2 package's own defaults, as shipped: timing must hold with real parameters.
  api = await startTestApi({
    ARGON2_MEMORY_KIB: '65536',
    ARGON2_TIME_COST: '3',
    ARGON2_PARALLELISM: '4',
  });
  users = [];
  for (let i = 0; i < 6; i += 1) users.push(await createUser(api));
});
afterAll(() => api.close());

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
};

async function timeLogin(username: string): Promise<number> {
  const started = performance.now();
  const response = await execute(api, LoginMutation, { username, password: 'certainly not it' });
  const elapsed = performance.now() - started;
  expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  return elapsed;
}

describe('login timing', () => {
  test('when the username is unknown, then the answer takes as long as for a wrong password (medians within 20 %)', async () => {
    const unknown: number[] = [];
    const wrong: number[] = [];
    await timeLogin(uniqueUsername('warm-up'));
    for (let i = 0; i < 36; i += 1) {
      // Interleaved, so drift in machine load hits both paths alike.
      unknown.push(await timeLogin(uniqueUsername('nobody')));
      wrong.push(await timeLogin(users[i % users.length]?.username ?? ''));
    }
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.2);
    // A ratio, not a duration: on a machine busy with the rest of the suite (a browser, a build)
    // the 73 sign-ins may take far longer than the usual few seconds without changing it.
  }, 120_000);
});
