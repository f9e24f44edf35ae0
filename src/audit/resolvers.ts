import type { AuditOutcome, Resolvers } from '../__generated__/graphql';
import { signedIn } from '../context';
import { encodeAuditCursor, type AuditPage } from './service';

function connectionOf(page: AuditPage) {
  const edges = page.events.map((node) => ({ cursor: encodeAuditCursor(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

export const auditResolvers: Resolvers = {
  Query: {
    auditEvents: async (_source, { first, after, filter }, { services }) =>
      connectionOf(await services.audit.list(first, after ?? null, filter ?? {})),
    mySecurityEvents: async (_source, { first, after }, context) =>
      connectionOf(
        await context.services.audit.listSecurityEvents(
          signedIn(context).user._id,
          first,
          after ?? null,
        ),
      ),
  },
  AuditEvent: {
    id: (event) => event._id.toHexString(),
    outcome: (event) => event.outcome.toUpperCase() as AuditOutcome,
    actorId: (event) => event.actorId?.toHexString() ?? null,
    actorName: (event) => event.actorName ?? null,
    targetId: (event) => event.targetId?.toHexString() ?? null,
    ipAddress: (event) => event.ipAddress ?? null,
    userAgent: (event) => event.userAgent ?? null,
    requestId: (event) => event.requestId ?? null,
    details: (event) => (event.details == null ? null : JSON.stringify(event.details)),
  },
};
