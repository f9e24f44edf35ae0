import { createHash } from 'node:crypto';
import { trusted, Types } from 'mongoose';
import type { AuditAction } from '../__generated__/graphql';
import type { Caller } from '../caller';
import { isDuplicateKeyError } from '../db/errors';
import { pageSize, parseObjectId } from '../db/ids';
import { badUserInput } from '../errors';
import { storableText } from '../text';
import type { Logger } from '../logger';
import type { AuditEventModel, AuditEventRecord } from './model';
import { insertOne } from '../db/insert';

export type { AuditAction };

/** What happened; who made it happen, from where, comes from the caller. */
export interface AuditEntry {
  readonly action: AuditAction;
  readonly outcome: 'success' | 'failure' | 'denied';
  /** The account acted as, when it is not the signed-in caller's (a sign-in, say). */
  readonly actorId?: Types.ObjectId | null;
  /** Who the actor claimed to be, for failures where no user is known (e.g. a bad login). */
  readonly actorName?: string | null;
  readonly targetId?: Types.ObjectId | null;
  readonly details?: Record<string, unknown>;
}

export interface AuditFilter {
  readonly actorId?: string | null;
  readonly targetId?: string | null;
  readonly action?: AuditAction | null;
  readonly from?: Date | string | null;
  readonly to?: Date | string | null;
}

/** What `mySecurityEvents` shows a user of their own account. */
export const SECURITY_ACTIONS: readonly AuditAction[] = Object.freeze([
  'LOGIN',
  'LOGIN_THROTTLED',
  'REFRESH_TOKEN_REUSE_DETECTED',
  'SESSION_REVOKED',
  'SESSIONS_REVOKED_ALL',
  'PASSWORD_CHANGED',
  'PASSWORD_RESET',
  'EMAIL_VERIFIED',
  'PROFILE_UPDATED',
  'USER_ROLES_CHANGED',
  'MFA_ENABLED',
  'MFA_DISABLED',
  'RECOVERY_CODES_REGENERATED',
  'MFA_RESET',
]);

export interface AuditPage {
  readonly events: readonly AuditEventRecord[];
  readonly hasNextPage: boolean;
}

export interface AuditService {
  /** Writes one event for `caller`'s request. A failed write is logged, never thrown. */
  record(caller: Caller, entry: AuditEntry): Promise<void>;
  /**
   * Records an event that anyone can repeat at will (a throttled sign-in, say) at most once a
   * minute per `subject`, on every instance together: repeats within the minute add to the
   * event's `details.repeats`. The count is exact on MongoDB; FerretDB may lose concurrent
   * increments, never events.
   */
  recordFolded(caller: Caller, entry: AuditEntry, subject: string): Promise<void>;
  /** Deletes events older than the retention period; returns how many. */
  purgeExpired(): Promise<number>;
  /**
   * Records a refusal by `@auth`. The same user refused the same field again within a minute is
   * counted, not written: a refused client retrying in a loop must not flood the collection (or
   * the database). The next event carries the count in `details.repeats`.
   */
  recordRefusal(caller: Caller, field: string): void;
  /** Newest first, `first` at a time, after an earlier page's cursor. */
  list(
    first: number | null | undefined,
    after: string | null,
    filter: AuditFilter,
  ): Promise<AuditPage>;
  /** A user's own `SECURITY_ACTIONS`, as actor or target, newest first. */
  listSecurityEvents(
    userId: Types.ObjectId,
    first: number | null | undefined,
    after: string | null,
  ): Promise<AuditPage>;
}

const REFUSAL_WINDOW_MS = 60_000;
const REFUSAL_KEYS_MAX = 10_000;

const CURSOR_PATTERN = /^(\d{1,15})_([0-9a-f]{24})$/;

