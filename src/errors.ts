import { GraphQLError, type ASTNode } from 'graphql';

/** RFC 6749 section 5.2 error names, as the token and revocation endpoints answer them. */
export type OAuthErrorName =
  | 'invalid_request'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'server_error'
  // Not in RFC 6749: the password was right and a second factor must follow (as Auth0 names it).
  | 'mfa_required';

interface ErrorCodeEntry {
  /** The HTTP status when this error refuses a whole request (a field error keeps 200). */
  readonly status: number;
  /** What the OAuth 2.0 endpoints answer instead, and with which status. */
  readonly oauth: { readonly error: OAuthErrorName; readonly status: number };
}

/**
 * Every code a client may see, in `errors[].extensions.code` and in HTTP error bodies alike, with
 * its HTTP status and its OAuth 2.0 name. These strings are the public contract; the classes below
 * are private to this module.
 */
const ERROR_CODES = {
  UNAUTHENTICATED: { status: 401, oauth: { error: 'invalid_grant', status: 400 } },
  FORBIDDEN: { status: 403, oauth: { error: 'invalid_grant', status: 400 } },
  /** The right password for an account with a second factor: complete it with the challenge. */
  MFA_REQUIRED: { status: 401, oauth: { error: 'mfa_required', status: 403 } },
  BAD_USER_INPUT: { status: 400, oauth: { error: 'invalid_request', status: 400 } },
  NOT_FOUND: { status: 404, oauth: { error: 'invalid_request', status: 404 } },
  CONFLICT: { status: 409, oauth: { error: 'invalid_request', status: 409 } },
  RATE_LIMITED: { status: 429, oauth: { error: 'invalid_request', status: 429 } },
  GRAPHQL_VALIDATION_FAILED: { status: 400, oauth: { error: 'invalid_request', status: 400 } },
  BAD_REQUEST: { status: 400, oauth: { error: 'invalid_request', status: 400 } },
  /** TRUSTED_DOCUMENTS_MODE=enforce: a document outside the manifest. */
  TRUSTED_DOCUMENT_REQUIRED: { status: 400, oauth: { error: 'invalid_request', status: 400 } },
  METHOD_NOT_ALLOWED: { status: 405, oauth: { error: 'invalid_request', status: 405 } },
  UNSUPPORTED_GRANT_TYPE: {
    status: 400,
    oauth: { error: 'unsupported_grant_type', status: 400 },
  },
  PAYLOAD_TOO_LARGE: { status: 413, oauth: { error: 'invalid_request', status: 413 } },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, oauth: { error: 'invalid_request', status: 415 } },
  TIMEOUT: { status: 503, oauth: { error: 'server_error', status: 503 } },
  INTERNAL_SERVER_ERROR: { status: 500, oauth: { error: 'server_error', status: 500 } },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

