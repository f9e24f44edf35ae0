import {
  ApolloClient,
  ApolloLink,
  CombinedGraphQLErrors,
  HttpLink,
  InMemoryCache,
} from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { startTestApi, type TestApi } from '../helpers/api';
import { AdminOnlyQuery, LoginMutation, MeQuery } from '../helpers/operations';
import { createUser } from '../helpers/users';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

/** A client configured the way a frontend team would: token from a variable, sent as a header. */
function createClient(getToken: () => string | null) {
  const auth = new SetContextLink((previous) => {
    const token = getToken();
    const headers = previous.headers as Record<string, string> | undefined;
    return { headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } };
  });
  return new ApolloClient({
    link: ApolloLink.from([auth, new HttpLink({ uri: `${api.url}/graphql` })]),
    cache: new InMemoryCache(),
  });
}

describe('@apollo/client end to end', () => {
  test('when a frontend logs in and sends the token, then protected fields answer by role', async () => {
    const admin = await createUser(api, { roles: ['ADMIN'] });
    const user = await createUser(api, { roles: ['USER'] });
    let token: string | null = null;
    const client = createClient(() => token);

    const asAdmin = await client.mutate({
      mutation: LoginMutation,
      variables: { username: admin.username, password: admin.password },
    });
    token = asAdmin.data?.login.accessToken ?? null;
    const me = await client.query({ query: MeQuery, fetchPolicy: 'network-only' });
    expect(me.data?.me?.username).toBe(admin.username);
    const adminOnly = await client.query({ query: AdminOnlyQuery, fetchPolicy: 'network-only' });
    expect(adminOnly.data?.adminOnly).toBe('Hello, Admin!');

    const asUser = await client.mutate({
      mutation: LoginMutation,
      variables: { username: user.username, password: user.password },
    });
    token = asUser.data?.login.accessToken ?? null;
    const refused = await client.query({
      query: AdminOnlyQuery,
      fetchPolicy: 'network-only',
      errorPolicy: 'all',
    });
    expect(CombinedGraphQLErrors.is(refused.error)).toBe(true);
    const errors = CombinedGraphQLErrors.is(refused.error) ? refused.error.errors : [];
    expect(errors.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  test('when the password is wrong, then the client sees UNAUTHENTICATED', async () => {
    const user = await createUser(api);
    const client = createClient(() => null);
    await expect(
      client.mutate({
        mutation: LoginMutation,
        variables: { username: user.username, password: 'not the password at all' },
      }),
    ).rejects.toMatchObject({
      errors: [
        expect.objectContaining({
          extensions: { code: 'UNAUTHENTICATED', reason: 'BAD_CREDENTIALS' },
        }),
      ],
    });
  });
});
