import type { Resolvers } from '../__generated__/graphql';

export const signUpResolvers: Resolvers = {
  Mutation: {
    signUp: async (_source, { input }, { services, caller }) => {
      await services.signUps.signUp(input, caller);
      return true;
    },
    verifyEmail: async (_source, { token }, { services, caller }) => {
      await services.signUps.verifyEmail(token, caller);
      return true;
    },
  },
};
