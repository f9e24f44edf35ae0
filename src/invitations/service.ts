import { trusted, Types } from 'mongoose';
import type { LinkMail } from '../account-tokens/mailing';
import type { AccountTokens } from '../account-tokens/service';
import type { AuditService } from '../audit/service';
import type { Caller, SignedInCaller } from '../caller';
import { isDuplicateKeyError } from '../db/errors';
import { decodeIdCursor, pageSize, toObjectId } from '../db/ids';
import { insertOne } from '../db/insert';
import { badUserInput, featureOff, invalidLinkToken } from '../errors';
import type { Mailer } from '../mail/mailer';
import { spokenDuration } from '../mail/templates/duration';
import { invitationMail } from '../mail/templates/invitation';
import type { PasswordHasher } from '../passwords/hasher';
import type { SignUpMode } from '../sign-up/service';
import type { MailThrottle } from '../throttling/mail';
import { normalizeIdentifier } from '../users/identity';
import type { UserRecord } from '../users/model';
import type { Role } from '../users/roles';
import type { UserService } from '../users/service';
import type { InvitationModel, InvitationRecord } from './model';

export interface Invitee {
  readonly email: string;
  readonly roles?: readonly Role[] | null;
  readonly fullName?: string | null;
}

export interface InvitationPage {
  readonly invitations: readonly InvitationRecord[];
  readonly hasNextPage: boolean;
}

/** Accounts an administrator invites by mail (SIGNUP_MODE=invite or open). */
export interface Invitations {
  /** Makes or renews the address's invitation and mails it a link (after the answer). */
  invite(input: Invitee, caller: SignedInCaller): Promise<InvitationRecord>;
  /** The pending invitations after the cursor `after`, oldest first. */
  list(first: number | null | undefined, after: string | null): Promise<InvitationPage>;
  /** Ends an invitation and its link; false when there is none with this id. */
  revoke(id: string, caller: SignedInCaller): Promise<boolean>;
  /**
   * Creates the invited account with the chosen username and password, its address confirmed.
   * INVALID_TOKEN for a link that cannot be used; a taken username leaves the link usable.
   */
  accept(token: string, username: string, password: string, caller: Caller): Promise<UserRecord>;
  purgeExpired(): Promise<void>;
}

const pending = () => ({ expiresAt: trusted({ $gt: new Date() }) });

export function createInvitations(deps: {
  model: InvitationModel;
  mode: SignUpMode;
  ttlSeconds: number;
  users: UserService;
  hasher: PasswordHasher;
  accountTokens: AccountTokens;
  mailThrottle: Pick<MailThrottle, 'admitRequest'>;
  sendLink: (mail: LinkMail, caller: Caller) => void;
  mailer: Pick<Mailer, 'link'>;
  audit: AuditService;
}): Invitations {
  const { model, mode, ttlSeconds, users, hasher, accountTokens, sendLink, mailer, audit } = deps;
  const { mailThrottle } = deps;

  /** The address's invitation with these terms: updated when there is one, else a new one. */
  async function store(
    emailNormalized: string,
    terms: Omit<InvitationRecord, '_id' | 'emailNormalized' | 'createdAt' | 'updatedAt'>,
    retried = false,
  ): Promise<InvitationRecord> {
    const existing = await model.findOne({ emailNormalized }).lean<InvitationRecord>();
    if (existing) {
      await model.updateOne(
        { _id: existing._id },
        terms.fullName ? { $set: terms } : { $set: terms, $unset: { fullName: 1 } },
      );
      const updated = await model.findById(existing._id).lean<InvitationRecord>();
      if (updated) return updated;
    }
    try {
      const created = await insertOne(model, {
        _id: new Types.ObjectId(),
        emailNormalized,
        ...terms,
      });
      return created.toObject<InvitationRecord>();
    } catch (error) {
      // Another request invited the address at the same moment: update theirs instead.
      if (retried || !isDuplicateKeyError(error)) throw error;
      return store(emailNormalized, terms, true);
    }
  }

  return {
    async invite(input, caller) {
      if (mode === 'closed') throw featureOff('Invitations');
      users.checkProfile(input);
      const emailNormalized = normalizeIdentifier(input.email);
      // Administrators may know which addresses have accounts.
      if (await users.findByEmail(emailNormalized)) {
        throw badUserInput('email', { reason: 'TAKEN', message: 'already has an account' });
      }
      await mailThrottle.admitRequest(caller.ip);
      const invitation = await store(emailNormalized, {
        email: input.email,
        ...(input.fullName ? { fullName: input.fullName } : {}),
        roles: [...new Set<Role>(input.roles ?? ['USER'])],
        invitedBy: caller.user._id,
        expiresAt: new Date(Date.now() + ttlSeconds * 1000),
      });
      const inviter = caller.user.fullName ?? caller.user.username;
      sendLink(
        {
          to: invitation.email,
          recipient: emailNormalized,
          userId: invitation._id,
          purpose: 'INVITATION',
          ttlSeconds,
          bindToAddress: true,
          action: 'USER_INVITED',
          auditAs: 'target',
          compose: (token) =>
            invitationMail({
              inviter,
              link: mailer.link('/accept-invitation', { token }),
              validFor: spokenDuration(ttlSeconds),
            }),
        },
        caller,
      );
      return invitation;
    },

    async list(first, after) {
      const size = pageSize(first);
      const filter =
        after === null ? pending() : { ...pending(), _id: trusted({ $gt: decodeIdCursor(after) }) };
      const rows = await model
        .find(filter)
        .sort({ _id: 1 })
        .limit(size + 1)
        .lean<InvitationRecord[]>();
      return { invitations: rows.slice(0, size), hasNextPage: rows.length > size };
    },

    async revoke(id, caller) {
      const _id = toObjectId(id);
      if (_id === null) return false;
      const { deletedCount } = await model.deleteOne({ _id });
      await accountTokens.revoke(_id, 'INVITATION');
      if (deletedCount === 0) return false;
      await audit.record(caller, {
        action: 'INVITATION_REVOKED',
        outcome: 'success',
        targetId: _id,
      });
      return true;
    },

    async accept(token, username, password, caller) {
      if (mode === 'closed') throw featureOff('Invitations');
      // The choices first: a refused one must not use up the link.
      users.checkNewUser({ username, password });
      const found = await accountTokens.inspect(token, ['INVITATION']);
      const invitation =
        found &&
        (await model.findOne({ _id: found.userId, ...pending() }).lean<InvitationRecord>());
      if (!invitation || found.email !== invitation.emailNormalized) throw invalidLinkToken();
      await users.refuseTakenUsername(username);
      const passwordHash = await hasher.withPermit(
        (permit) => hasher.hash(permit, password),
        caller.gone,
      );
      // Revoked or changed while the password was hashed: the link no longer stands for it.
      const unchanged = await model.exists({
        _id: invitation._id,
        updatedAt: invitation.updatedAt,
      });
      if (!unchanged) throw invalidLinkToken();
      // The account's id is the invitation's: of two uses of one link, only one can make it.
      const user = await users.admit({
        _id: invitation._id,
        username,
        email: invitation.email,
        fullName: invitation.fullName ?? null,
        roles: invitation.roles,
        passwordHash,
      });
      await accountTokens.consume(token, 'INVITATION');
      await model.deleteOne({ _id: invitation._id });
      await audit.record(caller, {
        action: 'INVITATION_ACCEPTED',
        outcome: 'success',
        actorId: user._id,
        details: { roles: user.roles },
      });
      return user;
    },

    async purgeExpired() {
      await model.deleteMany({ expiresAt: trusted({ $lt: new Date() }) });
    },
  };
}