export function oauthErrorOf(code: ErrorCode): ErrorCodeEntry['oauth'] {
  return ERROR_CODES[code].oauth;
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

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

/**
 * RFC 6750 section 3: what a refused bearer request answers. `missing` is a request that sent no
 * token (no `error=` attribute, section 3.1), `invalid_token` one whose token is unusable,
 * `insufficient_scope` one whose user lacks a role.
 */
export type BearerChallengeKind = 'missing' | 'invalid_token' | 'insufficient_scope';

export interface BearerChallenge {
  readonly status: number;
  readonly header: string;
}

/** The one place an RFC 6750 challenge is spelled. */
export function bearerChallenge(kind: BearerChallengeKind): BearerChallenge {
  switch (kind) {
    case 'missing':
      return { status: ERROR_CODES.UNAUTHENTICATED.status, header: 'Bearer' };
    case 'invalid_token':
      return { status: ERROR_CODES.UNAUTHENTICATED.status, header: 'Bearer error="invalid_token"' };
    case 'insufficient_scope':
      return {
        status: ERROR_CODES.FORBIDDEN.status,
        header: 'Bearer error="insufficient_scope"',
      };
  }
}

class ClientError extends GraphQLError {
  constructor(
    code: ErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
    nodes?: ASTNode | readonly ASTNode[],
  ) {
    super(message, { extensions: { ...extensions, code }, ...(nodes ? { nodes } : {}) });
  }
}

/**
 * What a client should do about an `UNAUTHENTICATED` error, in `extensions.reason`:
 * - NOT_SIGNED_IN: no token was sent; sign in;
 * - TOKEN_EXPIRED: the access token's lifetime is over; refresh and retry;
 * - TOKEN_INVALID: the token is not one of ours (malformed, forged, wrong audience); sign in again;
 * - SESSION_ENDED: the session or refresh token is gone (signed out, revoked, rotated away);
 * - BAD_CREDENTIALS: a failed sign-in, with one message for every cause (an unknown user and a
 *   wrong password are never told apart).
 */
export type UnauthenticatedReason =
  | 'NOT_SIGNED_IN'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_INVALID'
  | 'SESSION_ENDED'
  | 'BAD_CREDENTIALS'
  | 'EMAIL_NOT_VERIFIED'
  | 'MFA_CHALLENGE_INVALID';

/** A refusal by `@auth`: it answers with a bearer challenge when it refuses a whole request. */
class AccessRefusal extends ClientError {
  constructor(
    code: 'UNAUTHENTICATED' | 'FORBIDDEN',
    message: string,
    readonly challenge: BearerChallengeKind,
    extensions: Record<string, unknown> = {},
  ) {
    super(code, message, extensions);
  }
}

export const INCORRECT_CREDENTIALS_MESSAGE = 'Incorrect username or password';
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';
const UNAUTHENTICATED_MESSAGE = 'You must be signed in to do this';
const FORBIDDEN_MESSAGE = 'You do not have permission to do this';

export function unauthenticated(): GraphQLError {
  return new ClientError('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE, {
    reason: 'NOT_SIGNED_IN' satisfies UnauthenticatedReason,
  });
}

/**
 * A request that would use the refresh-token cookie from an origin not in CORS_ORIGINS (or with
 * no Origin at all): the cookie is a browser's, and only the configured apps may spend it.
 */
export function originNotAllowed(): GraphQLError {
  return new ClientError('FORBIDDEN', 'This origin may not use the session cookie', {
    reason: 'ORIGIN_NOT_ALLOWED',
  });
}

/** The one answer to a token from an emailed link that cannot be used, whatever the reason. */
export function invalidLinkToken(): GraphQLError {
  return badUserInput('token', {
    reason: 'INVALID_TOKEN',
    message: 'is invalid, expired or already used: ask for a new link',
  });
}

/** A feature this server's configuration turned off (PASSWORD_RESET=off, say). */
export function featureOff(feature: string): GraphQLError {
  return new ClientError('FORBIDDEN', `${feature} is turned off on this server`, {
    reason: 'FEATURE_OFF',
  });
}

/** The last active administrator asked to delete their own account (`deleteMe`). */
export function lastAdministrator(): GraphQLError {
  return new ClientError(
    'FORBIDDEN',
    'The last active administrator cannot delete their own account',
    { reason: 'LAST_ADMINISTRATOR' },
  );
}

export function forbidden(): GraphQLError {
  return new ClientError('FORBIDDEN', FORBIDDEN_MESSAGE);
}

/** Why the access policy (auth/policy.ts) refuses a field. */
export type AccessRefusalKind =
  | 'unauthenticated'
  | 'forbidden'
  | 'password-change-required'
  | 'mfa-enrollment-required'
  | 'mfa-required';

