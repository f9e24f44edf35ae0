import { graphql, parse, subscribe, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import { authDirectiveTransformer, SchemaAccessError } from '../../src/auth/directive';
import type { Role } from '../../src/users/roles';

const DIRECTIVES = /* GraphQL */ `
  directive @auth(
    requires: [Role!]
    nullForAnonymous: Boolean = false
    allowedDuring: [RequiredAction!]
    mfa: Boolean = false
  ) on OBJECT | FIELD_DEFINITION
  enum RequiredAction {
    CHANGE_PASSWORD
    ENROLL_MFA
  }
  directive @public on FIELD_DEFINITION
  enum Role {
    ADMIN
    USER
  }
`;

interface TinyContext {
  roles: readonly Role[] | null;
  mustChangePassword?: boolean;
  multiFactor?: boolean;
}

const principalOf = (context: TinyContext) =>
  context.roles === null
    ? null
    : {
        roles: context.roles,
        requiredActions: context.mustChangePassword ? (['CHANGE_PASSWORD'] as const) : [],
        multiFactor: context.multiFactor ?? false,
        stepUpRequired: false,
      };

const calls: string[] = [];
const record = (name: string) => () => {
  calls.push(name);
  return name;
};

function build(typeDefs: string, resolvers: IResolvers = {}): GraphQLSchema {
  return authDirectiveTransformer<TinyContext>({ getPrincipal: principalOf })(
    makeExecutableSchema({ typeDefs: [DIRECTIVES, typeDefs], resolvers }),
  );
}

const schema = build(
  /* GraphQL */ `
    type Query {
      open: String @public
      signedIn: String @auth
      admins: String @auth(requires: [ADMIN])
      either: String @auth(requires: [USER, ADMIN])
      secret: Secret @public
    }
    type Secret @auth(requires: [ADMIN]) {
      hidden: String
      visible: String @auth
      plain: String @public
    }
    type Subscription {
      ticks: String @auth(requires: [ADMIN])
    }
  `,
  {
    Query: {
      open: record('open'),
      signedIn: record('signedIn'),
      admins: record('admins'),
      either: record('either'),
      secret: () => ({ hidden: 'h', visible: 'v', plain: 'p' }),
    },
    Subscription: {
      ticks: {
        subscribe: async function* () {
          calls.push('ticks');
          yield await Promise.resolve({ ticks: 'tick' });
        },
      },
    },
  },
);

async function run(query: string, roles: readonly Role[] | null) {
  const result = await graphql({ schema, source: query, contextValue: { roles } });
  return {
    data: result.data,
    codes: (result.errors ?? []).map((error) => error.extensions.code),
  };
}

beforeEach(() => {
  calls.length = 0;
});

describe('@auth directive', () => {
  test('when a field is public, then anyone gets it', async () => {
    expect(await run('{ open }', null)).toEqual({ data: { open: 'open' }, codes: [] });
  });

  test('when an anonymous caller asks for a protected field, then UNAUTHENTICATED and the resolver does not run', async () => {
    const result = await run('{ signedIn }', null);
    expect(result.codes).toEqual(['UNAUTHENTICATED']);
    expect(calls).toEqual([]);
  });

  test('when a caller lacks the role, then FORBIDDEN and the resolver does not run', async () => {
    const result = await run('{ admins }', ['USER']);
    expect(result.codes).toEqual(['FORBIDDEN']);
    expect(calls).toEqual([]);
  });

  test('when a caller holds any one listed role, then it passes', async () => {
    expect((await run('{ either }', ['USER'])).data).toEqual({ either: 'either' });
    expect((await run('{ either }', ['ADMIN'])).data).toEqual({ either: 'either' });
  });

  test('when @auth has no requires, then any signed-in user passes, even without roles', async () => {
    expect((await run('{ signedIn }', [])).data).toEqual({ signedIn: 'signedIn' });
  });

  test('when a type has @auth, then its fields inherit it unless they declare their own', async () => {
    const asUser = await run('{ secret { hidden visible plain } }', ['USER']);
    expect(asUser.data).toEqual({ secret: { hidden: null, visible: 'v', plain: 'p' } });
    expect(asUser.codes).toEqual(['FORBIDDEN']);
    const asAdmin = await run('{ secret { hidden visible plain } }', ['ADMIN']);
    expect(asAdmin.data).toEqual({ secret: { hidden: 'h', visible: 'v', plain: 'p' } });
  });

  test('when a subscription is protected, then subscribe is guarded too', async () => {
    const refused = await subscribe({
      schema,
      document: parse('subscription { ticks }'),
      contextValue: { roles: ['USER'] },
    });
    expect('errors' in refused && refused.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(calls).toEqual([]);
    const allowed = await subscribe({
      schema,
      document: parse('subscription { ticks }'),
      contextValue: { roles: ['ADMIN'] },
    });
    expect(Symbol.asyncIterator in allowed).toBe(true);
  });

  test('when a field has no rule, then its resolver is left untouched', () => {
    const plain = makeExecutableSchema({
      typeDefs: [DIRECTIVES, 'type Query { a: Thing @public } type Thing { b: String }'],
      resolvers: { Query: { a: () => ({}) }, Thing: { b: () => 'b' } },
    });
    const transformed = authDirectiveTransformer<TinyContext>({
      getPrincipal: principalOf,
    })(plain);
    const resolverOf = (s: GraphQLSchema, type: string, field: string) =>
      (s.getType(type) as GraphQLObjectType).getFields()[field]?.resolve;
    expect(resolverOf(transformed, 'Thing', 'b')).toBe(resolverOf(plain, 'Thing', 'b'));
    expect(resolverOf(transformed, 'Query', 'a')).toBe(resolverOf(plain, 'Query', 'a'));
  });

  test('when root fields declare no access rule, then the schema refuses to build and lists them', () => {
    expect(() =>
      build(`
        type Query { a: String, b: String @public }
        type Mutation { c: String, d: String @auth }
        type Subscription { e: String, f: String @auth }
      `),
    ).toThrow(
      new SchemaAccessError(
        'Every root field must declare its access with @auth or @public; these do not: Query.a, Mutation.c, Subscription.e',
      ),
    );
  });

  test('when @auth(requires: []) or both @auth and @public appear, then the schema refuses to build', () => {
    expect(() => build('type Query { a: String @auth(requires: []) }')).toThrow(SchemaAccessError);
    expect(() => build('type Query { a: String @auth @public }')).toThrow(SchemaAccessError);
  });

  test('when a field is @auth(nullForAnonymous: true), then anonymous callers get null and roles still apply', async () => {
    const optional = build(
      `type Query { whoami: String @auth(nullForAnonymous: true), boss: String @auth(requires: [ADMIN], nullForAnonymous: true) }`,
      { Query: { whoami: () => 'me', boss: () => 'boss' } },
    );
    const run = (roles: readonly Role[] | null) =>
      graphql({ schema: optional, source: '{ whoami boss }', contextValue: { roles } });
    expect(await run(null)).toEqual({ data: { whoami: null, boss: null } });
    const user = await run(['USER']);
    expect(user.data).toEqual({ whoami: 'me', boss: null });
    expect(user.errors?.map((error) => error.extensions.code)).toEqual(['FORBIDDEN']);
    expect(() => build('type Query { a: String! @auth(nullForAnonymous: true) }')).toThrow(
      SchemaAccessError,
    );
  });

  test('when a user must change their password, then only fields allowed during it run, refused with the reason', async () => {
    const pending = build(
      `type Query {
        whoami: String @auth(allowedDuring: [CHANGE_PASSWORD])
        other: String @auth
        boss: String @auth(requires: [ADMIN], allowedDuring: [CHANGE_PASSWORD])
      }`,
      { Query: { whoami: record('whoami'), other: record('other'), boss: record('boss') } },
    );
    const result = await graphql({
      schema: pending,
      source: '{ whoami other boss }',
      contextValue: { roles: ['USER'], mustChangePassword: true },
    });
    expect(result.data).toEqual({ whoami: 'whoami', other: null, boss: null });
    expect(result.errors?.map((error) => [error.path?.[0], error.extensions.reason])).toEqual([
      ['other', 'PASSWORD_CHANGE_REQUIRED'],
      ['boss', undefined],
    ]);
    expect(calls).toEqual(['whoami']);
    expect((pending.getType('Query') as GraphQLObjectType).getFields().whoami?.description).toBe(
      'Requires sign-in. Open while a password change is required.',
    );
    expect(() => build('type Query { a: String @auth(allowedDuring: [NOPE]) }')).toThrow();
  });

  test('when a field needs a second factor, then a password-only session is refused with MFA_REQUIRED', async () => {
    const stepUp = build(`type Query { vault: String @auth(requires: [ADMIN], mfa: true) }`, {
      Query: { vault: record('vault') },
    });
    const run = (multiFactor: boolean) =>
      graphql({
        schema: stepUp,
        source: '{ vault }',
        contextValue: { roles: ['ADMIN'], multiFactor },
      });
    const refused = await run(false);
    expect(refused.errors?.map((error) => error.extensions.reason)).toEqual(['MFA_REQUIRED']);
    expect(calls).toEqual([]);
    expect((await run(true)).data).toEqual({ vault: 'vault' });
    expect((stepUp.getType('Query') as GraphQLObjectType).getFields().vault?.description).toBe(
      'Requires role: ADMIN. Requires a sign-in with a second factor.',
    );
  });

  test('when the schema is built, then each guarded field says its rule in its description', () => {
    const described = build(`
      type Query {
        "Anyone."
        open: String @public
        "Mine."
        signedIn: String @auth
        admins: String @auth(requires: [ADMIN])
        "Either."
        either: String @auth(requires: [USER, ADMIN])
        maybe: String @auth(nullForAnonymous: true)
      }
    `);
    const fields = (described.getType('Query') as GraphQLObjectType).getFields();
    expect(fields.open?.description).toBe('Anyone.');
    expect(fields.signedIn?.description).toBe('Mine.\n\nRequires sign-in.');
    expect(fields.admins?.description).toBe('Requires role: ADMIN.');
    expect(fields.either?.description).toBe('Either.\n\nRequires one of the roles: USER, ADMIN.');
    expect(fields.maybe?.description).toBe('Requires sign-in. Anonymous callers get null.');
  });
});
