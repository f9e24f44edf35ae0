import { trusted, Types } from 'mongoose';
import type { AuditAction } from '../__generated__/graphql';
import { checkPageSize, parseObjectId } from '../db/ids';
import { badUserInput } from '../errors';
import type { Logger } from '../logger';
import type { AuditEventModel, AuditEventRecord } from './model';

export type { AuditAction };

export interface AuditEntry {
  readonly action: AuditAction;
  readonly outcome: 'success' | 'failure' | 'denied';
  readonly actorId?: Types.ObjectId | null;
  readonly actorName?: string | null;
  readonly targetId?: Types.ObjectId | null;
  readonly ip?: string | null;
  readonly requestId?: string | null;
  readonly details?: Record<string, unknown>;
}

export interface AuditFilter {
  readonly actorId?: string | null;
  readonly targetId?: string | null;
  readonly action?: AuditAction | null;
  readonly from?: Date | string | null;
  readonly to?: Date | string | null;
}

export interface AuditPage {
  readonly events: readonly AuditEventRecord[];
  readonly hasNextPage: boolean;
}

export interface AuditService {
  ensureIndexes(): Promise<void>;
  /** Writes one event with the current request id. A failed write is logged, never thrown. */
  record(entry: AuditEntry): Promise<void>;
  /**
   * Records a refusal by `@auth`. The same user refused the same field again within a minute is
   * counted, not written: a refused client retrying in a loop must not flood the collection (or
   * the database). The next event carries the count in `details.repeats`.
   */
  recordRefusal(
    actorId: Types.ObjectId,
    field: string,
    client: { ip: string | null; requestId: string | null },
  ): void;
  /** Newest first, `first` at a time, after an earlier page's cursor. */
  list(first: number, after: string | null, filter: AuditFilter): Promise<AuditPage>;
}

const REFUSAL_WINDOW_MS = 60_000;
const REFUSAL_KEYS_MAX = 10_000;

const CURSOR_PATTERN = /^(\d{1,15})_([0-9a-f]{24})$/;

export function encodeAuditCursor(event: Pick<AuditEventRecord, 'at' | '_id'>): string {
  return Buffer.from(`${event.at.getTime()}_${event._id.toHexString()}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: Types.ObjectId } {
  const match = CURSOR_PATTERN.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match?.[1] || !match[2]) throw badUserInput('after', 'is not a valid cursor');
  return { at: new Date(Number(match[1])), id: new Types.ObjectId(match[2]) };
}

function idFilter(field: string, value: string | null | undefined): Types.ObjectId | undefined {
  return value === null || value === undefined ? undefined : parseObjectId(value, field);
}

export function createAuditService(model: AuditEventModel, logger: Logger): AuditService {
  const refusals = new Map<string, { at: number; repeats: number }>();
  const service: AuditService = {
    async ensureIndexes() {
      await model.createIndexes();
    },

    async record(entry) {
      const { requestId } = entry;
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

    recordRefusal(actorId, field, client) {
      const key = `${actorId.toHexString()} ${field}`;
      const now = Date.now();
      const last = refusals.get(key);
      if (last && now - last.at < REFUSAL_WINDOW_MS) {
        last.repeats += 1;
        return;
      }
      refusals.delete(key);
      if (refusals.size >= REFUSAL_KEYS_MAX)
        refusals.delete(refusals.keys().next().value as string);
      refusals.set(key, { at: now, repeats: 0 });
      void service.record({
        action: 'AUTHORIZATION_DENIED',
        outcome: 'denied',
        actorId,
        ip: client.ip,
        requestId: client.requestId,
        details: { field, repeats: last?.repeats ?? 0 },
      });
    },

    async list(first, after, filter) {
      checkPageSize(first);
      const conditions: Record<string, unknown>[] = [];
      const actorId = idFilter('filter.actorId', filter.actorId);
      const targetId = idFilter('filter.targetId', filter.targetId);
      if (actorId) conditions.push({ actorId });
      if (targetId) conditions.push({ targetId });
      if (filter.action) conditions.push({ action: filter.action });
      if (filter.from) conditions.push({ at: trusted({ $gte: new Date(filter.from) }) });
      if (filter.to) conditions.push({ at: trusted({ $lt: new Date(filter.to) }) });
      if (after !== null) {
        const cursor = decodeCursor(after);
        conditions.push({
          $or: [
            { at: trusted({ $lt: cursor.at }) },
            { at: cursor.at, _id: trusted({ $lt: cursor.id }) },
          ],
        });
      }
      const rows = await model
        .find(conditions.length > 0 ? { $and: conditions } : {})
        .sort({ at: -1, _id: -1 })
        .limit(first + 1)
        .lean<AuditEventRecord[]>();
      return { events: rows.slice(0, first), hasNextPage: rows.length > first };
    },
  };
  return service;
}
