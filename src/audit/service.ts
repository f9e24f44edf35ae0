import type { Types } from 'mongoose';
import { currentRequestId, type Logger } from '../logger';
import type { AuditEventModel } from './model';

export type AuditAction =
  | 'login'
  | 'token.refresh'
  | 'refresh_token.reuse_detected'
  | 'session.revoked'
  | 'sessions.revoked_all'
  | 'password.changed'
  | 'password.rehashed'
  | 'user.created'
  | 'user.roles_changed'
  | 'user.disabled'
  | 'user.enabled'
  | 'user.deleted';

export interface AuditEntry {
  readonly action: AuditAction;
  readonly outcome: 'success' | 'failure' | 'denied';
  readonly actorId?: Types.ObjectId | null;
  readonly actorName?: string | null;
  readonly targetId?: Types.ObjectId | null;
  readonly ip?: string | null;
  readonly details?: Record<string, unknown>;
}

export interface AuditService {
  ensureIndexes(): Promise<void>;
  /** Writes one event with the current request id. A failed write is logged, never thrown. */
  record(entry: AuditEntry): Promise<void>;
}

export function createAuditService(model: AuditEventModel, logger: Logger): AuditService {
  return {
    async ensureIndexes() {
      await model.createIndexes();
    },
    async record(entry) {
      const requestId = currentRequestId();
      try {
        await model.create({
          at: new Date(),
          action: entry.action,
          outcome: entry.outcome,
          ...(entry.actorId ? { actorId: entry.actorId } : {}),
          ...(entry.actorName ? { actorName: entry.actorName.slice(0, 128) } : {}),
          ...(entry.targetId ? { targetId: entry.targetId } : {}),
          ...(entry.ip ? { ipAddress: entry.ip } : {}),
          ...(requestId ? { requestId } : {}),
          ...(entry.details ? { details: entry.details } : {}),
        });
      } catch (error) {
        // The request itself must not fail because the trail could not be written; the log keeps it.
        logger.error({ err: error, audit: entry }, 'could not write an audit event');
      }
    },
  };
}
