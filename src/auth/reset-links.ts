import type { LinkMail, NoticeMail } from '../account-tokens/mailing';
import type { Caller } from '../caller';
import type { Mailer } from '../mail/mailer';
import { spokenDuration } from '../mail/templates/duration';
import { signUpAttemptMail } from '../mail/templates/email-verification';
import { passwordResetMail } from '../mail/templates/password-reset';
import type { UserRecord } from '../users/model';

/** Why an account is mailed a reset link: it asked for one, or someone signed up as it. */
export type ResetLinkOccasion = 'PASSWORD_RESET_REQUESTED' | 'SIGN_UP_ADDRESS_TAKEN';

/**
 * Mails an account a password reset link, after the answer. The link is bound to the address it
 * goes to: one mailed to an address the account no longer has must not work.
 */
export type ResetLinkMailer = (
  owner: Pick<UserRecord, '_id' | 'username' | 'email' | 'emailNormalized'>,
  occasion: ResetLinkOccasion,
  caller: Caller,
) => void;

export function createResetLinkMailer(deps: {
  sendLink: (mail: LinkMail, caller: Caller) => void;
  sendNotice: (mail: NoticeMail, caller: Caller) => void;
  mailer: Pick<Mailer, 'link'>;
  /** PASSWORD_RESET and PASSWORD_RESET_TTL: with reset off, a link would lead nowhere. */
  settings: { readonly enabled: boolean; readonly ttlSeconds: number };
}): ResetLinkMailer {
  const { sendLink, sendNotice, mailer, settings } = deps;
  const { ttlSeconds } = settings;
  return (owner, occasion, caller) => {
    if (!owner.email || !owner.emailNormalized) return;
    if (!settings.enabled) {
      if (occasion === 'SIGN_UP_ADDRESS_TAKEN') {
        sendNotice(
          {
            to: owner.email,
            recipient: owner.emailNormalized,
            userId: owner._id,
            action: occasion,
            content: signUpAttemptMail({ link: null }),
          },
          caller,
        );
      }
      return;
    }
    sendLink(
      {
        to: owner.email,
        recipient: owner.emailNormalized,
        userId: owner._id,
        purpose: 'PASSWORD_RESET',
        ttlSeconds,
        bindToAddress: true,
        action: occasion,
        compose: (token) => {
          const link = mailer.link('/reset-password', { token });
          return occasion === 'SIGN_UP_ADDRESS_TAKEN'
            ? signUpAttemptMail({ link })
            : passwordResetMail({
                username: owner.username,
                link,
                validFor: spokenDuration(ttlSeconds),
              });
        },
      },
      caller,
    );
  };
}
