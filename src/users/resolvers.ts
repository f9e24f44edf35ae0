import type { Resolvers } from '../__generated__/graphql';
import { signedIn } from '../context';
import { encodeIdCursor } from '../db/ids';

export const userResolvers: Resolvers = {
  Query: {
    users: async (_source, { first, after }, { services }) => {
      const page = await services.users.list(first, after ?? null);
      const edges = page.users.map((node) => ({ cursor: encodeIdCursor(node._id), node }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
    user: (_source, { id }, { services }) => services.users.findById(id),
  },
  Mutation: {
    createUser: (_source, { input }, { services, caller }) => services.users.create(input, caller),
    updateUser: (_source, { id, input }, { services, caller }) =>
      services.users.update(id, input, caller),
    deleteUser: async (_source, { id }, { services, caller }) => {
      await services.users.delete(id, caller);
      return true;
    },
    updateMe: (_source, { input }, context) =>
      context.services.auth.updateProfile(signedIn(context), input),
    deleteMe: async (_source, { password }, context) => {
      await context.services.auth.deleteAccount(signedIn(context), password);
      context.refreshTokens.forget();
      return true;
    },
    resendEmailVerification: (_source, _args, context) =>
      context.services.users.resendEmailVerification(signedIn(context)),
  },
  UserConnection: {
    totalCount: (_source, _args, { services }) => services.users.count(),
  },
  User: {
    // The one place a database `_id` becomes a GraphQL `id`.
    id: (user) => user._id.toHexString(),
    email: (user) => user.email ?? null,
    fullName: (user) => user.fullName ?? null,
    emailVerified: (user) => user.emailVerified === true,
    mustChangePassword: (user) => user.mustChangePassword === true,
  },
};
