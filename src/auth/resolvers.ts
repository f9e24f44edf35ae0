import type { Resolvers } from '../__generated__/graphql';

export const authResolvers: Resolvers = {
  Query: {
    me: (_source, _args, { viewer }) => viewer?.user ?? null,
    adminOnly: () => 'Hello, Admin!',
    userOnly: () => 'Hello, User!',
  },
  Mutation: {
    login: (_source, { username, password }, { services }) =>
      services.auth.login(username, password),
  },
};
