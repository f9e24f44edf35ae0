import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import {
  execute,
  type GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { applyMiddleware } from 'graphql-middleware';
import { allow, or, rule, shield } from 'graphql-shield';
import type { Connection } from 'mongoose';
import { authenticate } from '../src/auth/authenticate';
import { principalOf, type Principal } from '../src/auth/policy';
import { SYSTEM_CALLER, type Caller } from '../src/caller';
import type { Config } from '../src/config';
import type { Context } from '../src/context';
import { forbidden } from '../src/errors';
import { createApp, createHttpServer } from '../src/http/app';
import { callerOf, setDeviceCookie } from '../src/http/client';
import { registerFrontDoor } from '../src/http/front-door';
import { graphqlRoute } from '../src/http/graphql-route';
import { BODY_TRANSPORT } from '../src/http/refresh-cookie';
import { createContextFactory } from '../src/graphql/create-context';
import { credentialGatePlugin } from '../src/graphql/credential-gate';
import { formatError } from '../src/graphql/format-error';
import { buildSchema, loadTypeDefs, resolvers } from '../src/graphql/schema';
import type { Logger } from '../src/logger';
import { createServices } from '../src/services';
import { apolloStandalone, fixedViewerContext, mercuriusPeer, yoga } from './peers';

/** The peers the benchmark compares, each built from the same SDL, resolvers and data. */
export const NODE_VARIANTS = [
  'floor',
  'bare',
  'project',
  'shield',
  'apollo-standalone',
  'yoga',
  'mercurius',
] as const;
export type NodeVariant = (typeof NODE_VARIANTS)[number];
/** FastAPI runs in Python (see fastapi.ts), so it has no builder here. */
export const VARIANTS = [...NODE_VARIANTS, 'fastapi'] as const;
export type Variant = (typeof VARIANTS)[number];
/** Variants that answer REST requests rather than GraphQL ones. */
export const REST_VARIANTS: readonly Variant[] = ['fastapi'];

export interface VariantInput {
  readonly config: Config;
  readonly connection: Connection;
  readonly logger: Logger;
  /** The user bare Apollo pretends is signed in. */
  readonly fixedViewerId: string;
}

/** For peers that set no cookies: the benchmark signs in through the project only. */
const NO_RESPONSE_CONTROL: Context['response'] = { setDeviceCookie: () => undefined };

/** The project's SDL and resolvers without `@auth`, for peers that authorize otherwise. */
function schemaWithoutAuthorization(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: [...resolvers] });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

/** The API exactly as it ships. */
async function project(input: VariantInput): Promise<Server> {
  const app = await createApp(input.config, input);
  return app.httpServer;
}

/** Apollo on the project's edge: its front door, body checks, deadline and error masking. */
async function serveLikeTheProject(
  input: VariantInput,
  schema: GraphQLSchema,
  context: (request: FastifyRequest, reply: FastifyReply) => Promise<Context>,
): Promise<Server> {
  // As the project: a request with an unusable token runs only if it asks for public fields.
  const apollo = new ApolloServer<Context>({
    schema,
    formatError,
    plugins: [credentialGatePlugin(schema)],
  });
  await apollo.start();
  const fastify = createHttpServer(input.config);
  await registerFrontDoor(fastify, input.config, input.logger);
  await fastify.register(
    graphqlRoute(apollo, {
      bodyLimitBytes: input.config.http.bodyLimitBytes,
      timeoutMs: input.config.graphql.timeoutMs,
      trustedDocuments: null,
      context,
    }),
  );
  await fastify.ready();
  return fastify.server;
}

/**
 * The project's services and authentication, authorized by graphql-shield rules instead of
 * `@auth`, on the same HTTP front door.
 */
