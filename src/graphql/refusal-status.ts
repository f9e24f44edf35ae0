import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import { bearerChallenge, challengeOf, httpStatusOf, type BearerChallengeKind } from '../errors';

/**
 * No data at all: `data` is null, or every root field in it is null with an error of its own
 * (guarded root fields are nullable, so a refused one nulls only itself; a field that merely
 * resolved to null, like `me` for an anonymous caller, is an answer, not a refusal).
 */
function hasNoData(
  data: Record<string, unknown> | null | undefined,
  errors: readonly GraphQLError[],
): boolean {
  if (data == null) return true;
  const failed = new Set(errors.flatMap((error) => (error.path?.length === 1 ? error.path : [])));
  return Object.entries(data).every(([key, value]) => value === null && failed.has(key));
}

/**
 * A request refused as a whole for going too fast answers HTTP 429 with `Retry-After` (the
 * longest wait asked), as `/token` does; `extensions.retryAfter` stays in the body. True when it
 * applied.
 */
function rateLimitedOnly(
  http: { status?: number; headers: Map<string, string> },
  errors: readonly GraphQLError[],
): boolean {
  if (errors.length === 0 || errors.some((error) => error.extensions.code !== 'RATE_LIMITED')) {
    return false;
  }
  const waits = errors.map((error) => Number(error.extensions.retryAfter) || 1);
  http.status = httpStatusOf('RATE_LIMITED');
  http.headers.set('retry-after', String(Math.max(...waits)));
  return true;
}

/**
 * The HTTP status of a request refused as a whole. Rate limits: see above. RFC 6750, for requests
 * the directive refused: when no data came
 * back and every error is an access refusal, answer 401 with a `Bearer` challenge (no token was
 * sent; an unusable one never reaches execution) or 403 `insufficient_scope` (a role is missing).
 * Partial results keep 200: a refused field nulls only itself.
 */
export function refusalStatusPlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  // The same hooks for every request: nothing per request is allocated to hold them.
  const hooks = Promise.resolve<GraphQLRequestListener<TContext>>({
    willSendResponse({ response, errors }) {
      if (
        response.body.kind !== 'single' ||
        !hasNoData(response.body.singleResult.data, errors ?? [])
      ) {
        return Promise.resolve();
      }
      if (rateLimitedOnly(response.http, errors ?? [])) return Promise.resolve();
      const kinds = (errors ?? []).map((error) => challengeOf(error.originalError ?? error));
      if (kinds.length === 0 || kinds.includes(null)) return Promise.resolve();
      // Anonymous refusals win: signing in is the first thing the client must do.
      const kind: BearerChallengeKind = kinds.includes('missing')
        ? 'missing'
        : 'insufficient_scope';
      const { status, header } = bearerChallenge(kind);
      response.http.status = status;
      response.http.headers.set('www-authenticate', header);
      return Promise.resolve();
    },
  });
  return { requestDidStart: () => hooks };
}
