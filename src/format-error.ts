import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { INTERNAL_ERROR_MESSAGE, isClientError, isRequestError } from './errors';
import type { Logger } from './logger';

// graphql-js suggests valid names ("Did you mean ...?"), which maps the schema for an attacker
// even when introspection is off, and does so in variable-coercion errors too.
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

export function stripSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/**
 * Apollo's `formatError`: errors made on purpose for the client (errors.ts) and Apollo's request
 * errors pass, minus suggestions; anything else is a fault, logged in full and masked.
 */
export function createErrorFormatter(
  logger: Logger,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => {
    const original = unwrapResolverError(error);
    if (isClientError(original) || isRequestError(formatted.extensions?.code, formatted.path)) {
      // An expected error's stack says nothing a client or developer needs.
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, message: stripSuggestions(formatted.message), extensions };
    }
    // Errors thrown while building the context arrive wrapped; log the cause itself.
    const cause =
      original instanceof GraphQLError ? (original.originalError ?? original) : original;
    logger.error({ err: cause, path: formatted.path }, 'unexpected error while serving GraphQL');
    return {
      message: INTERNAL_ERROR_MESSAGE,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: {
        code: 'INTERNAL_SERVER_ERROR',
        ...(formatted.extensions?.stacktrace
          ? { stacktrace: formatted.extensions.stacktrace }
          : {}),
      },
    };
  };
}
