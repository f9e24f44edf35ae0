import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { Connection } from 'mongoose';
import type { Config } from '../config';
import type { Context, Services } from '../context';
import { isDatabaseReady } from '../db/connection';
import { bearerChallengePlugin } from '../graphql/bearer-challenge';
import { createContextFactory } from '../graphql/create-context';
import { createDocumentStore } from '../graphql/document-store';
import { formatError, unexpectedErrorLogger } from '../graphql/format-error';
import { createLimitRules, queryCostPlugin } from '../graphql/query-limits';
import { buildSchema } from '../graphql/schema';
import type { Logger } from '../logger';
import { createServices } from '../services';
import { callerOf, setDeviceCookie } from './client';
import { frontDoor, graphqlGuard, handleHttpErrors, sendHttpError } from './middleware';
import { createOAuthRouter } from './oauth';

export interface AppDependencies {
  readonly connection: Connection;
  readonly logger: Logger;
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
  const { services, purge, close } = await createServices(config, connection, logger);
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

  const expressApp = express();
  expressApp.disable('x-powered-by');
  // Answers are never cached (no-store), so a validator would only cost a hash of every body.
  expressApp.disable('etag');
  // The client address is the socket's unless TRUST_PROXY names the proxies to believe.
  expressApp.set(
    'trust proxy',
    config.http.trustProxy.length > 0 ? [...config.http.trustProxy] : false,
  );
  const httpServer = createServer(expressApp);
  httpServer.headersTimeout = 10_000;
  httpServer.requestTimeout = 30_000;

  const apollo = new ApolloServer<Context>({
    schema: buildSchema(),
    logger,
    introspection: config.graphql.introspection,
    includeStacktraceInErrorResponses: config.graphql.stackTraces,
    hideSchemaDetailsFromClientErrors: true,
    formatError,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Automatic persisted queries would let anyone fill the cache and answer hash mismatches with
    // code-less errors; first-party clients send their documents.
    persistedQueries: false,
    documentStore: createDocumentStore(config.graphql.documentCacheBytes),
    parseOptions: { maxTokens: config.graphql.maxTokens },
    validationRules: createLimitRules(config.graphql),
    // index.ts owns the signals: Apollo's own handler would re-raise SIGTERM and skip our clean-up.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: 10_000 }),
      unexpectedErrorLogger<Context>(logger),
      bearerChallengePlugin<Context>(),
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

  const createContext = createContextFactory(services, logger);
  expressApp.use(frontDoor(config, logger));
  expressApp.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  expressApp.get('/health/ready', async (_req, res) => {
    const ready = await isDatabaseReady(connection);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable' });
  });
  expressApp.use(
    '/graphql',
    express.json({ limit: config.http.bodyLimitBytes }),
    graphqlGuard(config.graphql.timeoutMs),
    expressMiddleware(apollo, {
      context: ({ req, res }) =>
        createContext({
          authorization: req.headers.authorization,
          requestId: req.id,
          callerFor: (identity) => callerOf(req, identity),
          response: { setDeviceCookie: (token) => setDeviceCookie(res, token) },
        }),
    }),
  );
  expressApp.use(createOAuthRouter(services, logger));
  expressApp.use((_req, res) => {
    sendHttpError(res, 'NOT_FOUND', 'Not found');
  });
  expressApp.use(handleHttpErrors(logger));

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
      await apollo.stop();
      close();
    },
  };
}
