import type { Types } from 'mongoose';
import type { AuditService } from '../audit/service';
import type { Caller } from '../caller';
import type { Logger } from '../logger';
import type { Mailer } from '../mail/mailer';
import type { MailContent } from '../mail/templates/layout';
import type { MailThrottle } from '../throttling/mail';
import type { AccountTokenPurpose } from './model';
import type { AccountTokens } from './service';

/** The audit actions of messages that carry a link. */
export type LinkMailAction =
  'PASSWORD_RESET_REQUESTED' | 'EMAIL_VERIFICATION_SENT' | 'SIGN_UP_ADDRESS_TAKEN' | 'USER_INVITED';

export interface LinkMail {
  readonly to: string;
  /** The normalized address, for the per-recipient limit and the token's binding. */
  readonly recipient: string;
  readonly userId: Types.ObjectId;
  readonly purpose: AccountTokenPurpose;
  readonly ttlSeconds: number;
  /** Binds the token to the recipient's address (an email verification). */
  readonly bindToAddress: boolean;
  readonly action: LinkMailAction;
  /**
   * Whom the audit event names as `userId`: the actor (the default: the user the mail is for),
   * or the target (an invitation, sent by the signed-in administrator).
   */
  readonly auditAs?: 'actor' | 'target';
  readonly compose: (token: string) => MailContent;
}

/** The audit actions of messages that only tell the user something. */
export type NoticeMailAction = 'EMAIL_CHANGE_NOTIFIED' | 'SIGN_UP_ADDRESS_TAKEN';

/** A message with nothing to follow: it tells the user what happened to their account. */
export interface NoticeMail {
  readonly to: string;
  /** The normalized address, for the per-recipient limit. */
  readonly recipient: string;
  readonly userId: Types.ObjectId;
  readonly action: NoticeMailAction;
  readonly content: MailContent;
}

export interface AccountMail {
  readonly sendLink: (mail: LinkMail, caller: Caller) => void;
  readonly sendNotice: (mail: NoticeMail, caller: Caller) => void;
}

/**
 * Mails the messages about an account, after the request that caused them has been answered:
 * within the recipient's hourly limit, and with the outcome audited (`success`, `failure` when
 * the mail server did not take it, `denied` past the limit). A link carries a fresh token, made
 * only once the message may go. Never throws: a failure is logged, without the message or its
 * link, and the user can ask again.
 */
export function createAccountMail(deps: {
  accountTokens: AccountTokens;
  mailer: Mailer;
  mailThrottle: MailThrottle;
  audit: AuditService;
  logger: Logger;
}): AccountMail {
  const { accountTokens, mailer, mailThrottle, audit, logger } = deps;

  async function send(
    mail: Pick<LinkMail, 'to' | 'recipient' | 'userId' | 'auditAs'> & {
      readonly action: LinkMailAction | NoticeMailAction;
    },
    caller: Caller,
    compose: () => Promise<MailContent>,
  ): Promise<void> {
    const event =
      mail.auditAs === 'target'
        ? { action: mail.action, targetId: mail.userId }
        : { action: mail.action, actorId: mail.userId };
    if (!(await mailThrottle.admitRecipient(mail.recipient))) {
      await audit.record(caller, {
        ...event,
        outcome: 'denied',
        details: { reason: 'too many messages to this address' },
      });
      return;
    }
    const content = await compose();
    try {
      await mailer.send({ to: mail.to, ...content });
    } catch (error) {
      // The error's code and the server's answer only: nothing of the message (or its link).
      const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
      logger.warn(
        { requestId: caller.requestId, userId: mail.userId.toHexString(), code, responseCode },
        'could not send a mail',
      );
      await audit.record(caller, {
        ...event,
        outcome: 'failure',
        details: { reason: 'the mail server did not take the message' },
      });
      return;
    }
    await audit.record(caller, { ...event, outcome: 'success' });
  }

  const inBackground = (work: Promise<void>, caller: Caller) => {
    work.catch((error: unknown) => {
      logger.error({ err: error, requestId: caller.requestId }, 'could not mail a message');
    });
  };

  return {
    sendLink: (mail, caller) =>
      inBackground(
        send(mail, caller, async () =>
          mail.compose(
            await accountTokens.issue(
              mail.purpose,
              mail.userId,
              mail.ttlSeconds,
              mail.bindToAddress ? mail.recipient : undefined,
            ),
          ),
        ),
        caller,
      ),
    sendNotice: (mail, caller) =>
      inBackground(
        send(mail, caller, () => Promise.resolve(mail.content)),
        caller,
      ),
  };
}
