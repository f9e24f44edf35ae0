import { trusted, type Types } from 'mongoose';
import type { NoticeMail } from '../account-tokens/mailing';
import type { AuditService } from '../audit/service';
import type { Caller, SignedInCaller } from '../caller';
import { isDuplicateKeyError } from '../db/errors';
import { insertOne } from '../db/insert';
import {
  badUserInput,
  invalidInput,
  invalidLinkToken,
  isInputRefusal,
  lastAdministrator,
  notFound,
  type FieldProblem,
  type Problem,
} from '../errors';
import { decodeIdCursor, pageSize, parseObjectId } from '../db/ids';
import type { Lease, Locks } from '../db/locks';
import type { PasswordHasher } from '../passwords/hasher';
import { findPasswordProblem, type PasswordPolicy } from '../passwords/policy';
import type { SessionService } from '../sessions/service';
import { emailChangedMail } from '../mail/templates/email-changed';
import { hasInvisibleOrControl } from '../text';
import type { MailThrottle } from '../throttling/mail';
import {
  findEmailProblem,
  findUsernameProblem,
  FULL_NAME_MAX_LENGTH,
  normalizeIdentifier,
  usernameSkeleton,
} from './identity';
import type { EmailVerification } from './email-verification';
import type { UserRecord, UserWithPasswordHash } from './model';
import type { Role } from './roles';
import type { UserStore } from './store';

export interface NewUser {
  readonly username: string;
  readonly password: string;
  readonly email?: string | null;
  readonly fullName?: string | null;
  readonly roles?: readonly Role[] | null;
  readonly mustChangePassword?: boolean | null;
}

/**
 * An account made by following an emailed link (a confirmed sign-up, an accepted invitation):
 * its id is the link's subject, so it can be made once, and its address is confirmed.
 */
export interface AdmittedAccount {
  readonly _id: Types.ObjectId;
  readonly username: string;
  readonly email: string;
  readonly fullName?: string | null;
  readonly roles: readonly Role[];
  readonly passwordHash: string;
}

export interface UserChanges {
  readonly email?: string | null;
  readonly fullName?: string | null;
  readonly roles?: readonly Role[] | null;
  readonly disabled?: boolean | null;
  readonly mustChangePassword?: boolean | null;
}

export type PasswordReplacement =
  | { readonly kind: 'changed'; readonly tokenVersion: number }
  | { readonly kind: 'refused' }
  | { readonly kind: 'stale' };

export interface UserPage {
  readonly users: readonly UserRecord[];
  readonly hasNextPage: boolean;
}

/** What `Query.users` resolves to; `totalCount` is counted only when a client asks for it. */
export interface UserConnectionSource {
  readonly edges: readonly { readonly cursor: string; readonly node: UserRecord }[];
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
}

