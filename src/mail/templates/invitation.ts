import { actionMail, type MailContent } from './layout';

export function invitationMail(input: {
  readonly inviter: string;
  readonly link: string;
  readonly validFor: string;
}): MailContent {
  return actionMail({
    subject: 'You are invited to create an account',
    paragraphs: [
      `${input.inviter} invited you to create an account with this email address.`,
      `The link below works once, for ${input.validFor}: choose a username and a password there.`,
    ],
    action: { label: 'Accept the invitation', url: input.link },
    footer: 'If you did not expect this, ignore this message: no account exists until you accept.',
  });
}
