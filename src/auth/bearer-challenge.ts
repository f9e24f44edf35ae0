import type { ApolloServerPlugin } from '@apollo/server';
import { isAccessRefusal } from '../errors';

/**
 * RFC 6750 at the HTTP layer, for requests the directive refused as a whole: when no data came
 * back and every error is an access refusal, answer 401 with a `Bearer` challenge (no token was
 * sent; an unusable one never reaches execution) or 403 `insufficient_scope` (a role is missing).
 * Partial results keep 200, as GraphQL over HTTP requires whenever `data` is not null.
 */
export function bearerChallengePlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        willSendResponse({ response, errors }) {
          if (response.body.kind !== 'single' || response.body.singleResult.data != null) {
            return Promise.resolve();
          }
          const causes = (errors ?? []).map((error) => error.originalError ?? error);
          if (causes.length === 0 || !causes.every(isAccessRefusal)) return Promise.resolve();
          const anonymous = causes.some((error) => error.extensions.code === 'UNAUTHENTICATED');
          response.http.status = anonymous ? 401 : 403;
          response.http.headers.set(
            'www-authenticate',
            anonymous ? 'Bearer' : 'Bearer error="insufficient_scope"',
          );
          return Promise.resolve();
        },
      });
    },
  };
}
