import type { Resolvers } from '../__generated__/graphql';
import { actorOf } from '../context';
import { encodeCursor } from './service';

export const userResolvers: Resolvers = {
  Query: {
    users: async (_source, { first, after }, { services }) => {
      const page = await services.users.list(first ?? 20, after ?? null);
      const edges = page.users.map((node) => ({ cursor: encodeCursor(node), node }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
    user: (_source, { id }, { services }) => services.users.findById(id),
  },
  Mutation: {
    createUser: (_source, { input }, context) =>
      context.services.users.create(input, actorOf(context)),
    updateUser: (_source, { id, input }, context) =>
      context.services.users.update(id, input, actorOf(context)),
    deleteUser: async (_source, { id }, context) => {
      await context.services.users.delete(id, actorOf(context));
      return true;
    },
  },
  UserConnection: {
    totalCount: (_source, _args, { services }) => services.users.count(),
  },
  User: {
    // The one place a database `_id` becomes a GraphQL `id`.
    id: (user) => user._id.toHexString(),
    email: (user) => user.email ?? null,
    fullName: (user) => user.fullName ?? null,
  },
};
