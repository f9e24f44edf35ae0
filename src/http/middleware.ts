import { randomUUID } from 'node:crypto';
import cors from 'cors';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { Config } from '../config';
import { httpErrorBody, httpStatusOf, type ErrorCode } from '../errors';
import type { Logger } from '../logger';

/** Express middleware shared by every route: request ids, logs, headers, CORS and limits. */

const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * What every request passes first, in one middleware (each Express layer has a cost on the hot
 * path): a request id (the caller's, when well formed, for tracing across services), a log line
 * when the response is done, security headers, and CORS for cross-origin requests.
 */
export function frontDoor(config: Config, logger: Logger): RequestHandler {
  const headers = securityHeaders(config);
  const corsHeaders = corsPolicy(config);
  const logs = logger.isLevelEnabled('info');
  return (req, res, next) => {
    const inbound = req.get(REQUEST_ID_HEADER);
    const requestId = inbound && REQUEST_ID_PATTERN.test(inbound) ? inbound : randomUUID();
    req.id = requestId;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    if (logs) {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        // The path only: a query string may carry a GraphQL document and its variables.
        logger.info(
          {
            requestId,
            method: req.method,
            path: req.originalUrl.split('?', 1)[0],
            status: res.statusCode,
            durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'request completed',
        );
      });
    }
    headers(req, res, (error?: unknown) => {
      if (error !== undefined) next(error);
      // Without an Origin header there is nothing for CORS to decide.
      else if (req.headers.origin === undefined) next();
      else corsHeaders(req, res, next);
    });
  };
}

export function sendHttpError(res: Response, code: ErrorCode, message: string) {
  res.status(httpStatusOf(code)).json(httpErrorBody(code, message));
}

/**
 * Security headers on every response (helmet's defaults: HSTS, nosniff, frame denial, no
 * referrer...). An API serves no pages, so its CSP forbids everything, except in development,
 * where /graphql serves the Apollo Sandbox page and its scripts from Apollo's CDN.
 */
function securityHeaders(config: Config): RequestHandler {
  return helmet({
    contentSecurityPolicy: config.graphql.landingPage
      ? false
      : { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
}

/** CORS from CORS_ORIGINS: closed by default in production; bearer tokens, never cookies. */
function corsPolicy(config: Config): RequestHandler {
  const origins = config.corsOrigins;
  return cors({
    origin: origins.includes('*') ? true : origins.length > 0 ? [...origins] : false,
    credentials: false,
    methods: ['GET', 'POST'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'apollo-require-preflight',
      'x-apollo-operation-name',
      REQUEST_ID_HEADER,
    ],
    exposedHeaders: [REQUEST_ID_HEADER, 'retry-after', 'www-authenticate'],
    maxAge: 600,
  });
}

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function hasForbiddenKey(value: unknown, depth = 0): boolean {
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((item) => hasForbiddenKey(item, depth + 1));
  return Object.keys(value).some(
    (key) =>
      FORBIDDEN_KEYS.has(key) ||
      hasForbiddenKey((value as Record<string, unknown>)[key], depth + 1),
  );
}

/**
 * The checks a GraphQL request passes after its body is parsed, in one middleware:
 * - responses carry tokens and personal data, so no cache may keep them;
 * - bodies holding `__proto__`, `constructor` or `prototype` keys at any depth are refused: no
 *   legitimate request needs them, and they are how prototype pollution travels;
 * - an unparsed body (another content type) is handed over empty, so Apollo answers 400 rather
 *   than failing with a 500;
 * - a request still running after `timeoutMs` is answered 503 TIMEOUT. graphql-js cannot be
 *   interrupted, so the late result is dropped; the database's own timeouts bound the rest.
 */
export function graphqlGuard(timeoutMs: number): RequestHandler {
  return (req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    if (hasForbiddenKey(req.body)) {
      sendHttpError(res, 'BAD_REQUEST', 'Request body contains a forbidden key');
      return;
    }
    req.body ??= {};
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      res.locals.timedOut = true;
      sendHttpError(res, 'TIMEOUT', 'The request took too long');
    }, timeoutMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    next();
  };
}

/** Turns body-parser and routing failures into JSON errors with stable codes, never a stack. */
export function handleHttpErrors(logger: Logger): ErrorRequestHandler {
  return (error: { status?: unknown; type?: unknown }, req, res, next) => {
    if (res.locals.timedOut === true) return;
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = typeof error.status === 'number' ? error.status : 500;
    if (status === 413) sendHttpError(res, 'PAYLOAD_TOO_LARGE', 'Request body is too large');
    else if (status === 415) {
      sendHttpError(res, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported request body encoding');
    } else if (error.type === 'entity.parse.failed') {
      sendHttpError(res, 'BAD_REQUEST', 'Request body is not valid JSON');
    } else if (status >= 400 && status < 500) {
      // Another client error body-parser names: its own status, our one code.
      res.status(status).json(httpErrorBody('BAD_REQUEST', 'Bad request'));
    } else {
      logger.error({ err: error, requestId: req.id }, 'unexpected error while serving HTTP');
      sendHttpError(res, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    }
  };
}
