import type { Resolvers } from '../__generated__/graphql';
import { actorOf, signedIn } from '../context';

export const sessionResolvers: Resolvers = {
  Query: {
    sessions: (_source, _args, context) => {
      const { user } = signedIn(context);
      return context.services.sessions.listActive(user._id, user.tokenVersion);
    },
  },
  Mutation: {
    logout: async (_source, _args, context) => {
      await context.services.auth.logout(signedIn(context), context.client);
      return true;
    },
    logoutAll: async (_source, _args, context) => {
      await context.services.auth.logoutAll(signedIn(context), context.client);
      return true;
    },
    revokeSession: (_source, { id }, context) =>
      context.services.auth.revokeSession(signedIn(context), id, context.client),
    revokeUserSessions: async (_source, { userId }, context) => {
      await context.services.auth.revokeUserSessions(userId, actorOf(context));
      return true;
    },
  },
  Session: {
    id: (session) => session._id.toHexString(),
    lastUsedAt: (session) => session.lastUsedAt,
    userAgent: (session) => session.userAgent ?? null,
    ipAddress: (session) => session.ipAddress ?? null,
    current: (session, _args, { viewer }) => session._id.toHexString() === viewer?.sessionId,
  },
};
