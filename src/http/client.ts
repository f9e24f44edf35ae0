import { parseCookie } from 'cookie';
import type { CookieOptions, Request, Response } from 'express';
import type { Identity } from '../auth/authenticate';
import type { Caller } from '../caller';
import { storableText } from '../text';
import { DEVICE_TTL_SECONDS } from '../throttling/devices';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the front door on every request: the caller's well-formed id, or a new one. */
    id: string;
  }
}

/** The request's caller: the client the edge sees, and who its token speaks for (if anyone). */
export function callerOf(req: Request, identity: Identity | null = null): Caller {
  const userAgent = req.get('user-agent');
  let gone: AbortSignal | undefined;
  return {
    user: identity?.user ?? null,
    sessionId: identity?.sessionId ?? null,
    // Express resolves X-Forwarded-For only through the proxies TRUST_PROXY names.
    ip: req.ip ?? null,
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
        if (!req.res || req.res.closed) controller.abort();
        else req.res.once('close', () => controller.abort());
        gone = controller.signal;
      }
      return gone;
    },
  };
}

/** The cookie a browser keeps its device token in (see throttling/devices). */
export const DEVICE_COOKIE = 'device';

const DEVICE_COOKIE_OPTIONS: CookieOptions = {
  // Never readable from page script; sent only to this API, only on its own requests.
  httpOnly: true,
  secure: true,
  sameSite: 'strict',
  path: '/',
  maxAge: DEVICE_TTL_SECONDS * 1000,
};

/** Hands a browser its device token as an httpOnly cookie. */
export function setDeviceCookie(res: Response, deviceToken: string): void {
  res.cookie(DEVICE_COOKIE, deviceToken, DEVICE_COOKIE_OPTIONS);
}
