import unhomoglyph from 'unhomoglyph';
import type { Problem } from '../errors';
import { hasInvisibleOrControl } from '../text';

/**
 * Usernames and emails are unique regardless of case and Unicode form. The normalized form
 * (NFKC, then lower case) lives in its own uniquely indexed field, because FerretDB has no
 * collation and a case-insensitive regex would be both slow and injectable.
 */
export function normalizeIdentifier(value: string): string {
  return value.normalize('NFKC').toLowerCase();
}

const COMBINING_MARKS = /\p{Mn}/gu;

/** Lower case, decomposed, diacritics dropped, each look-alike replaced by its prototype. */
function foldOnce(value: string): string {
  const bare = value.toLowerCase().normalize('NFD').replace(COMBINING_MARKS, '');
  return unhomoglyph(bare).normalize('NFD').replace(COMBINING_MARKS, '');
}

/**
 * The username's confusable skeleton: Unicode UTS #39's skeleton (the confusables.txt mapping,
 * from the unhomoglyph package) of its case-mapped form, with diacritics dropped and the mapping
 * applied until it settles. Two usernames that look alike share a skeleton ("skid", "skıd",
 * "skİd", Cyrillic "ѕkіd", "ｓｋｉｄ"), so a unique index on it refuses look-alikes as taken.
 * Never shown: it is for comparison only.
 */
export function usernameSkeleton(username: string): string {
  return foldOnce(foldOnce(username.normalize('NFKC')));
}

const USERNAME_PATTERN = /^[\p{L}\p{N}._-]{3,64}$/u;
// Deliberately simple (one @, a dot in the domain, no spaces): the mailbox proves the rest.
// One mailbox: no list separators, display-name brackets, quotes or comments (which a mailer
// would read as more, or other, recipients than the address the rules were applied to).
const EMAIL_PATTERN = /^[^\s@,;<>"()[\]\\]+@[^\s@,;<>"()[\]\\]+\.[^\s@,;<>"()[\]\\]+$/u;

export const EMAIL_MAX_LENGTH = 254;
export const FULL_NAME_MAX_LENGTH = 200;

/** Returns why `username` is unacceptable, or null. */
export function findUsernameProblem(username: string): Problem | null {
  const normalized = username.normalize('NFKC');
  if (USERNAME_PATTERN.test(normalized)) return null;
  const length = [...normalized].length;
  return {
    reason: length < 3 ? 'TOO_SHORT' : length > 64 ? 'TOO_LONG' : 'INVALID_CHARACTERS',
    message: 'must be 3 to 64 letters, digits, ".", "_" or "-"',
  };
}

/** Returns why `email` is unacceptable, or null. */
export function findEmailProblem(email: string): Problem | null {
  const message = 'must be a valid email address';
  if (email.length > EMAIL_MAX_LENGTH) return { reason: 'TOO_LONG', message };
  if (hasInvisibleOrControl(email)) return { reason: 'INVALID_CHARACTERS', message };
  return EMAIL_PATTERN.test(email) ? null : { reason: 'INVALID_FORMAT', message };
}
