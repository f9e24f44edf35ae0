import { trusted, Types } from 'mongoose';
import { isDuplicateKeyError } from '../db/errors';
import { checkPageSize, parseObjectId, toObjectId } from '../db/ids';
import type { Locks } from '../db/locks';
import type { PasswordHasher } from '../auth/passwords';
import { findPasswordProblem, type PasswordPolicy } from '../auth/password-policy';
import type { Role } from '../auth/roles';
import type { AuditService } from '../audit/service';
import { createTtlCache } from '../cache';
import { badUserInput, notFound } from '../errors';
import type { SessionService } from '../sessions/service';
import {
  findEmailProblem,
  findUsernameProblem,
  FULL_NAME_MAX_LENGTH,
  normalizeIdentifier,
} from './identity';
import type { UserModel, UserRecord, UserWithPasswordHash } from './model';

export interface NewUser {
  readonly username: string;
  readonly password: string;
  readonly email?: string | null;
  readonly fullName?: string | null;
  readonly roles?: readonly Role[] | null;
}

export interface UserChanges {
  readonly email?: string | null;
  readonly fullName?: string | null;
  readonly roles?: readonly Role[] | null;
  readonly disabled?: boolean | null;
}

export interface UserPage {
  readonly users: readonly UserRecord[];
  readonly hasNextPage: boolean;
}

