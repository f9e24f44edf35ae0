import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FAST_ARGON2_ENV, testDatabaseUri } from '../helpers/api';
import { runMigrate, spawnApi } from '../helpers/process';

/** The resident memory of a process, from the kernel's own accounting. */
function residentMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
}

/**
 * A valid anonymous document of about 1000 tokens, distinct by its comment: 165 inline fragments
 * of `health` (few enough same-named fields for graphql-js's merge check, no aliases).
 */
function largeDocument(): string {
  const selections = '... on Query { health } '.repeat(165);
  return `# ${randomBytes(8).toString('hex')}\n{ ${selections}}`;
}

/**
 * Runs the production build as `npm start` does (its runtime flags included), alone in its
 * process so its memory is its own,
 * sends it 3000 distinct large documents, ten at a time, and returns how far its resident memory
 * rose above what it used while serving before the flood.
 */
async function growthUnderFlood(env: Record<string, string> = {}): Promise<number> {
  const settings = {
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    MONGODB_URI: testDatabaseUri(),
    JWT_SECRET: randomBytes(32).toString('hex'),
    ADMIN_USERNAME: 'operator',
    ADMIN_PASSWORD: 'a long unusual operator passphrase',
    ...FAST_ARGON2_ENV,
    ...env,
  };
  expect((await runMigrate(settings)).code).toBe(0);
  const api = spawnApi(settings);
  try {
    const url = (await api.ready()).replace(/\/graphql$/, '');
    const pid = api.child.pid ?? 0;
    const post = (query: string) =>
      fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
    for (let i = 0; i < 50; i += 1) expect((await post('{ health }')).status).toBe(200);
    const idle = residentMiB(pid);
    let peak = idle;
    for (let batch = 0; batch < 300; batch += 1) {
      const responses = await Promise.all(Array.from({ length: 10 }, () => post(largeDocument())));
      for (const response of responses) expect(response.status).toBe(200);
      peak = Math.max(peak, residentMiB(pid));
    }
    return peak - idle;
  } finally {
    api.child.kill('SIGTERM');
    await api.exited();
  }
}

describe('the document cache', () => {
  test('when 3000 distinct large documents arrive, then resident memory stays under 200 MiB above idle and the cache adds next to nothing', async () => {
    // Before: Apollo's default store grew the process by about 520 MiB on Node 20; on Node 24
    // V8's larger young generation and allocation-site pretenuring grew it by about 285 MiB with
    // or without any store. `npm start`'s runtime flags bring that to about 110 MiB on Node 20
    // and 70 to 75 MiB on Node 24.
    const shipped = await growthUnderFlood();
    expect(shipped).toBeLessThan(200);
    // The same flood against the same build with no document store: what the runtime itself
    // takes for parsing and validating 3000 documents. The store may add its budget, no more.
    const withoutStore = await growthUnderFlood({ GRAPHQL_DOCUMENT_CACHE_MIB: '0' });
    expect(shipped - withoutStore).toBeLessThan(48);
  }, 120_000);
});
