import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors, { type FastifyCorsOptions } from '@fastify/cors';
import helmet from 'helmet';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../config';
import { httpErrorBody, httpStatusOf, type ErrorCode } from '../errors';
import type { Logger } from '../logger';
import { originMatcher } from './origins';

/** What every request passes first: request ids, one log line, security headers and CORS. */

export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** The caller's request id when well formed (for tracing across services), or a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const inbound = req.headers[REQUEST_ID_HEADER];
  return typeof inbound === 'string' && REQUEST_ID_PATTERN.test(inbound) ? inbound : randomUUID();
}

export function sendHttpError(reply: FastifyReply, code: ErrorCode, message: string) {
  return reply.code(httpStatusOf(code)).send(httpErrorBody(code, message));
}

export async function registerFrontDoor(
  fastify: FastifyInstance,
  config: Config,
  logger: Logger,
): Promise<void> {
  const headers = securityHeaders(config);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(headers).header(REQUEST_ID_HEADER, request.id);
    done();
  });
  if (logger.isLevelEnabled('info')) {
    fastify.addHook('onResponse', (request, reply, done) => {
      // The path only: a query string may carry a GraphQL document and its variables.
      logger.info(
        {
          requestId: request.id,
          method: request.method,
          path: request.url.split('?', 1)[0],
          status: reply.statusCode,
          durationMs: reply.elapsedTime,
        },
        'request completed',
      );
      done();
    });
  }
  await fastify.register(cors, corsPolicy(config));
  // A preflight CORS declined (an origin not allowed) gets an empty 204 with no CORS headers, so
  // the browser refuses the request; it must not reach Apollo, whose CSRF check would answer 400.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (
      request.method === 'OPTIONS' &&
      request.headers.origin !== undefined &&
      request.headers['access-control-request-method'] !== undefined
    ) {
      void reply.code(204).header('content-length', '0').send();
      return;
    }
    done();
  });
  fastify.setNotFoundHandler((_request, reply) => sendHttpError(reply, 'NOT_FOUND', 'Not found'));
  fastify.setErrorHandler(httpErrorHandler(logger));
}

/**
 * Security headers on every response, from helmet's defaults (HSTS, nosniff, frame denial, no
 * referrer...). An API serves no pages, so its CSP forbids everything, except in development,
 * where /graphql serves the Apollo Sandbox page and its scripts from Apollo's CDN.
 *
 * They depend on the configuration only, so helmet runs once, at start-up, against a response
 * that records them; each request then gets the recorded set. (@fastify/helmet builds helmet's
 * middleware anew on every request: about 4 % of the CPU of a `me` query.)
 */
export function securityHeaders(config: Config): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet({
    contentSecurityPolicy: config.graphql.landingPage
      ? false
      : { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
    // helmet 8 throws its errors (a bad option) rather than passing them on.
  })({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}

/**
 * CORS from CORS_ORIGINS (exact origins and `*.` subdomain patterns; closed by default in
 * production) and CORS_ALLOWED_HEADERS. Credentialed only with the refresh-token cookie, and
 * then only for the configured origins (the configuration refuses `*` with it).
 */
function corsPolicy(config: Config): FastifyCorsOptions {
  const origins = config.corsOrigins;
  const allowed = originMatcher(origins);
  return {
    origin:
      origins.length === 0
        ? false
        : (origin, callback) => callback(null, origin !== undefined && allowed(origin)),
    credentials: config.refreshTokenTransport.kind === 'cookie',
    methods: ['GET', 'POST'],
    allowedHeaders: [...config.corsAllowedHeaders],
    exposedHeaders: [REQUEST_ID_HEADER, 'retry-after', 'www-authenticate'],
    maxAge: 600,
  };
}

/** Turns body parsing and routing failures into JSON errors with stable codes, never a stack. */
function httpErrorHandler(logger: Logger) {
  return (error: FastifyError, request: { id: string }, reply: FastifyReply) => {
    const status = error.statusCode ?? 500;
    if (status === 413)
      return sendHttpError(reply, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
    if (status === 415) {
      return sendHttpError(reply, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported request body encoding');
    }
    if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return sendHttpError(reply, 'BAD_REQUEST', 'Request body is not valid JSON');
    }
    if (status >= 400 && status < 500) {
      // Another client error the framework names: its own status, our one code.
      return reply.code(status).send(httpErrorBody('BAD_REQUEST', 'Bad request'));
    }
    logger.error({ err: error, requestId: request.id }, 'unexpected error while serving HTTP');
    return sendHttpError(reply, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
}