async function shieldVariant(input: VariantInput): Promise<Server> {
  const { services } = await createServices(input.config, input.connection, input.logger);
  const signedIn = rule({ cache: 'contextual' })(
    (_parent, _args, context: Context) => context.caller.user !== null,
  );
  const hasRole = (role: 'ADMIN' | 'USER') =>
    rule({ cache: 'contextual' })(
      (_parent, _args, context: Context) => context.caller.user?.roles.includes(role) ?? false,
    );
  const admin = hasRole('ADMIN');
  const permissions = shield(
    {
      Query: {
        health: allow,
        me: signedIn,
        sessions: signedIn,
        userOnly: or(hasRole('USER'), admin),
        adminOnly: admin,
        users: admin,
        user: admin,
        auditEvents: admin,
      },
      Mutation: {
        login: allow,
        refreshToken: allow,
        logout: signedIn,
        logoutAll: signedIn,
        revokeSession: signedIn,
        changePassword: signedIn,
        revokeUserSessions: admin,
        createUser: admin,
        updateUser: admin,
        deleteUser: admin,
      },
    },
    { fallbackRule: allow, fallbackError: forbidden(), allowExternalErrors: true },
  );
  const schema = applyMiddleware(schemaWithoutAuthorization(), permissions);
  const createContext = createContextFactory(services, input.logger, []);
  return serveLikeTheProject(input, schema, (request, reply) =>
    createContext({
      authorization: request.headers.authorization,
      requestId: request.id,
      callerFor: (identity) => callerOf(request, reply, identity),
      response: { setDeviceCookie: (token) => setDeviceCookie(reply, token) },
      refreshTokens: BODY_TRANSPORT,
    }),
  );
}

/** Apollo Server on the project's HTTP framework: same schema, a fixed viewer, no auth at all. */
async function bare(input: VariantInput): Promise<Server> {
  const context = await fixedViewerContext(input);
  const apollo = new ApolloServer<Context>({ schema: schemaWithoutAuthorization() });
  await apollo.start();
  const fastify = Fastify();
  fastify.post('/graphql', fastifyApolloHandler(apollo, { context }));
  await fastify.ready();
  return fastify.server;
}

/**
 * The floor: node:http and graphql-js with parse and validation cached, plus the project's own
 * authentication and directive. Nothing else stands between a request and its resolvers.
 */
async function floor(input: VariantInput): Promise<Server> {
  const { services } = await createServices(input.config, input.connection, input.logger);
  const schema: GraphQLSchema = buildSchema();
  const documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  const prepare = (query: string) => {
    let prepared = documents.get(query);
    if (!prepared) {
      try {
        const document = parse(query);
        const errors = validate(schema, document, specifiedRules);
        prepared = errors.length > 0 ? errors : document;
      } catch (error) {
        prepared = [error as GraphQLError];
      }
      documents.set(query, prepared);
    }
    return prepared;
  };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { query, variables } = JSON.parse(Buffer.concat(chunks).toString()) as {
      query: string;
      variables?: Record<string, unknown>;
    };
    const prepared = prepare(query);
    if (!('kind' in prepared)) return send(res, 400, { errors: prepared });
    let caller: Caller;
    let principal: Principal | null;
    try {
      const identity = await authenticate(req.headers.authorization, services);
      caller = { ...SYSTEM_CALLER, ...identity };
      principal = identity && principalOf(identity.user, identity.authMethods, []);
    } catch (error) {
      return send(res, 401, { errors: [error] });
    }
    const result = await execute({
      schema,
      document: prepared,
      variableValues: variables,
      contextValue: {
        caller,
        principal,
        services,
        response: NO_RESPONSE_CONTROL,
        refreshTokens: BODY_TRANSPORT,
        unusableCredential: null,
      } satisfies Context,
    });
    return send(res, 200, result);
  };
  return createServer((req, res) => {
    handle(req, res).catch(() =>
      send(res, 500, { errors: [{ message: 'Internal server error' }] }),
    );
  });
}

const listening =
  (build: (input: VariantInput) => Promise<Server>) => async (input: VariantInput) =>
    listen(await build(input));

/** Each builder listens and resolves to its port. */
const BUILDERS: Record<NodeVariant, (input: VariantInput) => Promise<number>> = {
  floor: listening(floor),
  bare: listening(bare),
  project: listening(project),
  shield: listening(shieldVariant),
  'apollo-standalone': apolloStandalone,
  yoga,
  mercurius: mercuriusPeer,
};

export function startVariant(variant: NodeVariant, input: VariantInput): Promise<number> {
  return BUILDERS[variant](input);
}
