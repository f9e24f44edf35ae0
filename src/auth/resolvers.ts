import type { Resolvers } from '../__generated__/graphql';
import { signedIn, type RefreshTokenTransport } from '../context';
import { badUserInput, isClientError, unauthenticated } from '../errors';
import type { SignIn } from './service';

/** What `AuthPayload` resolves from: a sign-in whose refresh token the transport took over. */
export type AuthPayloadModel = Omit<SignIn, 'refreshToken'> & {
  readonly refreshToken: string | null;
};

/** A sign-in's payload, its refresh token handed over as the transport says. */
export function handOver(signIn: SignIn, transport: RefreshTokenTransport): AuthPayloadModel {
  return {
    ...signIn,
    refreshToken: transport.deliver(signIn.refreshToken, signIn.refreshExpiresIn),
  };
}

const isSessionEnded = (error: unknown) =>
  isClientError(error) && error.extensions.reason === 'SESSION_ENDED';

/** The refresh token a refresh spends: the argument, else the cookie. */
function presentedRefreshToken(
  argument: string | null | undefined,
  transport: RefreshTokenTransport,
) {
  if (argument !== null && argument !== undefined) return argument;
  const fromCookie = transport.presented();
  if (fromCookie !== null) return fromCookie;
  // With the cookie transport, no cookie means this browser holds no session.
  throw transport.kind === 'cookie'
    ? unauthenticated()
    : badUserInput('refreshToken', { reason: 'REQUIRED', message: 'is required' });
}

export const authResolvers: Resolvers = {
  Query: {
    me: (_source, _args, { caller }) => caller.user,
    adminOnly: () => 'Hello, Admin!',
    userOnly: () => 'Hello, User!',
    passwordPolicy: (_source, _args, { services }) => ({
      minLength: services.users.passwordPolicy.minLength,
      maxLength: services.users.passwordPolicy.maxLength,
      refusesCommonPasswords: true,
    }),
  },
  Mutation: {
    login: async (_source, { username, password, deviceToken }, context) => {
      const { caller, services } = context;
      const signIn = await services.auth.login(
        username,
        password,
        caller,
        deviceToken ?? caller.deviceCookie,
      );
      if (signIn.deviceToken) context.response.setDeviceCookie(signIn.deviceToken);
      return handOver(signIn, context.refreshTokens);
    },
    refreshToken: async (_source, { refreshToken }, { services, caller, refreshTokens }) => {
      const presented = presentedRefreshToken(refreshToken, refreshTokens);
      try {
        return handOver(await services.auth.refresh(presented, caller), refreshTokens);
      } catch (error) {
        // A dead token in the cookie would be sent on every request: end it with the refusal.
        if (refreshToken == null && isSessionEnded(error)) refreshTokens.forget();
        throw error;
      }
    },
    requestPasswordReset: async (_source, { email }, { services, caller }) => {
      await services.auth.requestPasswordReset(email, caller);
      return true;
    },
    resetPassword: async (_source, { token, newPassword }, { services, caller, refreshTokens }) =>
      handOver(await services.auth.resetPassword(token, newPassword, caller), refreshTokens),
    changePassword: async (_source, { currentPassword, newPassword }, context) =>
      handOver(
        await context.services.auth.changePassword(signedIn(context), currentPassword, newPassword),
        context.refreshTokens,
      ),
  },
};
