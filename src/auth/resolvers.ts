import type { Resolvers } from '../__generated__/graphql';
import { signedIn } from '../context';

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
      return signIn;
    },
    refreshToken: (_source, { refreshToken }, { services, caller }) =>
      services.auth.refresh(refreshToken, caller),
    changePassword: (_source, { currentPassword, newPassword }, context) =>
      context.services.auth.changePassword(signedIn(context), currentPassword, newPassword),
  },
};
