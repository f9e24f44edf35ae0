import express, { type Request, type Response, type Router } from 'express';
import { isClientError } from '../errors';
import type { AuthService, SignIn, TokenTypeHint } from '../auth/service';
import type { TokenService } from '../auth/tokens';
import { clientOf } from '../context';
import type { Logger } from '../logger';

/** RFC 6749 section 5.2 error codes this server uses. */
type OAuthError = 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type' | 'server_error';

const FORM = 'application/x-www-form-urlencoded';
const FORM_LIMIT = '8kb';

function noStore(res: Response): void {
  res.set({ 'cache-control': 'no-store', pragma: 'no-cache' });
}

function sendError(res: Response, status: number, error: OAuthError, description: string): void {
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
  };
}

/**
 * The OAuth2 endpoints: `POST /token` (password and refresh_token grants, RFC 6749 sections 4.3
 * and 6), `POST /revoke` (RFC 7009) and the JWKS. They call the same AuthService as the GraphQL
 * mutations, so sessions, throttling and audit are shared.
 */
export function createOAuthRouter(auth: AuthService, tokens: TokenService, logger: Logger): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 20 });

  router.post('/token', form, async (req, res) => {
    const params = readForm(req);
    if (params === null) {
      sendError(res, 400, 'invalid_request', `the body must be ${FORM} with each parameter once`);
      return;
    }
    const client = clientOf(req);
    let call: (() => Promise<SignIn>) | null = null;
    switch (params.grant_type) {
      case undefined:
        sendError(res, 400, 'invalid_request', 'grant_type is required');
        return;
      case 'password': {
        const { username, password } = params;
        if (username !== undefined && password !== undefined) {
          call = () => auth.login(username, password, client);
        }
        break;
      }
      case 'refresh_token': {
        const refreshToken = params.refresh_token;
        if (refreshToken !== undefined) call = () => auth.refresh(refreshToken, client);
        break;
      }
      default:
        sendError(res, 400, 'unsupported_grant_type', 'use password or refresh_token');
        return;
    }
    if (call === null) {
      const needs = params.grant_type === 'password' ? 'username and password' : 'refresh_token';
      sendError(res, 400, 'invalid_request', `${needs} required`);
      return;
    }
    try {
      const result = await call();
      noStore(res);
      res.json(tokenResponse(result));
    } catch (error) {
      if (isClientError(error) && error.extensions.code === 'UNAUTHENTICATED') {
        sendError(res, 400, 'invalid_grant', error.message);
        return;
      }
      if (isClientError(error) && error.extensions.code === 'RATE_LIMITED') {
        res.set('retry-after', String(error.extensions.retryAfter));
        sendError(res, 429, 'invalid_request', 'Too many attempts; try again later');
        return;
      }
      logger.error({ err: error }, 'unexpected error at the token endpoint');
      sendError(res, 500, 'server_error', 'Internal server error');
    }
  });

  router.post('/revoke', form, async (req, res) => {
    const params = readForm(req);
    if (params?.token === undefined) {
      sendError(res, 400, 'invalid_request', `token is required, as ${FORM}`);
      return;
    }
    const hint = params.token_type_hint;
    try {
      await auth.revokeToken(
        params.token,
        hint === 'access_token' || hint === 'refresh_token' ? (hint satisfies TokenTypeHint) : null,
        clientOf(req),
      );
    } catch (error) {
      logger.error({ err: error }, 'unexpected error at the revocation endpoint');
      sendError(res, 500, 'server_error', 'Internal server error');
      return;
    }
    // RFC 7009 section 2.2: 200 whether or not the token was known.
    noStore(res);
    res.status(200).json({});
  });

  router.all(['/token', '/revoke'], (_req, res) => {
    res.set('allow', 'POST');
    sendError(res, 405, 'invalid_request', 'use POST');
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
