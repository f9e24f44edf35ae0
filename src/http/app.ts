import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { Connection } from 'mongoose';
import { ConfigError, type Config } from '../config';
import type { Context, Services } from '../context';
import { isDatabaseReady } from '../db/connection';
import { refusalStatusPlugin } from '../graphql/refusal-status';
import { createContextFactory } from '../graphql/create-context';
import { credentialGatePlugin } from '../graphql/credential-gate';
import { createDocumentStore } from '../graphql/document-store';
import { formatError, unexpectedErrorLogger } from '../graphql/format-error';
import { createLimitRules, queryCostPlugin } from '../graphql/query-limits';
import { buildSchema } from '../graphql/schema';
import {
  createTrustedDocuments,
  findInvalidTrustedDocuments,
  type TrustedDocuments,
} from '../graphql/trusted-documents';
import type { Logger } from '../logger';
import { createServices } from '../services';
import { callerOf, setDeviceCookie } from './client';
import { registerFrontDoor, requestIdOf } from './front-door';
import { graphqlRoute } from './graphql-route';
import { oauthRoutes } from './oauth';
import { refreshTokenTransport } from './refresh-cookie';

export interface AppDependencies {
  readonly connection: Connection;
  readonly logger: Logger;
  /** Where development mail is printed without SMTP_URL (index.ts: the terminal). */
  readonly terminal?: (text: string) => void;
}

export interface App {
  readonly services: Services;
  readonly httpServer: Server;
  /** Listens on the configured host and port (0 picks a free one) and returns the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets requests in flight finish, then stops Apollo. Leaves the database open. */
  stop(): Promise<void>;
}

// Ended sessions, old sign-in attempts and audit events past their retention are deleted by a
// periodic sweep, not TTL indexes (FerretDB has none). Every instance sweeps; the deletes are
// idempotent.
const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export async function createApp(config: Config, deps: AppDependencies): Promise<App> {
  const { connection, logger } = deps;
  const { services, purge, close } = await createServices(
    config,
    connection,
    logger,
    deps.terminal,
  );
  const runPurge = () => {
    purge().catch((error: unknown) => {
      logger.warn(
        { err: error },
        'could not purge old sessions, sign-in attempts and audit events',
      );
    });
  };
  runPurge();
  const purgeTimer = setInterval(runPurge, PURGE_INTERVAL_MS);
  purgeTimer.unref();

  const fastify = createHttpServer(config);
  await registerFrontDoor(fastify, config, logger);

  const schema = buildSchema();
  const trustedDocuments = trustedDocumentsFor(config, schema);
  const apollo = new ApolloServer<Context>({
    schema,
    logger,
    introspection: config.graphql.introspection,
    includeStacktraceInErrorResponses: config.graphql.stackTraces,
    hideSchemaDetailsFromClientErrors: true,
    formatError,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Hashes name trusted documents only: the cache is the manifest, and nothing can be added to
    // it (automatic persisted queries would let anyone fill it).
    persistedQueries: trustedDocuments ? { cache: trustedDocuments.cache, ttl: null } : false,
    documentStore: createDocumentStore(config.graphql.documentCacheBytes, trustedDocuments?.hashes),
    parseOptions: { maxTokens: config.graphql.maxTokens },
    validationRules: createLimitRules(config.graphql),
    // index.ts owns the signals: Apollo's own handler would re-raise SIGTERM and skip our clean-up.
    stopOnTerminationSignals: false,
    plugins: [
      fastifyApolloDrainPlugin(fastify),
      unexpectedErrorLogger<Context>(logger),
      credentialGatePlugin(schema),
      refusalStatusPlugin<Context>(),
      queryCostPlugin<Context>(config.graphql),
      config.graphql.landingPage
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  await apollo.start();

  const createContext = createContextFactory(services, logger, config.mfa.requiredRoles);
  const refreshTokensFor = refreshTokenTransport(config.refreshTokenTransport, config.corsOrigins);
  fastify.get('/health/live', (_request, reply) => reply.send({ status: 'ok' }));
  fastify.get('/health/ready', async (_request, reply) => {
    const ready = await isDatabaseReady(connection);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable' });
  });
  await fastify.register(
    graphqlRoute(apollo, {
      bodyLimitBytes: config.http.bodyLimitBytes,
      timeoutMs: config.graphql.timeoutMs,
      trustedDocuments,
      context: (request, reply) =>
        createContext({
          authorization: request.headers.authorization,
          requestId: request.id,
          callerFor: (identity) => callerOf(request, reply, identity),
          response: { setDeviceCookie: (token) => setDeviceCookie(reply, token) },
          refreshTokens: refreshTokensFor(request, reply),
        }),
    }),
  );
  await fastify.register(oauthRoutes(services, logger));
  await fastify.ready();
  const httpServer = fastify.server;

  return {
    services,
    httpServer,
    listen() {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.http.port, config.http.host, () => {
          httpServer.off('error', reject);
          const { address, family, port } = httpServer.address() as AddressInfo;
          const host = family === 'IPv6' ? `[${address}]` : address;
          resolve(`http://${host}:${port}`);
        });
      });
    },
    async stop() {
      clearInterval(purgeTimer);
      // The drain plugin closes Fastify: no new connections, requests in flight finish.
      await apollo.stop();
      close();
    },
  };
}

/** The manifest's documents, each checked against the schema: a stale manifest stops start-up. */
function trustedDocumentsFor(config: Config, schema: GraphQLSchema): TrustedDocuments | null {
  const settings = config.graphql.trustedDocuments;
  if (settings === null) return null;
  const invalid = findInvalidTrustedDocuments(schema, settings.documents);
  if (invalid.length > 0) {
    throw new ConfigError(invalid.map((problem) => `TRUSTED_DOCUMENTS: ${problem}`));
  }
  return createTrustedDocuments(settings);
}

/**
 * Fastify as the edge: the client address from the socket unless TRUST_PROXY names the proxies
 * to believe, request ids from the caller when well formed, and Node's header and request
 * timeouts.
 */
export function createHttpServer(config: Config): FastifyInstance {
  const fastify = Fastify({
    trustProxy: config.http.trustProxy.length > 0 ? [...config.http.trustProxy] : false,
    genReqId: requestIdOf,
    bodyLimit: config.http.bodyLimitBytes,
    requestTimeout: 30_000,
    // Requests in flight finish on close; idle keep-alive connections are closed at once.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Lines about a request are ours, with its id (a child logger per request would cost).
    logger: false,
  });
  fastify.server.headersTimeout = 10_000;
  return fastify;
}
