import type { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../context';
import type { TrustedDocuments } from '../graphql/trusted-documents';
import { sendHttpError } from './front-door';

/** `/graphql`: Apollo Server behind the checks a request passes once its body is read. */

export interface GraphqlRouteOptions {
  readonly bodyLimitBytes: number;
  readonly timeoutMs: number;
  readonly trustedDocuments: TrustedDocuments | null;
  readonly context: (request: FastifyRequest, reply: FastifyReply) => Promise<Context>;
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

/** The charset of a JSON body must be UTF-8 (RFC 8259 section 8.1); absent means UTF-8. */
function isUtf8(contentType: string | undefined): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

/**
 * A GET request's parameters read the way Apollo reads them (the first of each, from the URL's
 * query string up to any `#`), so the trusted-document check sees the document Apollo will run.
 */
function getParams(url: string): Record<string, string | undefined> {
  const search = new URL(url, 'http://localhost').searchParams;
  return {
    query: search.get('query') ?? undefined,
    extensions: search.get('extensions') ?? undefined,
    documentId: search.get('documentId') ?? undefined,
  };
}

class UnsupportedCharset extends Error {
  readonly statusCode = 415;
}

export function graphqlRoute(apollo: ApolloServer<Context>, options: GraphqlRouteOptions) {
  const handler = fastifyApolloHandler(apollo, { context: options.context });
  return (fastify: FastifyInstance) => {
    fastify.removeAllContentTypeParsers();
    // Plain JSON.parse: the forbidden keys are refused below, at any depth, with our own code.
    fastify.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: options.bodyLimitBytes },
      (request, body, done) => {
        if (!isUtf8(request.headers['content-type'])) {
          done(new UnsupportedCharset('Unsupported charset'), undefined);
          return;
        }
        try {
          done(null, body === '' ? {} : JSON.parse(body as string));
        } catch (error) {
          done(error as Error, undefined);
        }
      },
    );
    // Any other content type is read (within the limit) and handed over empty, so Apollo answers
    // it with 400 (and CSRF prevention refuses the simple ones) rather than the framework's 415.
    fastify.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: options.bodyLimitBytes },
      (_request, _body, done) => done(null, {}),
    );

    /**
     * - responses carry tokens and personal data, so no cache may keep them;
     * - bodies holding `__proto__`, `constructor` or `prototype` keys at any depth are refused:
     *   no legitimate request needs them, and they are how prototype pollution travels;
     * - with TRUSTED_DOCUMENTS, a request naming a trusted document is put in the form Apollo
     *   resolves by hash, and in enforce mode any other document is refused before it is parsed;
     * - a request still running after `timeoutMs` is answered 503 TIMEOUT. graphql-js cannot be
     *   interrupted, so the late result is dropped; the database's own timeouts bound the rest.
     */
    fastify.route({
      url: '/graphql',
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      bodyLimit: options.bodyLimitBytes,
      handler: async function (request, reply) {
        void reply.header('cache-control', 'no-store');
        if (hasForbiddenKey(request.body)) {
          return sendHttpError(reply, 'BAD_REQUEST', 'Request body contains a forbidden key');
        }
        request.body ??= {};
        if (options.trustedDocuments) {
          const params = request.method === 'GET' ? getParams(request.url) : request.body;
          const refusal = options.trustedDocuments.admit(
            params as Record<string, unknown>,
            request.method,
          );
          if (refusal) return sendHttpError(reply, refusal.code, refusal.message);
        }
        const timer = setTimeout(() => {
          if (!reply.sent) sendHttpError(reply, 'TIMEOUT', 'The request took too long');
        }, options.timeoutMs);
        try {
          const payload = await handler.call(this, request, reply);
          // Answered already (the timeout above): the late result goes nowhere.
          return reply.sent ? undefined : payload;
        } catch (error) {
          if (reply.sent) return undefined;
          throw error;
        } finally {
          clearTimeout(timer);
        }
      },
    });
  };
}
