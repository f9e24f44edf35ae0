import { noticeMail, type MailContent } from './layout';

/** `a***@example.com`: enough for the owner to recognise, not the whole address. */
function masked(address: string): string {
  const at = address.lastIndexOf('@');
  return at <= 0 ? '***' : `${address[0] ?? ''}***${address.slice(at)}`;
}

/** To an account's old address, once the address was changed. */
export function emailChangedMail(input: {
  readonly username: string;
  readonly newAddress: string;
}): MailContent {
  return noticeMail({
    subject: 'Your email address was changed',
    paragraphs: [
      `The email address of the account ${input.username} was changed to ${masked(input.newAddress)}.`,
      'Messages about the account, password reset links included, now go to the new address.',
    ],
    footer:
      'If you did not make this change, someone may have your password: ask an administrator to secure the account.',
  });
}
