import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { INTERNAL_ERROR_MESSAGE, isClientError, isRequestError } from '../errors';
import type { Logger } from '../logger';

// graphql-js suggests valid names ("Did you mean ...?"), which maps the schema for an attacker
// even when introspection is off, and does so in variable-coercion errors too.
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

export function stripSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/** Errors made on purpose for the client (errors.ts), and Apollo's own request errors. */
function isExpected(error: unknown, code: unknown, path: unknown): boolean {
  return isClientError(unwrapResolverError(error)) || isRequestError(code, path);
}

/**
 * Apollo's `formatError`: expected errors pass, minus suggestions and stacks; anything else is a
 * fault, masked to a generic message (and logged by `unexpectedErrorLogger`, which knows the
 * request).
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  if (isExpected(error, formatted.extensions?.code, formatted.path)) {
    // An expected error's stack says nothing a client or developer needs.
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, message: stripSuggestions(formatted.message), extensions };
  }
  return {
    message: INTERNAL_ERROR_MESSAGE,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: {
      code: 'INTERNAL_SERVER_ERROR',
      ...(formatted.extensions?.stacktrace ? { stacktrace: formatted.extensions.stacktrace } : {}),
    },
  };
}

/** Logs every fault in full, with the request id the client also received. */
export function unexpectedErrorLogger<TContext extends { caller: { requestId: string | null } }>(
  logger: Logger,
): ApolloServerPlugin<TContext> {
  const hooks = Promise.resolve<GraphQLRequestListener<TContext>>({
    didEncounterErrors({ errors, contextValue }) {
      for (const error of errors) {
        if (isExpected(error, error.extensions.code, error.path)) continue;
        const original = unwrapResolverError(error);
        const cause =
          original instanceof GraphQLError ? (original.originalError ?? original) : original;
        logger.error(
          { err: cause, path: error.path, requestId: contextValue.caller.requestId },
          'unexpected error while serving GraphQL',
        );
      }
      return Promise.resolve();
    },
  });
  return { requestDidStart: () => hooks };
}
