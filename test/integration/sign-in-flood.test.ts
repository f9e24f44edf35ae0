import { errorCodes, startTestApi, type TestApi } from '../helpers/api';
import { createUser, login, type TestUser } from '../helpers/users';

let api: TestApi;
let users: TestUser[];
beforeAll(async () => {
  api = await startTestApi({
    // The shipped per-address limit, with the proxy on loopback trusted so each test client can
    // have an address of its own, and one hashing slot, so any slot held by an attacker shows.
    LOGIN_MAX_PER_IP_PER_MINUTE: '10',
    TRUST_PROXY: 'loopback',
    ARGON2_MAX_CONCURRENCY: '1',
  });
  users = [];
  for (let i = 0; i < 10; i += 1) users.push(await createUser(api));
});
afterAll(() => api.close());

const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

async function timedSignIn(user: TestUser, address: string) {
  const started = performance.now();
  const response = await login(api, user.username, user.password, from(address));
  return { ok: response.body.data?.login != null, ms: performance.now() - started };
}

describe('a sign-in flood from one throttled address', () => {
  test('when 40 sign-ins arrive at once from a throttled address, then sign-ins from other addresses keep succeeding', async () => {
    // The same ten sign-ins at once without a flood: the run's own baseline.
    const idle = await Promise.all(users.map((user, i) => timedSignIn(user, `203.0.113.${i + 1}`)));
    expect(idle.every((result) => result.ok)).toBe(true);

    const attacker = '198.51.100.66';
    for (let i = 0; i < 11; i += 1) {
      await login(api, users[0]?.username ?? '', `wrong guess ${i}`, from(attacker));
    }
    const throttled = await login(api, users[0]?.username ?? '', 'one more guess', from(attacker));
    expect(errorCodes(throttled)).toEqual(['RATE_LIMITED']);

    const flood = Array.from({ length: 40 }, (_, i) =>
      login(api, users[i % users.length]?.username ?? '', `flood guess ${i}`, from(attacker)),
    );
    const legitimate = users.map((user, i) => timedSignIn(user, `192.0.2.${i + 1}`));
    const [floodResults, results] = await Promise.all([
      Promise.all(flood),
      Promise.all(legitimate),
    ]);

    for (const response of floodResults) expect(errorCodes(response)).toEqual(['RATE_LIMITED']);
    expect(results.filter((result) => result.ok).length).toBeGreaterThanOrEqual(9);
    // Responsiveness as a ratio of this run's own baseline: the flood's refusals cost the
    // database some writes (about 2.5 times the baseline here), never a hashing slot.
    const slowdown = median(results.map((r) => r.ms)) / median(idle.map((r) => r.ms));
    expect(slowdown).toBeLessThan(5);
  });
});
