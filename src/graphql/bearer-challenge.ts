import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { bearerChallenge, challengeOf, type BearerChallengeKind } from '../errors';

/**
 * RFC 6750 at the HTTP layer, for requests the directive refused as a whole: when no data came
 * back and every error is an access refusal, answer 401 with a `Bearer` challenge (no token was
 * sent; an unusable one never reaches execution) or 403 `insufficient_scope` (a role is missing).
 * Partial results keep 200, as GraphQL over HTTP requires whenever `data` is not null.
 */
export function bearerChallengePlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  // The same hooks for every request: nothing per request is allocated to hold them.
  const hooks = Promise.resolve<GraphQLRequestListener<TContext>>({
    willSendResponse({ response, errors }) {
      if (response.body.kind !== 'single' || response.body.singleResult.data != null) {
        return Promise.resolve();
      }
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
