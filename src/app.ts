import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
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
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Connection } from 'mongoose';
import { createAuditEventModel } from './audit/model';
import { createAuditService } from './audit/service';
import { bearerChallengePlugin } from './auth/bearer-challenge';
import { createPasswordHasher } from './auth/passwords';
import { createAuthService } from './auth/service';
import { createTokenService } from './auth/tokens';
import type { Config } from './config';
import { createContextFactory, type Context, type Services } from './context';
import { isDatabaseReady } from './db/connection';
import { createLocks } from './db/locks';
import { httpErrorBody, type HttpErrorCode } from './errors';
import { createErrorFormatter } from './format-error';
import { requestScope, type Logger } from './logger';
import { createOAuthRouter } from './oauth/routes';
import { buildSchema } from './schema';
import { createSessionModels } from './sessions/model';
import { createSessionService } from './sessions/service';
import { createUserModel } from './users/model';
import { createUserService } from './users/service';

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

const REQUEST_ID_HEADER = 'x-request-id';
const SESSION_PURGE_INTERVAL_MS = 60 * 60 * 1000;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const requestIds = new WeakMap<IncomingMessage, string>();

/** Keeps a caller's well-formed request id (for tracing across services) or makes one. */
const assignRequestId: RequestHandler = (req, res, next) => {
  const inbound = req.get(REQUEST_ID_HEADER);
  const requestId = inbound && REQUEST_ID_PATTERN.test(inbound) ? inbound : randomUUID();
  requestIds.set(req, requestId);
  res.setHeader(REQUEST_ID_HEADER, requestId);
  requestScope.run({ requestId }, next);
};

function logRequests(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      // The path only: a query string may carry a GraphQL document and its variables.
      logger.info(
        {
          method: req.method,
          path: req.originalUrl.split('?', 1)[0],
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request completed',
      );
    });
    next();
  };
}

function sendHttpError(
  res: express.Response,
  status: number,
  code: HttpErrorCode,
  message: string,
) {
  res.status(status).json(httpErrorBody(code, message));
}

/** Turns body-parser and routing failures into JSON errors with stable codes, never a stack. */
function handleHttpErrors(logger: Logger): ErrorRequestHandler {
  return (error: { status?: unknown; type?: unknown }, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = typeof error.status === 'number' ? error.status : 500;
    if (status === 413) sendHttpError(res, 413, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
    else if (status === 415) {
      sendHttpError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported request body encoding');
    } else if (error.type === 'entity.parse.failed') {
      sendHttpError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON');
    } else if (status >= 400 && status < 500) {
      sendHttpError(res, status, 'BAD_REQUEST', 'Bad request');
    } else {
      logger.error({ err: error }, 'unexpected error while serving HTTP');
      sendHttpError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    }
  };
}

export async function createApp(config: Config, deps: AppDependencies): Promise<App> {
  const { connection, logger } = deps;
  const hasher = await createPasswordHasher(config.passwords.argon2);
  const audit = createAuditService(createAuditEventModel(connection), logger);
  const sessions = createSessionService(createSessionModels(connection), config.sessions);
  const users = createUserService({
    model: createUserModel(connection),
    hasher,
    policy: config.passwords,
    sessions,
    audit,
    locks: createLocks(connection),
  });
  await Promise.all([users.ensureIndexes(), sessions.ensureIndexes(), audit.ensureIndexes()]);
  const tokens = createTokenService(config.jwt);
  const auth = createAuthService({
    users,
    sessions,
    hasher,
    tokens,
    policy: config.passwords,
    audit,
  });
  const services: Services = { users, sessions, auth, tokens, audit };

  // Ended sessions are deleted by a periodic sweep, not a TTL index (FerretDB has none). Every
  // instance sweeps; the deletes are idempotent.
  const purgeSessions = () => {
    sessions.purgeEnded().catch((error: unknown) => {
      logger.warn({ err: error }, 'could not purge ended sessions');
    });
  };
  purgeSessions();
  const purgeTimer = setInterval(purgeSessions, SESSION_PURGE_INTERVAL_MS);
  purgeTimer.unref();

  const expressApp = express();
  expressApp.disable('x-powered-by');
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
    formatError: createErrorFormatter(logger),
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Automatic persisted queries would let anyone fill the cache and answer hash mismatches with
    // code-less errors; first-party clients send their documents.
    persistedQueries: false,
    parseOptions: { maxTokens: config.graphql.maxTokens },
    // index.ts owns the signals: Apollo's own handler would re-raise SIGTERM and skip our clean-up.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: 10_000 }),
      bearerChallengePlugin<Context>(),
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

  expressApp.use(assignRequestId, logRequests(logger));
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
    // Apollo needs a body to judge the request; an unparsed one (another content type) is
    // handed over empty so Apollo answers 400 rather than failing with a 500.
    (req, _res, next) => {
      req.body ??= {};
      next();
    },
    expressMiddleware(apollo, {
      context: createContextFactory(services, (req) => requestIds.get(req) ?? randomUUID()),
    }),
  );
  expressApp.use(createOAuthRouter(auth, tokens, logger));
  expressApp.use((_req, res) => {
    sendHttpError(res, 404, 'NOT_FOUND', 'Not found');
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
    },
  };
}
