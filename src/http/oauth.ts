import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SignIn } from '../auth/service';
import type { Services } from '../context';
import { clientErrorCode, isClientError, oauthErrorOf, type ErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { TokenTypeHint } from '../sessions/service';
import { callerOf } from './client';

const FORM = 'application/x-www-form-urlencoded';
const FORM_LIMIT_BYTES = 8 * 1024;
const FORM_PARAMETER_LIMIT = 20;

function noStore(reply: FastifyReply): void {
  void reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
}

/** An RFC 6749 section 5.2 error body, named and numbered from the one error table. */
function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  description: string,
  extra: Record<string, unknown> = {},
) {
  const { error, status } = oauthErrorOf(code);
  noStore(reply);
  return reply.code(status).send({ error, error_description: description, ...extra });
}

function isForm(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  return type !== undefined && type.split(';', 1)[0]?.trim().toLowerCase() === FORM;
}

/**
 * Reads form parameters; null when one is repeated (RFC 6749 section 3.2 forbids it) or the body
 * is not a form. Empty values count as omitted.
 */
function readForm(request: FastifyRequest): Record<string, string> | null {
  const body = request.body;
  if (!isForm(request) || typeof body !== 'object' || body === null) return null;
  const params: Record<string, string> = {};
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length > FORM_PARAMETER_LIMIT) return null;
  for (const [name, value] of entries) {
    if (typeof value !== 'string') return null;
    if (value !== '') params[name] = value;
  }
  return params;
}

function tokenResponse(result: SignIn) {
  return {
    access_token: result.accessToken,
    token_type: result.tokenType,
    expires_in: result.expiresIn,
    refresh_token: result.refreshToken,
    refresh_expires_in: result.refreshExpiresIn,
    ...(result.deviceToken ? { device_token: result.deviceToken } : {}),
    ...(result.recoveryCodesRemaining === null
      ? {}
      : { recovery_codes_remaining: result.recoveryCodesRemaining }),
  };
}

/**
 * The extension grant (RFC 6749 section 4.5) that completes a password grant answered with
 * `mfa_required`: `challenge` from that answer and `code`, a TOTP or recovery code.
 */
export const MFA_GRANT_TYPE = 'urn:graphql-auth-api:params:oauth:grant-type:mfa';

/**
 * The OAuth2 endpoints: `POST /token` (password and refresh_token grants, RFC 6749 sections 4.3
 * and 6), `POST /revoke` (RFC 7009) and the JWKS. They call the same services as the GraphQL
 * mutations, so sessions, throttling and audit are shared.
 */
export function oauthRoutes(
  { auth, sessions, tokens }: Pick<Services, 'auth' | 'sessions' | 'tokens'>,
  logger: Logger,
) {
  return async (fastify: FastifyInstance) => {
    fastify.removeAllContentTypeParsers();
    await fastify.register(formbody, { bodyLimit: FORM_LIMIT_BYTES });
    // Any other body is read within the limit and answered invalid_request, not 415.
    fastify.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: FORM_LIMIT_BYTES },
      (_request, _body, done) => done(null, null),
    );
    fastify.post('/token', { bodyLimit: FORM_LIMIT_BYTES }, tokenEndpoint);
    fastify.post('/revoke', { bodyLimit: FORM_LIMIT_BYTES }, revocationEndpoint);
    fastify.route({
      method: ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: '/token',
      handler: methodNotAllowed,
    });
    fastify.route({
      method: ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: '/revoke',
      handler: methodNotAllowed,
    });
    fastify.get('/.well-known/jwks.json', jwks);
  };

  async function tokenEndpoint(request: FastifyRequest, reply: FastifyReply) {
    const params = readForm(request);
    if (params === null) {
      return sendError(reply, 'BAD_REQUEST', `the body must be ${FORM} with each parameter once`);
    }
    const caller = callerOf(request, reply);
    let call: (() => Promise<SignIn>) | null = null;
    switch (params.grant_type) {
      case undefined:
        return sendError(reply, 'BAD_REQUEST', 'grant_type is required');
      case 'password': {
        const { username, password } = params;
        if (username !== undefined && password !== undefined) {
          const device = params.device_token ?? caller.deviceCookie;
          call = () => auth.login(username, password, caller, device);
        }
        break;
      }
      case 'refresh_token': {
        const refreshToken = params.refresh_token;
        if (refreshToken !== undefined) call = () => auth.refresh(refreshToken, caller);
        break;
      }
      case MFA_GRANT_TYPE: {
        const { challenge, code } = params;
        if (challenge !== undefined && code !== undefined) {
          call = () => auth.completeMfaSignIn(challenge, { code }, caller);
        }
        break;
      }
      default:
        return sendError(
          reply,
          'UNSUPPORTED_GRANT_TYPE',
          `use password, refresh_token or ${MFA_GRANT_TYPE}`,
        );
    }
    if (call === null) {
      const needs = {
        password: 'username and password',
        refresh_token: 'refresh_token',
        [MFA_GRANT_TYPE]: 'challenge and code',
      }[params.grant_type];
      return sendError(reply, 'BAD_REQUEST', `${needs} required`);
    }
    try {
      const result = await call();
      noStore(reply);
      return reply.send(tokenResponse(result));
    } catch (error) {
      const code = clientErrorCode(error);
      if (code === null || !isClientError(error)) {
        logger.error(
          { err: error, requestId: request.id },
          'unexpected error at the token endpoint',
        );
        return sendError(reply, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      }
      const { retryAfter, challenge, methods } = error.extensions;
      if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
      // mfa_required hands over what the MFA grant needs; every other error is its name alone.
      return sendError(
        reply,
        code,
        error.message,
        code === 'MFA_REQUIRED' ? { challenge, methods } : {},
      );
    }
  }

  async function revocationEndpoint(request: FastifyRequest, reply: FastifyReply) {
    const params = readForm(request);
    if (params?.token === undefined) {
      return sendError(reply, 'BAD_REQUEST', `token is required, as ${FORM}`);
    }
    const hint = params.token_type_hint;
    try {
      await sessions.revokeToken(
        params.token,
        hint === 'access_token' || hint === 'refresh_token' ? (hint satisfies TokenTypeHint) : null,
        callerOf(request, reply),
      );
    } catch (error) {
      logger.error(
        { err: error, requestId: request.id },
        'unexpected error at the revocation endpoint',
      );
      return sendError(reply, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    }
    // RFC 7009 section 2.2: 200 whether or not the token was known.
    noStore(reply);
    return reply.code(200).send({});
  }

  function methodNotAllowed(_request: FastifyRequest, reply: FastifyReply) {
    void reply.header('allow', 'POST');
    return sendError(reply, 'METHOD_NOT_ALLOWED', 'use POST');
  }

  function jwks(_request: FastifyRequest, reply: FastifyReply) {
    const keys = tokens.jwks();
    if (keys === null) {
      // HS256: the key is a shared secret and is never published.
      return reply
        .code(404)
        .send({ error: 'not_found', error_description: 'no public keys: tokens use HS256' });
    }
    return reply.header('cache-control', 'public, max-age=300').send(keys);
  }
}