/** The `@auth` directive's refusals, which the refusal-status plugin turns into 401 or 403. */
export function accessRefusal(kind: AccessRefusalKind): GraphQLError {
  switch (kind) {
    case 'unauthenticated':
      return new AccessRefusal('UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE, 'missing', {
        reason: 'NOT_SIGNED_IN' satisfies UnauthenticatedReason,
      });
    case 'forbidden':
      return new AccessRefusal('FORBIDDEN', FORBIDDEN_MESSAGE, 'insufficient_scope');
    case 'password-change-required':
      // Only `me`, `changePassword` and `logout` answer until the user picks a new password.
      return new AccessRefusal(
        'FORBIDDEN',
        'Choose a new password before you do anything else',
        'insufficient_scope',
        { reason: 'PASSWORD_CHANGE_REQUIRED' },
      );
    case 'mfa-enrollment-required':
      return new AccessRefusal(
        'FORBIDDEN',
        'Set up a second factor before you do anything else',
        'insufficient_scope',
        { reason: 'MFA_ENROLLMENT_REQUIRED' },
      );
    case 'mfa-required':
      return new AccessRefusal(
        'FORBIDDEN',
        'Sign in with a second factor to do this',
        'insufficient_scope',
        { reason: 'MFA_REQUIRED' },
      );
  }
}

/** The challenge an access refusal carries, or null for any other error. */
export function challengeOf(error: unknown): BearerChallengeKind | null {
  return error instanceof AccessRefusal ? error.challenge : null;
}

/**
 * The answer to every unusable bearer token (RFC 6750 section 3.1): HTTP 401 and a
 * `WWW-Authenticate` challenge, one message, and the reason a client acts on (refresh, or sign in
 * again). The token's holder learns only what its own token's state is.
 */
export function invalidToken(
  reason: Extract<UnauthenticatedReason, 'TOKEN_EXPIRED' | 'TOKEN_INVALID' | 'SESSION_ENDED'>,
): GraphQLError {
  const { status, header } = bearerChallenge('invalid_token');
  return new ClientError('UNAUTHENTICATED', 'The access token is invalid or has expired', {
    reason,
    http: { status, headers: new Map([['www-authenticate', header]]) },
  });
}

/** The right password for an account whose address is not confirmed (REQUIRE_VERIFIED_EMAIL). */
export function emailNotVerified(): GraphQLError {
  return new ClientError('UNAUTHENTICATED', 'Confirm your email address before you sign in', {
    reason: 'EMAIL_NOT_VERIFIED',
  });
}

/**
 * The right password for an account with a second factor: no tokens yet. `challenge` goes to
 * `completeMfaSignIn` (or the MFA grant at /token) with a code of one of `methods`.
 */
export function mfaRequired(challenge: string, methods: readonly string[]): GraphQLError {
  return new ClientError('MFA_REQUIRED', 'Complete the sign-in with your second factor', {
    challenge,
    methods,
  });
}

/** A sign-in challenge that is unknown, expired, spent or from another client: sign in again. */
export function mfaChallengeInvalid(): GraphQLError {
  return new ClientError('UNAUTHENTICATED', 'The sign-in has expired: sign in again', {
    reason: 'MFA_CHALLENGE_INVALID' satisfies UnauthenticatedReason,
  });
}

export function incorrectCredentials(): GraphQLError {
  return new ClientError('UNAUTHENTICATED', INCORRECT_CREDENTIALS_MESSAGE, {
    reason: 'BAD_CREDENTIALS' satisfies UnauthenticatedReason,
  });
}

export function invalidRefreshToken(): GraphQLError {
  return new ClientError('UNAUTHENTICATED', 'The refresh token is invalid or has expired', {
    reason: 'SESSION_ENDED' satisfies UnauthenticatedReason,
  });
}

/**
 * Why an input field was refused, in `extensions.fields[].reason` (the SDL's InputErrorReason
 * lists them for clients).
 */
export type InputReason =
  | 'REQUIRED'
  | 'TOO_SHORT'
  | 'TOO_LONG'
  | 'TOO_COMMON'
  | 'TAKEN'
  | 'INVALID_FORMAT'
  | 'INVALID_CHARACTERS'
  | 'NOT_ALLOWED'
  | 'UNCHANGED'
  | 'INCORRECT'
  | 'INVALID_TOKEN';

