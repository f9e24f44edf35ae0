import type { Resolvers } from '../__generated__/graphql';
import { handOver } from '../auth/resolvers';
import { signedIn } from '../context';

export const mfaResolvers: Resolvers = {
  Mutation: {
    beginTotpEnrollment: (_source, _args, context) =>
      context.services.mfa.beginTotpEnrollment(signedIn(context)),
    confirmTotpEnrollment: (_source, { code }, context) =>
      context.services.mfa.confirmTotpEnrollment(signedIn(context), code),
    regenerateRecoveryCodes: (_source, { code }, context) =>
      context.services.mfa.regenerateRecoveryCodes(signedIn(context), code),
    disableTotp: async (_source, { password, code }, context) => {
      await context.services.mfa.disableTotp(signedIn(context), password, code);
      return true;
    },
    completeMfaSignIn: async (_source, { challenge, code }, context) => {
      const { services, caller } = context;
      const signIn = await services.auth.completeMfaSignIn(challenge, code, caller);
      if (signIn.deviceToken) context.response.setDeviceCookie(signIn.deviceToken);
      return handOver(signIn, context.refreshTokens);
    },
    resetUserMfa: (_source, { userId }, context) =>
      context.services.mfa.reset(userId, signedIn(context)),
  },
  User: {
    mfaMethods: (user) => user.mfaMethods ?? [],
  },
};
