import { parseCookie, stringifySetCookie, type SetCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Identity } from '../auth/authenticate';
import type { Caller } from '../caller';
import { storableText } from '../text';
import { DEVICE_TTL_SECONDS } from '../throttling/devices';

/** The request's caller: the client the edge sees, and who its token speaks for (if anyone). */
export function callerOf(
  req: FastifyRequest,
  reply: FastifyReply,
  identity: Identity | null = null,
): Caller {
  const userAgent = req.headers['user-agent'];
  let gone: AbortSignal | undefined;
  return {
    user: identity?.user ?? null,
    sessionId: identity?.sessionId ?? null,
    authMethods: identity?.authMethods ?? [],
    // Fastify resolves X-Forwarded-For only through the proxies TRUST_PROXY names.
    ip: req.ip || null,
    userAgent: userAgent ? storableText(userAgent, 256) : null,
    requestId: req.id,
    // Read on first use: only a sign-in looks at it.
    get deviceCookie() {
      const header = req.headers.cookie;
      return header ? (parseCookie(header)[DEVICE_COOKIE] ?? null) : null;
    },
    // Made on first use: only password work waits in a queue long enough to care.
    get gone() {
      if (!gone) {
        const controller = new AbortController();
        const response = reply.raw;
        if (response.closed) controller.abort();
        else response.once('close', () => controller.abort());
        gone = controller.signal;
      }
      return gone;
    },
  };
}

/** The cookie a browser keeps its device token in (see throttling/devices). */
export const DEVICE_COOKIE = 'device';

/** Hands a browser its device token as an httpOnly cookie. */
export function setDeviceCookie(reply: FastifyReply, deviceToken: string): void {
  const cookie: SetCookie = {
    name: DEVICE_COOKIE,
    value: deviceToken,
    maxAge: DEVICE_TTL_SECONDS,
    path: '/',
    expires: new Date(Date.now() + DEVICE_TTL_SECONDS * 1000),
    // Never readable from page script; sent only to this API, only on its own requests.
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
  };
  void reply.header('set-cookie', stringifySetCookie(cookie));
}