/** What is wrong with a value: a reason for programs, a phrase to follow the field's name. */
export interface Problem {
  readonly reason: InputReason;
  readonly message: string;
}

/** A refused input field. */
export interface FieldProblem extends Problem {
  readonly field: string;
}

/**
 * Bad input from the client, every problem at once: the message names the first ("password
 * must be ..."), `extensions.fields` lists each `{ field, reason }`, and `extensions.field`
 * repeats the first field's name.
 */
export function invalidInput(
  problems: readonly [FieldProblem, ...FieldProblem[]],
  options: { readonly refusesRequest?: boolean } = {},
): GraphQLError {
  const [first] = problems;
  const message = problems.map((problem) => `${problem.field} ${problem.message}`).join('; ');
  return new ClientError('BAD_USER_INPUT', message, {
    field: first.field,
    fields: problems.map(({ field, reason }) => ({ field, reason })),
    ...(options.refusesRequest ? { http: { status: ERROR_CODES.BAD_USER_INPUT.status } } : {}),
  });
}

/** One bad input field: `problem` follows the field's name ("password" + "must be ..."). */
export function badUserInput(
  field: string,
  problem: Problem,
  options: { readonly refusesRequest?: boolean } = {},
): GraphQLError {
  return invalidInput([{ field, ...problem }], options);
}

/** Too many attempts, or too much work queued: try again after `retryAfter` seconds. */
export function rateLimited(retryAfter: number): GraphQLError {
  return new ClientError('RATE_LIMITED', 'Too many attempts; try again later', {
    retryAfter: Math.max(1, Math.ceil(retryAfter)),
  });
}

/**
 * A document refused before execution, at `nodes` when known: over one of the configured size or
 * complexity limits, or asking for what this server does not do.
 */
export function invalidDocument(
  message: string,
  nodes?: ASTNode | readonly ASTNode[],
): GraphQLError {
  return new ClientError(
    'GRAPHQL_VALIDATION_FAILED',
    message,
    { http: { status: ERROR_CODES.GRAPHQL_VALIDATION_FAILED.status } },
    nodes,
  );
}

/** The change lost a race with another change of the same thing; nothing was written. */
export function conflict(message: string): GraphQLError {
  return new ClientError('CONFLICT', message);
}

export function notFound(what: string): GraphQLError {
  return new ClientError('NOT_FOUND', `${what} not found`);
}

/** True when the error was made here, on purpose, for the client to see. */
/** A secret the caller had to give (a password, a code) is wrong: INCORRECT on `field`. */
export function incorrectInput(field: string): GraphQLError {
  return badUserInput(field, { reason: 'INCORRECT', message: 'is incorrect' });
}

/** Whether `error` refuses input `field` for `reason` (a taken address, say). */
export function isInputRefusal(error: unknown, field: string, reason: InputReason): boolean {
  if (!isClientError(error) || error.extensions.code !== 'BAD_USER_INPUT') return false;
  const fields = error.extensions.fields as readonly { field: string; reason: string }[];
  return fields.some((refused) => refused.field === field && refused.reason === reason);
}

export function isClientError(error: unknown): error is GraphQLError {
  return error instanceof ClientError;
}

/** The code of an error made here, or null for anything else (a fault). */
export function clientErrorCode(error: unknown): ErrorCode | null {
  if (!isClientError(error)) return null;
  const { code } = error.extensions;
  return isErrorCode(code) ? code : null;
}

/** True for the request-level errors Apollo and graphql-js raise before execution starts. */
export function isRequestError(code: unknown, path: unknown): boolean {
  return path === undefined && typeof code === 'string' && APOLLO_REQUEST_CODES.has(code);
}

/** The body of an HTTP-level refusal, shaped like a GraphQL response so clients parse one format. */
export function httpErrorBody(code: ErrorCode, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}
