import type { Resolvers } from '../__generated__/graphql';
import { encodeCursor } from './service';

export const userResolvers: Resolvers = {
  Query: {
    users: async (_source, { first, after }, { services }) => {
      const page = await services.users.list(first ?? 20, after ?? null);
      const edges = page.users.map((node) => ({ cursor: encodeCursor(node), node }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
        totalCount: page.totalCount,
      };
    },
    user: (_source, { id }, { services }) => services.users.findById(id),
  },
  Mutation: {
    createUser: (_source, { input }, { services }) => services.users.create(input),
    updateUser: (_source, { id, input }, { services }) => services.users.update(id, input),
    deleteUser: async (_source, { id }, { services }) => {
      await services.users.delete(id);
      return true;
    },
  },
  User: {
    // The one place a database `_id` becomes a GraphQL `id`.
    id: (user) => user._id.toHexString(),
    email: (user) => user.email ?? null,
    fullName: (user) => user.fullName ?? null,
  },
};
