import { GraphQLError } from 'graphql';

/**
 * The error codes clients may see in `errors[].extensions.code`. These strings are the public
 * contract; the class below is private to this module.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'GRAPHQL_VALIDATION_FAILED'
  | 'INTERNAL_SERVER_ERROR';

/** Apollo's own request-level codes, raised before any resolver runs. */
const APOLLO_REQUEST_CODES: ReadonlySet<string> = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

class ClientError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

export const INCORRECT_CREDENTIALS_MESSAGE = 'Incorrect username or password';
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

export function unauthenticated(): GraphQLError {
  return new ClientError('UNAUTHENTICATED', 'You must be signed in to do this');
}

const accessRefusals = new WeakSet<GraphQLError>();

/**
 * The `@auth` directive's refusals. They are recognisable afterwards, so a request refused as a
 * whole can answer 401 or 403 at the HTTP layer (RFC 6750), unlike a failed login, say.
 */
export function accessRefusal(kind: 'unauthenticated' | 'forbidden'): GraphQLError {
  const error = kind === 'unauthenticated' ? unauthenticated() : forbidden();
  accessRefusals.add(error);
  return error;
}

export function isAccessRefusal(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && accessRefusals.has(error);
}

/**
 * The single answer to every unusable bearer token (RFC 6750 section 3.1): one message whatever
 * the cause, HTTP 401 and a `WWW-Authenticate` challenge, so a caller learns nothing about why.
 */
export function invalidToken(): GraphQLError {
  return new ClientError('UNAUTHENTICATED', 'The access token is invalid or has expired', {
    http: {
      status: 401,
      headers: new Map([['www-authenticate', 'Bearer error="invalid_token"']]),
    },
  });
}

export function incorrectCredentials(): GraphQLError {
  return new ClientError('UNAUTHENTICATED', INCORRECT_CREDENTIALS_MESSAGE);
}

export function invalidRefreshToken(): GraphQLError {
  return new ClientError('UNAUTHENTICATED', 'The refresh token is invalid or has expired');
}

export function forbidden(): GraphQLError {
  return new ClientError('FORBIDDEN', 'You do not have permission to do this');
}

/**
 * Bad input from the client: `problem` follows the field's name ("password" + "must be ...").
 * `extensions.field` repeats the name for programs.
 */
export function badUserInput(field: string, problem: string): GraphQLError {
  return new ClientError('BAD_USER_INPUT', `${field} ${problem}`, { field });
}

/** Too many attempts, or too much work queued: try again after `retryAfter` seconds. */
export function rateLimited(retryAfter: number): GraphQLError {
  return new ClientError('RATE_LIMITED', 'Too many attempts; try again later', {
    retryAfter: Math.max(1, Math.ceil(retryAfter)),
  });
}

/** A document over one of the configured size or complexity limits. */
export function limitExceeded(message: string): GraphQLError {
  return new ClientError('GRAPHQL_VALIDATION_FAILED', message, { http: { status: 400 } });
}

export function notFound(what: string): GraphQLError {
  return new ClientError('NOT_FOUND', `${what} not found`);
}

/** True when the error was made here, on purpose, for the client to see. */
export function isClientError(error: unknown): error is GraphQLError {
  return error instanceof ClientError;
}

/** True for the request-level errors Apollo and graphql-js raise before execution starts. */
export function isRequestError(code: unknown, path: unknown): boolean {
  return path === undefined && typeof code === 'string' && APOLLO_REQUEST_CODES.has(code);
}

/** Codes for requests refused by the HTTP layer before GraphQL sees them. */
export type HttpErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'TIMEOUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INTERNAL_SERVER_ERROR';

/** The body of an HTTP-level refusal, shaped like a GraphQL response so clients parse one format. */
export function httpErrorBody(code: HttpErrorCode, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}