export interface UserService {
  /** What every new password must meet, for forms to check before they submit. */
  readonly passwordPolicy: PasswordPolicy;
  /** The user behind a token, or null when missing, disabled or not a valid id. */
  findActive(id: string): Promise<UserRecord | null>;
  /** Includes the password hash: for checking credentials only. */
  findForSignIn(username: string): Promise<UserWithPasswordHash | null>;
  findWithPasswordHash(id: Types.ObjectId): Promise<UserWithPasswordHash | null>;
  findById(id: string): Promise<UserRecord | null>;
  /** The active user with this email address (compared as normalized), or null. */
  findActiveByEmail(email: string): Promise<UserRecord | null>;
  /** Any user with this email address (normalized), active or not, or null. */
  findByEmail(email: string): Promise<UserRecord | null>;
  /** Throws BAD_USER_INPUT listing every field of a new user that `create` would refuse. */
  checkNewUser(input: NewUser): void;
  /** Throws BAD_USER_INPUT listing every problem with an address, a full name or a role list. */
  checkProfile(input: Pick<UserChanges, 'email' | 'fullName' | 'roles'>): void;
  /** Throws BAD_USER_INPUT (TAKEN) when the username, or a look-alike of it, is taken. */
  refuseTakenUsername(username: string): Promise<void>;
  /** Mails a new confirmation link; false when there is no unconfirmed address to confirm. */
  resendEmailVerification(caller: SignedInCaller): Promise<boolean>;
  /** `first` users after the cursor `after`, oldest first; the default page size when null. */
  list(first: number | null | undefined, after: string | null): Promise<UserPage>;
  count(): Promise<number>;
  create(
    input: NewUser,
    caller: Caller,
    options?: { skipPasswordPolicy?: boolean },
  ): Promise<UserRecord>;
  /**
   * Stores an account whose fields were checked when its link was asked for. The link is
   * INVALID_TOKEN when the account exists already (it was used) or another account has the
   * address now; a username taken meanwhile is TAKEN on `username`.
   */
  admit(account: AdmittedAccount): Promise<UserRecord>;
  /**
   * The caller's own change of full name or address (`updateMe`). A new address counts as a
   * request that sends mail, is unconfirmed until its link is followed, and the old one is told.
   */
  updateProfile(
    caller: SignedInCaller,
    changes: Pick<UserChanges, 'email' | 'fullName'>,
  ): Promise<UserRecord>;
  /** Changing roles or the disabled flag ends every session of the user. */
  update(id: string, changes: UserChanges, caller: Caller): Promise<UserRecord>;
  /**
   * Deletes the user, their sessions with them. The last active administrator cannot be deleted:
   * BAD_USER_INPUT on `id`, or FORBIDDEN (LAST_ADMINISTRATOR) for `ownAccount` (`deleteMe`).
   */
  delete(id: string, caller: Caller, options?: { ownAccount?: boolean }): Promise<void>;
  /**
   * Changes a password as one step under the user's lock: `decide` sees the stored hash and
   * returns the new one (or null to refuse), and the hash and the token version move in one
   * write. `stale` when the token version is no longer `expectedTokenVersion` (another change got
   * there first, or the user is gone). The caller ends the sessions.
   */
  replacePasswordHash(
    id: Types.ObjectId,
    expectedTokenVersion: number,
    decide: (storedHash: string) => Promise<string | null>,
  ): Promise<PasswordReplacement>;
  /** Swaps in a stronger hash of the same password, only if the stored one is still `previous`. */
  upgradePasswordHash(id: Types.ObjectId, previous: string, next: string): Promise<void>;
}

const LAST_ADMIN_PROBLEM: Problem = {
  reason: 'NOT_ALLOWED',
  message: 'would leave no active administrator',
};
const NO_ROLES_PROBLEM: Problem = { reason: 'REQUIRED', message: 'must list at least one role' };
// Every change that could remove an administrator holds this lock while it counts and writes.
const ADMINS_LOCK = 'users:admins';

function isActiveAdmin(user: Pick<UserRecord, 'roles' | 'disabled'>): boolean {
  return !user.disabled && user.roles.includes('ADMIN');
}

/** The problem with an optional field, as a list (empty when it is absent or fine). */
function optionalText(
  field: string,
  value: string | null | undefined,
  findProblem: (value: string) => Problem | null,
): FieldProblem[] {
  if (value === null || value === undefined) return [];
  const problem = findProblem(value);
  return problem ? [{ field, ...problem }] : [];
}

/** Refuses the input with every problem found, if any. */
function refuseAll(problems: readonly FieldProblem[]): void {
  const [first, ...rest] = problems;
  if (first) throw invalidInput([first, ...rest]);
}

function findFullNameProblem(fullName: string): Problem | null {
  if (fullName.length > FULL_NAME_MAX_LENGTH) {
    return {
      reason: 'TOO_LONG',
      message: `must be at most ${FULL_NAME_MAX_LENGTH} characters long`,
    };
  }
  return hasInvisibleOrControl(fullName)
    ? {
        reason: 'INVALID_CHARACTERS',
        message: 'must not contain control, format or invisible characters',
      }
    : null;
}

/** The stored form of a new account's names and address. */
function accountFields(input: {
  readonly username: string;
  readonly email?: string | null;
  readonly fullName?: string | null;
}) {
  return {
    username: input.username.normalize('NFKC'),
    usernameNormalized: normalizeIdentifier(input.username),
    usernameSkeleton: usernameSkeleton(input.username),
    ...(input.email
      ? { email: input.email, emailNormalized: normalizeIdentifier(input.email) }
      : {}),
    ...(input.fullName ? { fullName: input.fullName } : {}),
  };
}

