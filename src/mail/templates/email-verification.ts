import { actionMail, noticeMail, type MailContent } from './layout';

export function emailVerificationMail(input: {
  readonly username: string;
  readonly link: string;
  readonly validFor: string;
}): MailContent {
  return actionMail({
    subject: 'Confirm your email address',
    paragraphs: [
      `Please confirm that this address belongs to the account ${input.username}.`,
      `The link below works once, for ${input.validFor}.`,
    ],
    action: { label: 'Confirm this address', url: input.link },
    footer: 'If you did not expect this, ignore this message: nothing changes until you confirm.',
  });
}

/**
 * To the owner of an address someone tried to sign up with again: no account is revealed. With a
 * reset link when password reset is on; a plain notice otherwise.
 */
export function signUpAttemptMail(input: { readonly link: string | null }): MailContent {
  if (input.link === null) {
    return noticeMail({
      subject: 'Someone tried to sign up with your address',
      paragraphs: [
        'Someone tried to create an account with this email address, which already has one.',
        'If it was you, sign in instead.',
      ],
      footer: 'If it was not you, ignore this message: nothing was changed.',
    });
  }
  return actionMail({
    subject: 'Someone tried to sign up with your address',
    paragraphs: [
      'Someone tried to create an account with this email address, which already has one.',
      'If it was you, sign in instead, or reset your password if you have forgotten it.',
    ],
    action: { label: 'Reset your password', url: input.link },
    footer: 'If it was not you, ignore this message: nothing was changed.',
  });
}
