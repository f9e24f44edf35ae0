import type { Request } from 'express';
import type { Identity } from '../auth/authenticate';
import type { Caller } from '../caller';

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
    userAgent: userAgent ? userAgent.slice(0, 256) : null,
    requestId: req.id,
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
