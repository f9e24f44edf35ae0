import { actionMail, type MailContent } from './layout';

export function passwordResetMail(input: {
  readonly username: string;
  readonly link: string;
  readonly validFor: string;
}): MailContent {
  return actionMail({
    subject: 'Reset your password',
    paragraphs: [
      `Someone asked to reset the password of the account ${input.username}.`,
      `The link below works once, for ${input.validFor}. Using it signs the account out everywhere.`,
    ],
    action: { label: 'Choose a new password', url: input.link },
    footer: 'If you did not ask for this, ignore this message: your password stays as it is.',
  });
}
