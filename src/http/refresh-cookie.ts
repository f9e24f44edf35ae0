import { parseCookie, stringifySetCookie, type SetCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config';
import type { RefreshTokenTransport } from '../context';
import { originNotAllowed } from '../errors';
import { originMatcher } from './origins';

/** The body transport: the token in the payload and the argument, no cookie at all. */
export const BODY_TRANSPORT: RefreshTokenTransport = Object.freeze({
  kind: 'body' as const,
  deliver: (refreshToken: string) => refreshToken,
  presented: () => null,
  forget: () => undefined,
});

/**
 * The refresh-token transport for one request, decided once from the configuration.
 *
 * The cookie is httpOnly (page script never reads it), host-only and `__Host-` prefixed when
 * Secure (no sibling subdomain can set or shadow it), SameSite as configured, and lives as long
 * as the session can be refreshed. It is spent only by requests whose Origin is one of
 * CORS_ORIGINS: with Apollo's CSRF prevention (which forces a preflight) that is what keeps
 * another site from refreshing, or signing out, a user's session.
 */
export function refreshTokenTransport(
  transport: Config['refreshTokenTransport'],
  corsOrigins: readonly string[],
): (request: FastifyRequest, reply: FastifyReply) => RefreshTokenTransport {
  if (transport.kind === 'body') return () => BODY_TRANSPORT;
  const name = transport.secure ? '__Host-refresh-token' : 'refresh-token';
  const attributes = {
    name,
    path: '/',
    httpOnly: true,
    secure: transport.secure,
    sameSite: transport.sameSite,
  } satisfies Partial<SetCookie>;
  const allowed = originMatcher(corsOrigins);
  const setCookie = (reply: FastifyReply, cookie: SetCookie) =>
    void reply.header('set-cookie', stringifySetCookie(cookie));

  return (request, reply) => ({
    kind: 'cookie',
    deliver(refreshToken, expiresInSeconds) {
      setCookie(reply, { ...attributes, value: refreshToken, maxAge: expiresInSeconds });
      return null;
    },
    presented() {
      const origin = request.headers.origin;
      if (origin === undefined || !allowed(origin)) throw originNotAllowed();
      const header = request.headers.cookie;
      return header ? (parseCookie(header)[name] ?? null) : null;
    },
    forget() {
      setCookie(reply, { ...attributes, value: '', maxAge: 0, expires: new Date(0) });
    },
  });
}