/** What `Query.users` resolves to; `totalCount` is counted only when a client asks for it. */
export interface UserConnectionSource {
  readonly edges: readonly { readonly cursor: string; readonly node: UserRecord }[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

/** Who asked for a change, for the audit trail; null id for the system itself. */
export interface Actor {
  readonly id: Types.ObjectId | null;
  readonly ip: string | null;
  readonly requestId: string | null;
}

export const SYSTEM_ACTOR: Actor = Object.freeze({ id: null, ip: null, requestId: null });

export interface UserService {
  /** Creates indexes the data layer relies on for uniqueness; safe to repeat. */
  ensureIndexes(): Promise<void>;
  /** The user behind a token, or null when missing, disabled or not a valid id. */
  findActive(id: string): Promise<UserRecord | null>;
  /** Includes the password hash: for checking credentials only. */
  findForSignIn(username: string): Promise<UserWithPasswordHash | null>;
  findWithPasswordHash(id: Types.ObjectId): Promise<UserWithPasswordHash | null>;
  findById(id: string): Promise<UserRecord | null>;
  list(first: number, after: string | null): Promise<UserPage>;
  count(): Promise<number>;
  create(
    input: NewUser,
    actor: Actor,
    options?: { skipPasswordPolicy?: boolean },
  ): Promise<UserRecord>;
  /** Changing roles or the disabled flag ends every session of the user. */
  update(id: string, changes: UserChanges, actor: Actor): Promise<UserRecord>;
  delete(id: string, actor: Actor): Promise<void>;
  /** Stores a new hash and ends every session; returns the new token version. */
  replacePassword(id: Types.ObjectId, passwordHash: string): Promise<number | null>;
  /** Swaps in a stronger hash of the same password, only if the stored one is still `previous`. */
  upgradePasswordHash(id: Types.ObjectId, previous: string, next: string): Promise<void>;
  /** Ends every session of the user; false when there is no such user. */
  revokeAllSessions(id: Types.ObjectId): Promise<boolean>;
}

const LAST_ADMIN_PROBLEM = 'would leave no active administrator';
const NO_ROLES_PROBLEM = 'must list at least one role';
// Every change that could remove an administrator holds this lock while it counts and writes.
const ADMINS_LOCK = 'users:admins';
const userLock = (id: Types.ObjectId) => `user:${id.toHexString()}`;

export function encodeCursor(user: UserRecord): string {
  return Buffer.from(user._id.id).toString('base64url');
}

function decodeCursor(cursor: string): Types.ObjectId {
  const bytes = /^[A-Za-z0-9_-]{16}$/.test(cursor) ? Buffer.from(cursor, 'base64url') : null;
  if (bytes?.length !== 12) throw badUserInput('after', 'is not a valid cursor');
  return new Types.ObjectId(bytes);
}

function isActiveAdmin(user: Pick<UserRecord, 'roles' | 'disabled'>): boolean {
  return !user.disabled && user.roles.includes('ADMIN');
}

function checkOptionalText(
  field: string,
  value: string | null | undefined,
  findProblem: (value: string) => string | null,
): void {
  if (value === null || value === undefined) return;
  const problem = findProblem(value);
  if (problem) throw badUserInput(field, problem);
}

function findFullNameProblem(fullName: string): string | null {
  if (fullName.length > FULL_NAME_MAX_LENGTH) {
    return `must be at most ${FULL_NAME_MAX_LENGTH} characters long`;
  }
  return /\p{Cc}/u.test(fullName) ? 'must not contain control characters' : null;
}

function uniqueRoles(roles: readonly Role[]): Role[] {
  return [...new Set(roles)];
}

function sameRoles(a: readonly Role[], b: readonly Role[]): boolean {
  return a.length === b.length && a.every((role) => b.includes(role));
}

export function createUserService(deps: {
  model: UserModel;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  sessions: SessionService;
  audit: AuditService;
  locks: Locks;
  /** How long a looked-up active user may be reused; see Config.authCacheTtlMs. */
  cacheTtlMs: number;
}): UserService {
  const { model, hasher, policy, sessions, audit, locks } = deps;
  const activeUsers = createTtlCache<UserRecord | null>(deps.cacheTtlMs);
  /** Every write to a user goes through here, so this instance never serves a stale one. */
  const changed = (id: Types.ObjectId) => activeUsers.delete(id.toHexString());
  const countActiveAdmins = () => model.countDocuments({ roles: 'ADMIN', disabled: false });

  /**
   * Maps a unique-index violation to the field the client sent; rethrows anything else. MongoDB
   * names the index in `keyPattern`; FerretDB does not, so the stored data answers instead.
   */
  async function rethrowDuplicate(error: unknown, username: string | null): Promise<never> {
    if (!isDuplicateKeyError(error)) throw error;
    const key = Object.keys((error.keyPattern as Record<string, unknown> | undefined) ?? {})[0];
    const usernameTaken =
      key !== undefined
        ? key === 'usernameNormalized'
        : username !== null &&
          (await model.exists({ usernameNormalized: normalizeIdentifier(username) })) !== null;
    throw badUserInput(usernameTaken ? 'username' : 'email', 'is already taken');
  }

  async function refuseIfLastAdmin(field: string): Promise<void> {
    if ((await countActiveAdmins()) <= 1) throw badUserInput(field, LAST_ADMIN_PROBLEM);
  }

  return {
    async ensureIndexes() {
      await model.createIndexes();
    },

    async findActive(id) {
      const _id = toObjectId(id);
      if (_id === null) return null;
      const cached = activeUsers.get(id);
      if (cached) return cached.value;
      const user = await model.findOne({ _id, disabled: false }).lean<UserRecord>();
      activeUsers.set(id, user);
      return user;
    },

    async findForSignIn(username) {
      return model
        .findOne({ usernameNormalized: normalizeIdentifier(username) })
        .select('+passwordHash')
        .lean<UserWithPasswordHash>();
    },

    async findWithPasswordHash(id) {
      return model.findById(id).select('+passwordHash').lean<UserWithPasswordHash>();
    },

    async findById(id) {
      return model.findById(parseObjectId(id, 'id')).lean<UserRecord>();
    },

    async list(first, after) {
      checkPageSize(first);
      const filter = after === null ? {} : { _id: trusted({ $gt: decodeCursor(after) }) };
      const rows = await model
        .find(filter)
        .sort({ _id: 1 })
        .limit(first + 1)
        .lean<UserRecord[]>();
      return { users: rows.slice(0, first), hasNextPage: rows.length > first };
    },

    count: () => model.countDocuments({}),

    async create(input, actor, options = {}) {
      const usernameProblem = findUsernameProblem(input.username);
      if (usernameProblem) throw badUserInput('username', usernameProblem);
      if (!options.skipPasswordPolicy) {
        const passwordProblem = findPasswordProblem(input.password, policy);
        if (passwordProblem) throw badUserInput('password', passwordProblem);
      }
      checkOptionalText('email', input.email, findEmailProblem);
      checkOptionalText('fullName', input.fullName, findFullNameProblem);
      if (input.roles?.length === 0) throw badUserInput('roles', NO_ROLES_PROBLEM);

      const passwordHash = await hasher.withPermit((permit) => hasher.hash(permit, input.password));
      const created = await model
        .create({
          username: input.username.normalize('NFKC'),
          usernameNormalized: normalizeIdentifier(input.username),
          ...(input.email
            ? { email: input.email, emailNormalized: normalizeIdentifier(input.email) }
            : {}),
          ...(input.fullName ? { fullName: input.fullName } : {}),
          roles: uniqueRoles(input.roles ?? ['USER']),
          disabled: false,
          passwordHash,
        })
        .catch((error: unknown) => rethrowDuplicate(error, input.username));
      const { passwordHash: _omitted, ...record } = created.toObject();
      await audit.record({
        action: 'USER_CREATED',
        outcome: 'success',
        actorId: actor.id,
        targetId: record._id,
        ip: actor.ip,
        requestId: actor.requestId,
        details: { roles: record.roles },
      });
      return record;
    },

    async update(id, changes, actor) {
      const _id = parseObjectId(id, 'id');
      checkOptionalText('email', changes.email, findEmailProblem);
      checkOptionalText('fullName', changes.fullName, findFullNameProblem);
      if (changes.roles?.length === 0) throw badUserInput('roles', NO_ROLES_PROBLEM);
      const set: Record<string, unknown> = {};
      const unset: Record<string, 1> = {};
      if (changes.email === null) Object.assign(unset, { email: 1, emailNormalized: 1 });
      else if (changes.email !== undefined) {
        Object.assign(set, {
          email: changes.email,
          emailNormalized: normalizeIdentifier(changes.email),
        });
      }
      if (changes.fullName === null) unset.fullName = 1;
      else if (changes.fullName !== undefined) set.fullName = changes.fullName;
      if (changes.roles != null) set.roles = uniqueRoles(changes.roles);
      if (changes.disabled != null) set.disabled = changes.disabled;

      const write = () =>
        locks.withLock(userLock(_id), async () => {
          const before = await model.findById(_id).lean<UserRecord>();
          if (!before) throw notFound('User');
          const roles = (set.roles as Role[] | undefined) ?? before.roles;
          const disabled = (set.disabled as boolean | undefined) ?? before.disabled;
          if (isActiveAdmin(before) && !isActiveAdmin({ roles, disabled })) {
            await refuseIfLastAdmin(set.disabled === true ? 'disabled' : 'roles');
          }
          const rolesChanged = !sameRoles(roles, before.roles);
          const disabledChanged = disabled !== before.disabled;
          // updateOne then a read, not findOneAndUpdate: FerretDB cannot project in
          // findAndModify, and the hash must stay out of the result. The token version moves in
          // the same write as the roles or the flag, so no token outlives the change.
          await model
            .updateOne(
              { _id },
              {
                $set: set,
                $unset: unset,
                ...(rolesChanged || disabledChanged ? { $inc: { tokenVersion: 1 } } : {}),
              },
            )
            .catch((error: unknown) => rethrowDuplicate(error, null));
          changed(_id);
          const after = await model.findById(_id).lean<UserRecord>();
          if (!after) throw notFound('User');
          return { before, after, rolesChanged, disabledChanged };
        });
      // Changes that can remove an administrator take turns, so the count they check holds.
      const mayRemoveAdmin = set.roles !== undefined || set.disabled === true;
      const { before, after, rolesChanged, disabledChanged } = mayRemoveAdmin
        ? await locks.withLock(ADMINS_LOCK, write)
        : await write();

      const base = {
        outcome: 'success',
        actorId: actor.id,
        targetId: _id,
        ip: actor.ip,
        requestId: actor.requestId,
      } as const;
      if (rolesChanged) {
        await audit.record({
          ...base,
          action: 'USER_ROLES_CHANGED',
          details: { from: before.roles, to: after.roles },
        });
      }
      if (disabledChanged) {
        await audit.record({ ...base, action: after.disabled ? 'USER_DISABLED' : 'USER_ENABLED' });
      }
      if (rolesChanged || disabledChanged) {
        await sessions.revokeAllForUser(_id, rolesChanged ? 'roles changed' : 'user disabled');
      }
      return after;
    },

    async delete(id, actor) {
      const _id = parseObjectId(id, 'id');
      const deleted = await locks.withLock(ADMINS_LOCK, () =>
        locks.withLock(userLock(_id), async () => {
          const before = await model.findById(_id).lean<UserRecord>();
          if (!before) throw notFound('User');
          if (isActiveAdmin(before)) await refuseIfLastAdmin('id');
          await model.deleteOne({ _id });
          changed(_id);
          return before;
        }),
      );
      await sessions.deleteAllForUser(_id);
      await audit.record({
        action: 'USER_DELETED',
        outcome: 'success',
        actorId: actor.id,
        targetId: _id,
        ip: actor.ip,
        requestId: actor.requestId,
        details: { username: deleted.username },
      });
    },

    replacePassword(id, passwordHash) {
      return locks.withLock(userLock(id), async () => {
        const { matchedCount } = await model.updateOne(
          { _id: id },
          { $set: { passwordHash }, $inc: { tokenVersion: 1 } },
        );
        changed(id);
        if (matchedCount === 0) return null;
        return (await model.findById(id).lean<UserRecord>())?.tokenVersion ?? null;
      });
    },

    async upgradePasswordHash(id, previous, next) {
      await locks.withLock(userLock(id), async () => {
        const current = await model
          .findById(id)
          .select('+passwordHash')
          .lean<UserWithPasswordHash>();
        // A password changed meanwhile wins over this upgrade of the old one.
        if (current?.passwordHash === previous) {
          await model.updateOne({ _id: id }, { $set: { passwordHash: next } });
        }
      });
    },

    revokeAllSessions(id) {
      return locks.withLock(userLock(id), async () => {
        const { matchedCount } = await model.updateOne({ _id: id }, { $inc: { tokenVersion: 1 } });
        changed(id);
        return matchedCount > 0;
      });
    },
  };
}
