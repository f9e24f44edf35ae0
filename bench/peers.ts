import { createServer } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { useGenericAuth, type ValidateUserFn } from '@envelop/generic-auth';
import { makeExecutableSchema } from '@graphql-tools/schema';
import Fastify from 'fastify';
import { Kind, type DirectiveNode, type GraphQLSchema } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import mercurius from 'mercurius';
import mercuriusAuth from 'mercurius-auth';
import { authenticate, type Identity } from '../src/auth/authenticate';
import { decideAccess, principalOf } from '../src/auth/policy';
import { SYSTEM_CALLER, type Caller } from '../src/caller';
import type { Context, Services } from '../src/context';
import { forbidden, unauthenticated } from '../src/errors';
import { loadTypeDefs, resolvers } from '../src/graphql/schema';
import { createServices } from '../src/services';
import { BODY_TRANSPORT } from '../src/http/refresh-cookie';
import type { Role } from '../src/users/roles';
import type { VariantInput } from './variants';

/**
 * Other stacks serving the same SDL, resolvers and data, each the way its own documentation
 * shows, with the same policy (the project's `decideAccess`) and the same real authentication
 * (the project's `authenticate`: token verified, user and session read from the database).
 * Each builder listens and returns the port, since some stacks own their HTTP server.
 */

/** For peers that set no cookies: the benchmark signs in through the project only. */
const NO_RESPONSE_CONTROL: Context['response'] = { setDeviceCookie: () => undefined };

function schemaWithoutAuthorization(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: [...resolvers] });
}

function callerOf(identity: Identity | null): Caller {
  return identity ? { ...SYSTEM_CALLER, ...identity } : SYSTEM_CALLER;
}

/** The roles an `@auth(requires: [...])` usage lists, or null for "any signed-in user". */
function requiredRoles(directive: DirectiveNode): Role[] | null {
  const requires = directive.arguments?.find((argument) => argument.name.value === 'requires');
  if (requires?.value.kind !== Kind.LIST) return null;
  return requires.value.values.flatMap((value) =>
    value.kind === Kind.ENUM ? [value.value as Role] : [],
  );
}

/** For the peers with no authentication: every request is the fixed viewer's. */
export async function fixedViewerContext(input: VariantInput): Promise<() => Promise<Context>> {
  const { services } = await createServices(input.config, input.connection, input.logger);
  const user = await services.users.findById(input.fixedViewerId);
  if (!user) throw new Error('the fixed viewer does not exist');
  const caller: Caller = { ...SYSTEM_CALLER, user, sessionId: 'bench' };
  const context: Context = {
    caller,
    principal: principalOf(user, [], []),
    services,
    response: NO_RESPONSE_CONTROL,
    refreshTokens: BODY_TRANSPORT,
    unusableCredential: null,
  };
  return () => Promise.resolve(context);
}

/**
 * Apollo Server 5's own HTTP server, no authentication at all: the engine's fastest setup, the
 * reference for what Apollo itself costs. Like `bare`, a fixed viewer stands in for the caller.
 */
export async function apolloStandalone(input: VariantInput): Promise<number> {
  const apollo = new ApolloServer<Context>({ schema: schemaWithoutAuthorization() });
  const { url } = await startStandaloneServer(apollo, {
    listen: { port: 0, host: '127.0.0.1' },
    context: await fixedViewerContext(input),
  });
  return Number(new URL(url).port);
}

/** Hands the user generic-auth resolved to the project's resolvers, which read `caller`. */
function useCaller(): Plugin<{ identity?: Identity | null; caller: Caller }> {
  return {
    onContextBuilding: ({ context, extendContext }) => {
      extendContext({ caller: callerOf(context.identity ?? null) });
    },
  };
}

/**
 * The Guild's stack: graphql-yoga with envelop's generic-auth in `protect-granular` mode reading
 * the SDL's own `@auth` directive. `resolveUserFn` authenticates; `validateUser` authorizes.
 */
export async function yoga(input: VariantInput): Promise<number> {
  const { services } = await createServices(input.config, input.connection, input.logger);
  // Called for every field selected; only those carrying `@auth` (or whose type does) need a rule.
  const validateUser: ValidateUserFn<Identity> = ({ user, fieldAuthArgs, typeAuthArgs }) => {
    const rule = fieldAuthArgs ?? typeAuthArgs;
    if (rule === undefined) return undefined;
    // generic-auth's type says a user is always there; anonymous requests pass null.
    const identity = user as Identity | null;
    const requires = (rule.requires as Role[] | undefined) ?? null;
    const decision = decideAccess(identity && principalOf(identity.user, [], []), {
      requires,
      allowedDuring: [],
      mfa: false,
    });
    if (decision === 'unauthenticated') return unauthenticated();
    if (decision === 'forbidden') return forbidden();
    return undefined;
  };
  const server = createYoga<{ services: Services; response: Context['response'] }>({
    schema: schemaWithoutAuthorization(),
    context: () => ({ services, response: NO_RESPONSE_CONTROL, unusableCredential: null }),
    graphiql: false,
    landingPage: false,
    plugins: [
      useGenericAuth<Identity, { request: Request }, 'identity'>({
        mode: 'protect-granular',
        authDirectiveName: 'auth',
        contextFieldName: 'identity',
        resolveUserFn: (context) =>
          authenticate(context.request.headers.get('authorization') ?? undefined, services),
        validateUser,
      }),
      useCaller(),
    ],
  });
  // Yoga's request listener returns a promise that node:http ignores; Yoga handles its errors.
  return listenOn(createServer((req, res) => void server(req, res)));
}

/**
 * Fastify's GraphQL server with mercurius-auth in directive mode on the SDL's `@auth`. The
 * context authenticates (a bad token fails the request with Fastify's 401); `applyPolicy` authorizes.
 */
export async function mercuriusPeer(input: VariantInput): Promise<number> {
  const { services } = await createServices(input.config, input.connection, input.logger);
  const app = Fastify();
  await app.register(mercurius, {
    schema: schemaWithoutAuthorization(),
    context: async (request) => {
      try {
        const identity = await authenticate(request.headers.authorization, services);
        return {
          caller: callerOf(identity),
          services,
          response: NO_RESPONSE_CONTROL,
          unusableCredential: null,
        };
      } catch {
        // Fastify answers with the error's status and code: a 401 before anything executes.
        throw Object.assign(new Error('The access token is invalid or has expired'), {
          statusCode: 401,
          code: 'UNAUTHENTICATED',
        });
      }
    },
  });
  await app.register(mercuriusAuth, {
    authDirective: 'auth',
    applyPolicy: (directive: DirectiveNode, _parent, _args, context) => {
      const { caller } = context as unknown as Context;
      const decision = decideAccess(caller.user && principalOf(caller.user, [], []), {
        requires: requiredRoles(directive),
        allowedDuring: [],
        mfa: false,
      });
      if (decision === 'unauthenticated') return Promise.resolve(unauthenticated());
      if (decision === 'forbidden') return Promise.resolve(forbidden());
      return Promise.resolve(true);
    },
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return Number(new URL(address).port);
}

function listenOn(server: ReturnType<typeof createServer>): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}
