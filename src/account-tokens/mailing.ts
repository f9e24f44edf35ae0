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

/**
 * Mails a message with a fresh token in its link, after the request that caused it has been
 * answered: within the recipient's hourly limit, and with the outcome audited (`success`,
 * `failure` when the mail server did not take it, `denied` past the limit). Never throws: a
 * failure is logged, without the message or its link, and the user can ask again.
 */
export function createLinkMailer(deps: {
  accountTokens: AccountTokens;
  mailer: Mailer;
  mailThrottle: MailThrottle;
  audit: AuditService;
  logger: Logger;
}): (mail: LinkMail, caller: Caller) => void {
  const { accountTokens, mailer, mailThrottle, audit, logger } = deps;

  async function send(mail: LinkMail, caller: Caller): Promise<void> {
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
    const token = await accountTokens.issue(
      mail.purpose,
      mail.userId,
      mail.ttlSeconds,
      mail.bindToAddress ? mail.recipient : undefined,
    );
    try {
      await mailer.send({ to: mail.to, ...mail.compose(token) });
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

  return (mail, caller) => {
    send(mail, caller).catch((error: unknown) => {
      logger.error({ err: error, requestId: caller.requestId }, 'could not mail a link');
    });
  };
}