export function encodeAuditCursor(event: Pick<AuditEventRecord, 'at' | '_id'>): string {
  return Buffer.from(`${event.at.getTime()}_${event._id.toHexString()}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: Types.ObjectId } {
  const match = CURSOR_PATTERN.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match?.[1] || !match[2])
    throw badUserInput('after', { reason: 'INVALID_FORMAT', message: 'is not a valid cursor' });
  return { at: new Date(Number(match[1])), id: new Types.ObjectId(match[2]) };
}

function idFilter(field: string, value: string | null | undefined): Types.ObjectId | undefined {
  return value === null || value === undefined ? undefined : parseObjectId(value, field);
}

export interface AuditSettings {
  /** Events older than this are deleted by the sweep. */
  readonly retentionSeconds: number;
}

export function createAuditService(
  model: AuditEventModel,
  settings: AuditSettings,
  logger: Logger,
): AuditService {
  const refusals = new Map<string, { at: number; repeats: number }>();

  function eventOf(caller: Caller, entry: AuditEntry) {
    const actorId = entry.actorId === undefined ? caller.user?._id : entry.actorId;
    return {
      at: new Date(),
      action: entry.action,
      outcome: entry.outcome,
      ...(actorId ? { actorId } : {}),
      ...(entry.actorName ? { actorName: storableText(entry.actorName, 128) } : {}),
      ...(entry.targetId ? { targetId: entry.targetId } : {}),
      ...(caller.ip ? { ipAddress: caller.ip } : {}),
      ...(caller.userAgent ? { userAgent: storableText(caller.userAgent, 256) } : {}),
      ...(caller.requestId ? { requestId: caller.requestId } : {}),
      ...(entry.details ? { details: entry.details } : {}),
    };
  }

  /** The request itself must not fail because the trail could not be written; the log keeps it. */
  async function safely(caller: Caller, entry: AuditEntry, write: () => Promise<unknown>) {
    try {
      await write();
    } catch (error) {
      logger.error(
        { err: error, audit: entry, requestId: caller.requestId },
        'could not write an audit event',
      );
    }
  }

  /** One page, newest first, of the events that meet every condition. */
  async function page(
    first: number | null | undefined,
    after: string | null,
    conditions: Record<string, unknown>[],
  ): Promise<AuditPage> {
    const size = pageSize(first);
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
      .limit(size + 1)
      .lean<AuditEventRecord[]>();
    return { events: rows.slice(0, size), hasNextPage: rows.length > size };
  }

  const service: AuditService = {
    record: (caller, entry) =>
      safely(caller, entry, () => insertOne(model, eventOf(caller, entry))),

    recordFolded: (caller, entry, subject) =>
      safely(caller, entry, async () => {
        const minute = Math.floor(Date.now() / 60_000);
        // Hashed: the subject may hold a long, attacker-chosen name.
        const foldKey = createHash('sha256')
          .update(`${entry.action}\u0000${subject}\u0000${minute}`)
          .digest('base64url');
        const event = eventOf(caller, entry);
        try {
          await insertOne(model, { ...event, foldKey, details: { ...entry.details, repeats: 0 } });
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          await model.updateOne({ foldKey }, { $inc: { 'details.repeats': 1 } });
        }
      }),

    async purgeExpired() {
      const cutoff = new Date(Date.now() - settings.retentionSeconds * 1000);
      const { deletedCount } = await model.deleteMany({ at: trusted({ $lt: cutoff }) });
      return deletedCount;
    },

    recordRefusal(caller, field) {
      if (caller.user === null) return;
      const key = `${caller.user._id.toHexString()} ${field}`;
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
      void service.record(caller, {
        action: 'AUTHORIZATION_DENIED',
        outcome: 'denied',
        details: { field, repeats: last?.repeats ?? 0 },
      });
    },

    list(first, after, filter) {
      const conditions: Record<string, unknown>[] = [];
      const actorId = idFilter('filter.actorId', filter.actorId);
      const targetId = idFilter('filter.targetId', filter.targetId);
      if (actorId) conditions.push({ actorId });
      if (targetId) conditions.push({ targetId });
      if (filter.action) conditions.push({ action: filter.action });
      if (filter.from) conditions.push({ at: trusted({ $gte: new Date(filter.from) }) });
      if (filter.to) conditions.push({ at: trusted({ $lt: new Date(filter.to) }) });
      return page(first, after, conditions);
    },

    async listSecurityEvents(userId, first, after) {
      // Each branch is served by its (actorId | targetId, at, _id) index on MongoDB.
      const found = await page(first, after, [
        { $or: [{ actorId: userId }, { targetId: userId }] },
        { action: trusted({ $in: SECURITY_ACTIONS }) },
      ]);
      // What an administrator did to the user is shown, but not where the administrator was.
      const events = found.events.map((event) =>
        event.actorId?.equals(userId) === true
          ? event
          : {
              ...event,
              actorId: undefined,
              ipAddress: undefined,
              userAgent: undefined,
              requestId: undefined,
            },
      );
      return { ...found, events };
    },
  };
  return service;
}
