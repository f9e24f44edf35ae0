import express, { type Request, type Response, type Router } from 'express';
import type { SignIn } from '../auth/service';
import type { Services } from '../context';
import { clientErrorCode, isClientError, oauthErrorOf, type ErrorCode } from '../errors';
import type { Logger } from '../logger';
import type { TokenTypeHint } from '../sessions/service';
import { callerOf } from './client';

const FORM = 'application/x-www-form-urlencoded';
const FORM_LIMIT = '8kb';

function noStore(res: Response): void {
  res.set({ 'cache-control': 'no-store', pragma: 'no-cache' });
}

/** An RFC 6749 section 5.2 error body, named and numbered from the one error table. */
function sendError(res: Response, code: ErrorCode, description: string): void {
  const { error, status } = oauthErrorOf(code);
  noStore(res);
  res.status(status).json({ error, error_description: description });
}

/**
 * Reads form parameters; null when one is repeated (RFC 6749 section 3.2 forbids it) or the body
 * is not a form. Empty values count as omitted.
 */
function readForm(req: Request): Record<string, string> | null {
  if (!req.is(FORM) || typeof req.body !== 'object' || req.body === null) return null;
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.body as Record<string, unknown>)) {
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
  };
}

/**
 * The OAuth2 endpoints: `POST /token` (password and refresh_token grants, RFC 6749 sections 4.3
 * and 6), `POST /revoke` (RFC 7009) and the JWKS. They call the same services as the GraphQL
 * mutations, so sessions, throttling and audit are shared.
 */
export function createOAuthRouter(
  { auth, sessions, tokens }: Pick<Services, 'auth' | 'sessions' | 'tokens'>,
  logger: Logger,
): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 20 });

  router.post('/token', form, async (req, res) => {
    const params = readForm(req);
    if (params === null) {
      sendError(res, 'BAD_REQUEST', `the body must be ${FORM} with each parameter once`);
      return;
    }
    const caller = callerOf(req);
    let call: (() => Promise<SignIn>) | null = null;
    switch (params.grant_type) {
      case undefined:
        sendError(res, 'BAD_REQUEST', 'grant_type is required');
        return;
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
      default:
        sendError(res, 'UNSUPPORTED_GRANT_TYPE', 'use password or refresh_token');
        return;
    }
    if (call === null) {
      const needs = params.grant_type === 'password' ? 'username and password' : 'refresh_token';
      sendError(res, 'BAD_REQUEST', `${needs} required`);
      return;
    }
    try {
      const result = await call();
      noStore(res);
      res.json(tokenResponse(result));
    } catch (error) {
      const code = clientErrorCode(error);
      if (code === null || !isClientError(error)) {
        logger.error({ err: error, requestId: req.id }, 'unexpected error at the token endpoint');
        sendError(res, 'INTERNAL_SERVER_ERROR', 'Internal server error');
        return;
      }
      const { retryAfter } = error.extensions;
      if (typeof retryAfter === 'number') res.set('retry-after', String(retryAfter));
      sendError(res, code, error.message);
    }
  });

  router.post('/revoke', form, async (req, res) => {
    const params = readForm(req);
    if (params?.token === undefined) {
      sendError(res, 'BAD_REQUEST', `token is required, as ${FORM}`);
      return;
    }
    const hint = params.token_type_hint;
    try {
      await sessions.revokeToken(
        params.token,
        hint === 'access_token' || hint === 'refresh_token' ? (hint satisfies TokenTypeHint) : null,
        callerOf(req),
      );
    } catch (error) {
      logger.error(
        { err: error, requestId: req.id },
        'unexpected error at the revocation endpoint',
      );
      sendError(res, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      return;
    }
    // RFC 7009 section 2.2: 200 whether or not the token was known.
    noStore(res);
    res.status(200).json({});
  });

  router.all(['/token', '/revoke'], (_req, res) => {
    res.set('allow', 'POST');
    sendError(res, 'METHOD_NOT_ALLOWED', 'use POST');
  });

  router.get('/.well-known/jwks.json', (_req, res) => {
    const jwks = tokens.jwks();
    if (jwks === null) {
      // HS256: the key is a shared secret and is never published.
      res
        .status(404)
        .json({ error: 'not_found', error_description: 'no public keys: tokens use HS256' });
      return;
    }
    res.set('cache-control', 'public, max-age=300').json(jwks);
  });

  return router;
}