function uniqueRoles(roles: readonly Role[]): Role[] {
  return [...new Set(roles)];
}

function sameRoles(a: readonly Role[], b: readonly Role[]): boolean {
  return a.length === b.length && a.every((role) => b.includes(role));
}

export function createUserService(deps: {
  store: UserStore;
  hasher: PasswordHasher;
  policy: PasswordPolicy;
  sessions: SessionService;
  audit: AuditService;
  locks: Locks;
  emailVerification: EmailVerification;
  mailThrottle: Pick<MailThrottle, 'admitRequest'>;
  sendNotice: (mail: NoticeMail, caller: Caller) => void;
}): UserService {
  const { store, hasher, policy, sessions, audit, locks, emailVerification } = deps;
  const { mailThrottle, sendNotice } = deps;
  const { model } = store;
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
        ? key === 'usernameNormalized' || key === 'usernameSkeleton'
        : username !== null &&
          (await model.exists({ usernameSkeleton: usernameSkeleton(username) })) !== null;
    throw badUserInput(usernameTaken ? 'username' : 'email', {
      reason: 'TAKEN',
      message: 'is already taken',
    });
  }

  function checkNewUser(input: NewUser, options: { skipPasswordPolicy?: boolean } = {}): void {
    const usernameProblem = findUsernameProblem(input.username);
    const passwordProblem = options.skipPasswordPolicy
      ? null
      : findPasswordProblem(input.password, policy);
    refuseAll([
      ...(usernameProblem ? [{ field: 'username', ...usernameProblem }] : []),
      ...(passwordProblem ? [{ field: 'password', ...passwordProblem }] : []),
      ...optionalText('email', input.email, findEmailProblem),
      ...optionalText('fullName', input.fullName, findFullNameProblem),
      ...(input.roles?.length === 0 ? [{ field: 'roles', ...NO_ROLES_PROBLEM }] : []),
    ]);
  }

  function checkProfile(input: Pick<UserChanges, 'email' | 'fullName' | 'roles'>): void {
    refuseAll([
      ...optionalText('email', input.email, findEmailProblem),
      ...optionalText('fullName', input.fullName, findFullNameProblem),
      ...(input.roles?.length === 0 ? [{ field: 'roles', ...NO_ROLES_PROBLEM }] : []),
    ]);
  }

  async function refuseIfLastAdmin(field: string): Promise<void> {
    if ((await countActiveAdmins()) <= 1) throw badUserInput(field, LAST_ADMIN_PROBLEM);
  }

  const service: UserService = {
    passwordPolicy: policy,
    findActive: (id) => store.findActive(id),

    findByEmail: (email) =>
      model.findOne({ emailNormalized: normalizeIdentifier(email) }).lean<UserRecord>(),

    checkNewUser,
    checkProfile,

    async refuseTakenUsername(username) {
      const taken = await model.exists({
        $or: [
          { usernameNormalized: normalizeIdentifier(username) },
          { usernameSkeleton: usernameSkeleton(username) },
        ],
      });
      if (taken) throw badUserInput('username', { reason: 'TAKEN', message: 'is already taken' });
    },

    async resendEmailVerification(caller) {
      const user = await model.findById(caller.user._id).lean<UserRecord>();
      if (!user?.email || user.emailVerified === true) return false;
      await mailThrottle.admitRequest(caller.ip);
      emailVerification.send(user, caller);
      return true;
    },

    findActiveByEmail: (email) =>
      model
        .findOne({ emailNormalized: normalizeIdentifier(email), disabled: false })
        .lean<UserRecord>(),

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
      const size = pageSize(first);
      const filter = after === null ? {} : { _id: trusted({ $gt: decodeIdCursor(after) }) };
      const rows = await model
        .find(filter)
        .sort({ _id: 1 })
        .limit(size + 1)
        .lean<UserRecord[]>();
      return { users: rows.slice(0, size), hasNextPage: rows.length > size };
    },

    // From the collection's metadata, not a scan of ten million users (see the SDL's caveats).
    count: () => model.estimatedDocumentCount(),

    async create(input, caller, options = {}) {
      checkNewUser(input, options);

      const passwordHash = await hasher.withPermit((permit) => hasher.hash(permit, input.password));
      const created = await insertOne(model, {
        ...accountFields(input),
        roles: uniqueRoles(input.roles ?? ['USER']),
        disabled: false,
        ...(input.mustChangePassword === true ? { mustChangePassword: true } : {}),
        passwordHash,
      }).catch((error: unknown) => rethrowDuplicate(error, input.username));
      const { passwordHash: _omitted, ...record } = created.toObject();
      await audit.record(caller, {
        action: 'USER_CREATED',
        outcome: 'success',
        targetId: record._id,
        details: { roles: record.roles },
      });
      return record;
    },

    async admit(account) {
      try {
        const created = await insertOne(model, {
          _id: account._id,
          ...accountFields(account),
          emailVerified: true,
          roles: uniqueRoles(account.roles),
          disabled: false,
          passwordHash: account.passwordHash,
        });
        const { passwordHash: _omitted, ...record } = created.toObject();
        return record;
      } catch (error) {
        if (isDuplicateKeyError(error) && (await model.exists({ _id: account._id }))) {
          throw invalidLinkToken();
        }
        return rethrowDuplicate(error, account.username).catch((refusal: unknown) => {
          throw isInputRefusal(refusal, 'email', 'TAKEN') ? invalidLinkToken() : refusal;
        });
      }
    },

    async updateProfile(caller, changes) {
      if (changes.email === null) {
        throw badUserInput('email', { reason: 'REQUIRED', message: 'cannot be removed' });
      }
      checkProfile(changes);
      const current = await model.findById(caller.user._id).lean<UserRecord>();
      if (!current) throw notFound('User');
      const moving = changes.email !== undefined && changes.email !== current.email;
      if (moving) await mailThrottle.admitRequest(caller.ip);
      const after = await service.update(
        current._id.toHexString(),
        { email: changes.email, fullName: changes.fullName },
        caller,
      );
      if (moving && current.email && current.emailNormalized && after.email) {
        sendNotice(
          {
            to: current.email,
            recipient: current.emailNormalized,
            userId: current._id,
            action: 'EMAIL_CHANGE_NOTIFIED',
            content: emailChangedMail({ username: current.username, newAddress: after.email }),
          },
          caller,
        );
      }
      const fields = (['fullName', 'email'] as const).filter(
        (field) => changes[field] !== undefined,
      );
      if (fields.length > 0) {
        await audit.record(caller, {
          action: 'PROFILE_UPDATED',
          outcome: 'success',
          details: { fields },
        });
      }
      return after;
    },

    async update(id, changes, caller) {
      const _id = parseObjectId(id, 'id');
      checkProfile(changes);
      const set: Record<string, unknown> = {};
      const unset: Record<string, 1> = {};
      if (changes.email === null) {
        Object.assign(unset, { email: 1, emailNormalized: 1, emailVerified: 1 });
      } else if (changes.email !== undefined) {
        Object.assign(set, {
          email: changes.email,
          emailNormalized: normalizeIdentifier(changes.email),
        });
      }
      if (changes.fullName === null) unset.fullName = 1;
      else if (changes.fullName !== undefined) set.fullName = changes.fullName;
      if (changes.roles != null) set.roles = uniqueRoles(changes.roles);
      if (changes.disabled != null) set.disabled = changes.disabled;
      if (changes.mustChangePassword === true) set.mustChangePassword = true;
      else if (changes.mustChangePassword === false) unset.mustChangePassword = 1;

      const write = (adminsLease?: Lease) =>
        store.withUserLock(_id, async (lease) => {
          const before = await model.findById(_id).lean<UserRecord>();
          if (!before) throw notFound('User');
          const roles = (set.roles as Role[] | undefined) ?? before.roles;
          const disabled = (set.disabled as boolean | undefined) ?? before.disabled;
          if (isActiveAdmin(before) && !isActiveAdmin({ roles, disabled })) {
            await refuseIfLastAdmin(set.disabled === true ? 'disabled' : 'roles');
          }
          const rolesChanged = !sameRoles(roles, before.roles);
          const disabledChanged = disabled !== before.disabled;
          // A new address is unconfirmed until its link is followed.
          // As written: mail goes to the address as written, so a look-alike is a new address.
          const emailChanged = set.email !== undefined && set.email !== before.email;
          if (emailChanged) set.emailVerified = false;
          // updateOne then a read, not findOneAndUpdate: FerretDB cannot project in
          // findAndModify, and the hash must stay out of the result. Roles and the flag are read
          // from the database on every request, so they apply at once; ending the sessions below
          // takes the tokens too.
          adminsLease?.assertHeld();
          lease.assertHeld();
          await model
            .updateOne({ _id }, { $set: set, $unset: unset })
            .catch((error: unknown) => rethrowDuplicate(error, null));
          const after = await model.findById(_id).lean<UserRecord>();
          if (!after) throw notFound('User');
          return { before, after, rolesChanged, disabledChanged, emailChanged };
        });
      // Changes that can remove an administrator take turns, so the count they check holds.
      const mayRemoveAdmin = set.roles !== undefined || set.disabled === true;
      const { before, after, rolesChanged, disabledChanged, emailChanged } = mayRemoveAdmin
        ? await locks.withLock(ADMINS_LOCK, write)
        : await write();

      if (rolesChanged || disabledChanged) {
        await sessions.endAll(_id, rolesChanged ? 'roles changed' : 'user disabled');
      }
      if (emailChanged) emailVerification.send(after, caller);
      const base = { outcome: 'success', targetId: _id } as const;
      if (rolesChanged) {
        await audit.record(caller, {
          ...base,
          action: 'USER_ROLES_CHANGED',
          details: { from: before.roles, to: after.roles },
        });
      }
      if (disabledChanged) {
        await audit.record(caller, {
          ...base,
          action: after.disabled ? 'USER_DISABLED' : 'USER_ENABLED',
        });
      }
      return after;
    },

    async delete(id, caller, options = {}) {
      const _id = parseObjectId(id, 'id');
      const deleted = await locks.withLock(ADMINS_LOCK, (adminsLease) =>
        store.withUserLock(_id, async (lease) => {
          const before = await model.findById(_id).lean<UserRecord>();
          if (!before) throw notFound('User');
          if (isActiveAdmin(before)) {
            if (options.ownAccount && (await countActiveAdmins()) <= 1) throw lastAdministrator();
            await refuseIfLastAdmin('id');
          }
          adminsLease.assertHeld();
          lease.assertHeld();
          await model.deleteOne({ _id });
          return before;
        }),
      );
      await sessions.endAll(_id, 'user deleted', { erase: true });
      await audit.record(caller, {
        action: 'USER_DELETED',
        outcome: 'success',
        targetId: _id,
        details: { username: deleted.username },
      });
    },

    replacePasswordHash(id, expectedTokenVersion, decide) {
      return store.withUserLock(id, async (lease): Promise<PasswordReplacement> => {
        const stored = await model
          .findById(id)
          .select('+passwordHash')
          .lean<UserWithPasswordHash>();
        if (stored?.tokenVersion !== expectedTokenVersion) return { kind: 'stale' };
        const passwordHash = await decide(stored.passwordHash);
        if (passwordHash === null) return { kind: 'refused' };
        lease.assertHeld();
        await model.updateOne(
          { _id: id },
          { $set: { passwordHash }, $unset: { mustChangePassword: 1 }, $inc: { tokenVersion: 1 } },
        );
        return { kind: 'changed', tokenVersion: expectedTokenVersion + 1 };
      });
    },

    async upgradePasswordHash(id, previous, next) {
      await store.withUserLock(id, async (lease) => {
        const current = await model
          .findById(id)
          .select('+passwordHash')
          .lean<UserWithPasswordHash>();
        // A password changed meanwhile wins over this upgrade of the old one.
        if (current?.passwordHash === previous) {
          lease.assertHeld();
          await model.updateOne({ _id: id }, { $set: { passwordHash: next } });
        }
      });
    },
  };
  return service;
}
