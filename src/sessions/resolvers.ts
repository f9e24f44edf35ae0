import type { Resolvers } from '../__generated__/graphql';
import { signedIn } from '../context';

export const sessionResolvers: Resolvers = {
  Query: {
    sessions: (_source, _args, context) => {
      const { user } = signedIn(context);
      return context.services.sessions.listActive(user._id, user.tokenVersion);
    },
  },
  Mutation: {
    logout: async (_source, _args, context) => {
      await context.services.sessions.logout(signedIn(context));
      context.refreshTokens.forget();
      return true;
    },
    logoutAll: async (_source, _args, context) => {
      await context.services.sessions.logoutAll(signedIn(context));
      context.refreshTokens.forget();
      return true;
    },
    revokeSession: (_source, { id }, context) =>
      context.services.sessions.revokeOwn(signedIn(context), id),
    revokeUserSessions: async (_source, { userId }, { services, caller }) => {
      await services.sessions.revokeAllOf(caller, userId);
      return true;
    },
  },
  Session: {
    id: (session) => session._id.toHexString(),
    lastUsedAt: (session) => session.lastUsedAt,
    userAgent: (session) => session.userAgent ?? null,
    ipAddress: (session) => session.ipAddress ?? null,
    current: (session, _args, { caller }) => session._id.toHexString() === caller.sessionId,
  },
};
