import type { GraphQLError } from 'graphql';
import { authenticate, type Identity } from '../auth/authenticate';
import { principalOf } from '../auth/policy';
import type { Caller } from '../caller';
import type { Context, RefreshTokenTransport, ResponseControl, Services } from '../context';
import { isClientError } from '../errors';
import type { Logger } from '../logger';
import type { Role } from '../users/roles';

/** What the edge knows of a GraphQL request before it is authenticated. */
export interface IncomingRequest {
  readonly authorization: string | undefined;
  readonly requestId: string;
  /** Makes the request's caller once its identity is known (null: anonymous). */
  callerFor(identity: Identity | null): Caller;
  readonly response: ResponseControl;
  readonly refreshTokens: RefreshTokenTransport;
}

/**
 * Builds each request's context: the bearer token becomes the caller, nothing more.
 * Authorization is the directive's.
 */
export function createContextFactory(
  services: Services,
  logger: Logger,
  /** MFA_REQUIRED_ROLES: roles that must set up a second factor first. */
  mfaRequiredRoles: readonly Role[],
): (request: IncomingRequest) => Promise<Context> {
  return async (request) => {
    let identity: Identity | null = null;
    let unusableCredential: GraphQLError | null = null;
    try {
      identity = await authenticate(request.authorization, services);
    } catch (error) {
      if (!isClientError(error)) {
        // Apollo will mask it; the log keeps the cause (a database outage, say) with the request id.
        logger.error(
          { err: error, requestId: request.requestId },
          'could not build the request context',
        );
        throw error;
      }
      // An unusable token: anonymous, and the credential gate decides once the operation is known.
      unusableCredential = error;
    }
    return {
      caller: request.callerFor(identity),
      principal: identity && principalOf(identity.user, identity.authMethods, mfaRequiredRoles),
      services,
      response: request.response,
      refreshTokens: request.refreshTokens,
      unusableCredential,
    };
  };
}
