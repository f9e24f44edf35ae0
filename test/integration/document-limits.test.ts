import { errorCodes, post, startTestApi, type TestApi } from '../helpers/api';
import { createUser, tokenFor } from '../helpers/users';

let api: TestApi;
let adminToken: string;
beforeAll(async () => {
  api = await startTestApi();
  adminToken = await tokenFor(api, await createUser(api, { roles: ['ADMIN'] }));
});
afterAll(() => api.close());

const sendQuery = (query: string, headers: Record<string, string> = {}) =>
  post(api, '/graphql', JSON.stringify({ query }), headers);

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

/** `query { ...F<k> }` where each fragment spreads the one before it twice: 2^k paths, k lines. */
function fanOut(k: number): string {
  const fragments = ['fragment F0 on Query { health }'];
  for (let i = 1; i <= k; i += 1)
    fragments.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
  return `query { ...F${k} }\n${fragments.join('\n')}`;
}

describe('documents built to make the checks slow', () => {
  test('when fragments fan out exponentially, then a 400 comes back at once and other requests are served meanwhile', async () => {
    // The attack run's 862-byte document: 2^21 paths, about 15 s of checks when each path was
    // walked; measuring each fragment once takes microseconds.
    const bomb = fanOut(21);
    const idle: number[] = [];
    for (let i = 0; i < 15; i += 1) idle.push((await timed(() => sendQuery('{ health }'))).ms);
    const idleMedian = median(idle);

    const during: number[] = [];
    const attack = timed(() => sendQuery(bomb));
    for (let i = 0; i < 5; i += 1) {
      during.push((await timed(() => fetch(`${api.url}/health/live`).then((r) => r.status))).ms);
    }
    const { result: refused, ms } = await attack;

    expect(refused.status).toBe(400);
    expect(errorCodes(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    // Ratios against this run's own idle latency, never a fixed time.
    expect(ms).toBeLessThan(idleMedian * 40 + 50);
    expect(Math.max(...during)).toBeLessThan(idleMedian * 40 + 50);
  });

  test('when a fragment spreads itself through a field, then 400, not a stack overflow', async () => {
    const response = await sendQuery('query { ...A } fragment A on Query { me { ...A } }');
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(errorCodes(response)).not.toContain('INTERNAL_SERVER_ERROR');
  });

  test('when fragments form a cycle, then 400 and the server stays up', async () => {
    const response = await sendQuery(
      'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
    );
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect((await sendQuery('{ health }')).status).toBe(200);
  });
});

describe('cost', () => {
  const page = (alias: string, first: number) =>
    `${alias}: users(first: ${first}) { edges { node { id username email fullName roles disabled createdAt updatedAt } } }`;
  const auth = () => ({ authorization: `Bearer ${adminToken}` });

  test('when a document is over the cost limit, then it is refused before execution', async () => {
    const pages = Array.from({ length: 6 }, (_, i) => page(`p${i}`, 100)).join(' ');
    const response = await sendQuery(`{ ${pages} }`, auth());
    expect(response.status).toBe(400);
    expect(errorCodes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  test('when a negative first is added to an over-cost document, then it is still refused, naming first', async () => {
    const pages = Array.from({ length: 6 }, (_, i) => page(`p${i}`, 100)).join(' ');
    const response = await sendQuery(`{ ${pages} ${page('discount', -1_000_000)} }`, auth());
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors?.[0]?.extensions?.field).toBe('first');
  });

  test.each([[0], [101], [-1]])(
    'when first is %d anywhere in a document, then the document is refused with BAD_USER_INPUT',
    async (first) => {
      const response = await sendQuery(`{ ${page('only', first)} }`, auth());
      expect(response.status).toBe(400);
      expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    },
  );
});
