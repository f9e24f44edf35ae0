import type { Types } from 'mongoose';
import type { LinkMail } from '../account-tokens/mailing';
import type { AccountTokens } from '../account-tokens/service';
import type { AuditService } from '../audit/service';
import type { Caller } from '../caller';
import { invalidLinkToken } from '../errors';
import type { Mailer } from '../mail/mailer';
import { spokenDuration } from '../mail/templates/duration';
import { emailVerificationMail } from '../mail/templates/email-verification';
import type { UserRecord } from './model';
import type { UserStore } from './store';

/** EMAIL_VERIFICATION_TTL and REQUIRE_VERIFIED_EMAIL. */
export interface EmailVerificationSettings {
  readonly ttlSeconds: number;
  /** Accounts with an unconfirmed address cannot sign in. */
  readonly required: boolean;
}

export interface EmailVerification {
  /** After the answer: mails the user a link to confirm their address, if they have one. */
  send(
    user: Pick<UserRecord, '_id' | 'username' | 'email' | 'emailNormalized'>,
    caller: Caller,
  ): void;
  /** Confirms the address a link was mailed to; INVALID_TOKEN when it cannot. */
  verify(token: string, caller: Caller): Promise<void>;
  /**
   * Marks `email` (normalized) confirmed for the user while it is still their address: a link
   * mailed to it was followed (a password reset proves the mailbox too). False when it is not.
   */
  confirm(userId: Types.ObjectId, email: string): Promise<boolean>;
}

export function createEmailVerification(deps: {
  store: UserStore;
  accountTokens: AccountTokens;
  sendLink: (mail: LinkMail, caller: Caller) => void;
  mailer: Pick<Mailer, 'link'>;
  audit: AuditService;
  settings: EmailVerificationSettings;
}): EmailVerification {
  const { store, accountTokens, sendLink, mailer, audit, settings } = deps;

  // Only while the account still has the address the link was sent to.
  const confirm = (userId: Types.ObjectId, email: string) =>
    store.withUserLock(userId, async (lease) => {
      lease.assertHeld();
      const result = await store.model.updateOne(
        { _id: userId, emailNormalized: email, disabled: false },
        { $set: { emailVerified: true } },
      );
      return result.matchedCount === 1;
    });

  return {
    send(user, caller) {
      if (!user.email || !user.emailNormalized) return;
      sendLink(
        {
          to: user.email,
          recipient: user.emailNormalized,
          userId: user._id,
          purpose: 'EMAIL_VERIFICATION',
          ttlSeconds: settings.ttlSeconds,
          bindToAddress: true,
          action: 'EMAIL_VERIFICATION_SENT',
          compose: (token) =>
            emailVerificationMail({
              username: user.username,
              link: mailer.link('/verify-email', { token }),
              validFor: spokenDuration(settings.ttlSeconds),
            }),
        },
        caller,
      );
    },

    async verify(token, caller) {
      const spent = await accountTokens.consume(token, 'EMAIL_VERIFICATION');
      if (!spent?.email || !(await confirm(spent.userId, spent.email))) throw invalidLinkToken();
      await audit.record(caller, {
        action: 'EMAIL_VERIFIED',
        outcome: 'success',
        actorId: spent.userId,
      });
    },

    confirm,
  };
}
