import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FAST_ARGON2_ENV, testDatabaseUri } from '../helpers/api';
import { spawnApi, type RunningApi } from '../helpers/process';

/** The resident memory of a process, from the kernel's own accounting. */
function residentMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

let api: RunningApi;
let url: string;
beforeAll(async () => {
  // The production build as `npm start` runs it, alone in its process, so its memory is its own.
  api = spawnApi({
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    MONGODB_URI: testDatabaseUri(),
    JWT_SECRET: randomBytes(32).toString('hex'),
    ADMIN_USERNAME: 'operator',
    ADMIN_PASSWORD: 'a long unusual operator passphrase',
    ...FAST_ARGON2_ENV,
  });
  url = (await api.ready()).replace(/\/graphql$/, '');
});
afterAll(async () => {
  api.child.kill('SIGTERM');
  await api.exited();
});

/**
 * A valid anonymous document of about 1000 tokens, distinct by its comment: 165 inline fragments
 * of `health` (few enough same-named fields for graphql-js's merge check, no aliases).
 */
function largeDocument(): string {
  const selections = '... on Query { health } '.repeat(165);
  return `# ${randomBytes(8).toString('hex')}\n{ ${selections}}`;
}

describe('the document cache', () => {
  test('when 3000 distinct large documents arrive, then resident memory stays within 200 MiB of idle', async () => {
    const pid = api.child.pid ?? 0;
    const post = (query: string) =>
      fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
    // Warm up the request path, so idle means "serving", not "just started".
    for (let i = 0; i < 50; i += 1) expect((await post('{ health }')).status).toBe(200);
    const idle = residentMiB(pid);
    let peak = idle;
    for (let batch = 0; batch < 300; batch += 1) {
      const responses = await Promise.all(Array.from({ length: 10 }, () => post(largeDocument())));
      for (const response of responses) expect(response.status).toBe(200);
      peak = Math.max(peak, residentMiB(pid));
    }
    expect(peak - idle).toBeLessThan(200);
  }, 120_000);
});
