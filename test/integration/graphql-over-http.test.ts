import { auditServer } from 'graphql-http';
import { startTestApi, type TestApi } from '../helpers/api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ GRAPHQL_INTROSPECTION: 'true' });
});
afterAll(() => api.close());

describe('GraphQL over HTTP conformance', () => {
  test('when graphql-http audits the running server, then no MUST requirement fails', async () => {
    const results = await auditServer({ url: `${api.url}/graphql` });
    const failures = results
      .filter((result) => result.status === 'error')
      .map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`);
    expect(failures).toEqual([]);
    expect(results.filter((result) => result.status === 'ok').length).toBeGreaterThan(20);
  });
});
