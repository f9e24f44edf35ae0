import type { Resolvers } from '../__generated__/graphql';
import { handOver } from '../auth/resolvers';
import { signedIn } from '../context';
import { encodeIdCursor } from '../db/ids';

export const invitationResolvers: Resolvers = {
  Query: {
    invitations: async (_source, { first, after }, { services }) => {
      const page = await services.invitations.list(first, after ?? null);
      const edges = page.invitations.map((node) => ({ cursor: encodeIdCursor(node._id), node }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  },
  Mutation: {
    inviteUser: (_source, { input }, context) =>
      context.services.invitations.invite(input, signedIn(context)),
    revokeInvitation: (_source, { id }, context) =>
      context.services.invitations.revoke(id, signedIn(context)),
    acceptInvitation: async (_source, { token, username, password }, context) => {
      const { services, caller, refreshTokens } = context;
      const user = await services.invitations.accept(token, username, password, caller);
      return handOver(await services.auth.signInNewAccount(user, caller), refreshTokens);
    },
  },
  Invitation: {
    id: (invitation) => invitation._id.toHexString(),
    fullName: (invitation) => invitation.fullName ?? null,
    invitedBy: (invitation, _args, { services }) =>
      services.users.findById(invitation.invitedBy.toHexString()),
  },
};
