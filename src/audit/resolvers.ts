import type { AuditOutcome, Resolvers } from '../__generated__/graphql';
import { encodeAuditCursor } from './service';

export const auditResolvers: Resolvers = {
  Query: {
    auditEvents: async (_source, { first, after, filter }, { services }) => {
      const page = await services.audit.list(first, after ?? null, filter ?? {});
      const edges = page.events.map((node) => ({ cursor: encodeAuditCursor(node), node }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  },
  AuditEvent: {
    id: (event) => event._id.toHexString(),
    outcome: (event) => event.outcome.toUpperCase() as AuditOutcome,
    actorId: (event) => event.actorId?.toHexString() ?? null,
    actorName: (event) => event.actorName ?? null,
    targetId: (event) => event.targetId?.toHexString() ?? null,
    ipAddress: (event) => event.ipAddress ?? null,
    requestId: (event) => event.requestId ?? null,
    details: (event) => (event.details == null ? null : JSON.stringify(event.details)),
  },
};
