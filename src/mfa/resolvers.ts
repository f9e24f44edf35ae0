import type { Resolvers } from '../__generated__/graphql';
import { handOver } from '../auth/resolvers';
import { signedIn } from '../context';
import { mfaChallengeInvalid } from '../errors';

export const mfaResolvers: Resolvers = {
  Mutation: {
    beginTotpEnrollment: (_source, { password }, context) =>
      context.services.mfa.beginTotpEnrollment(signedIn(context), password),
    confirmTotpEnrollment: (_source, { code }, context) =>
      context.services.mfa.confirmTotpEnrollment(signedIn(context), code),
    regenerateRecoveryCodes: (_source, { code }, context) =>
      context.services.mfa.regenerateRecoveryCodes(signedIn(context), code ?? null),
    disableTotp: async (_source, { password, code }, context) => {
      await context.services.mfa.disableTotp(signedIn(context), password, code);
      return true;
    },
    completeMfaSignIn: async (_source, { challenge, code, passkey }, context) => {
      const { services, caller } = context;
      const signIn = await services.auth.completeMfaSignIn(challenge, { code, passkey }, caller);
      if (signIn.deviceToken) context.response.setDeviceCookie(signIn.deviceToken);
      return handOver(signIn, context.refreshTokens);
    },
    beginPasskeyRegistration: (_source, { password }, context) =>
      context.services.passkeys.beginRegistration(signedIn(context), password),
    finishPasskeyRegistration: (_source, { response, name }, context) =>
      context.services.passkeys.finishRegistration(signedIn(context), response, name),
    removePasskey: (_source, { id, password }, context) =>
      context.services.mfa.removePasskey(signedIn(context), id, password),
    beginPasskeySignIn: async (_source, { challenge }, { services, caller }) => {
      if (challenge == null) return services.passkeys.beginSignIn(null);
      const subject = await services.mfa.findChallenge(challenge, caller);
      if (!subject) throw mfaChallengeInvalid();
      return services.passkeys.beginSignIn(subject.userId);
    },
    finishPasskeySignIn: async (_source, { response }, context) =>
      handOver(
        await context.services.auth.passkeySignIn(response, context.caller),
        context.refreshTokens,
      ),
    resetUserMfa: (_source, { userId }, context) =>
      context.services.mfa.reset(userId, signedIn(context)),
  },
  Query: {
    passkeys: (_source, _args, context) =>
      context.services.passkeys.list(signedIn(context).user._id),
  },
  User: {
    mfaMethods: (user) => user.mfaMethods ?? [],
  },
  Passkey: {
    id: (passkey) => passkey._id,
    lastUsedAt: (passkey) => passkey.lastUsedAt ?? null,
  },
};
