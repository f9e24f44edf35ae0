import type { Resolvers } from '../__generated__/graphql';
import { signedIn } from '../context';

export const authResolvers: Resolvers = {
  Query: {
    me: (_source, _args, { viewer }) => viewer?.user ?? null,
    adminOnly: () => 'Hello, Admin!',
    userOnly: () => 'Hello, User!',
  },
  Mutation: {
    login: (_source, { username, password }, { services, client }) =>
      services.auth.login(username, password, client),
    refreshToken: (_source, { refreshToken }, { services, client }) =>
      services.auth.refresh(refreshToken, client),
    changePassword: (_source, { currentPassword, newPassword }, context) =>
      context.services.auth.changePassword(
        signedIn(context),
        currentPassword,
        newPassword,
        context.client,
      ),
  },
};
