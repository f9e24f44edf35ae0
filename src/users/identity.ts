/**
 * Usernames and emails are unique regardless of case and Unicode form. The normalized form
 * (NFKC, then lower case) lives in its own uniquely indexed field, because FerretDB has no
 * collation and a case-insensitive regex would be both slow and injectable.
 */
export function normalizeIdentifier(value: string): string {
  return value.normalize('NFKC').toLowerCase();
}

const USERNAME_PATTERN = /^[\p{L}\p{N}._-]{3,64}$/u;
// Deliberately simple (one @, a dot in the domain, no spaces): the mailbox proves the rest.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

export const EMAIL_MAX_LENGTH = 254;
export const FULL_NAME_MAX_LENGTH = 200;

/** Returns why `username` is unacceptable, or null. */
export function findUsernameProblem(username: string): string | null {
  return USERNAME_PATTERN.test(username.normalize('NFKC'))
    ? null
    : 'must be 3 to 64 letters, digits, ".", "_" or "-"';
}

/** Returns why `email` is unacceptable, or null. */
export function findEmailProblem(email: string): string | null {
  return email.length <= EMAIL_MAX_LENGTH && EMAIL_PATTERN.test(email)
    ? null
    : 'must be a valid email address';
}
