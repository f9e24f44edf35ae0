import { dictionary } from '@zxcvbn-ts/language-common';
import type { Problem } from '../errors';

/** The longest password accepted anywhere, in Unicode code points (ASVS 5: at least 64 allowed). */
export const PASSWORD_MAX_LENGTH = 128;

/** No configuration may lower the minimum below this (ASVS 5 V6.2.1 allows 8 only with MFA). */
export const PASSWORD_MIN_LENGTH_FLOOR = 8;

export interface PasswordPolicy {
  readonly minLength: number;
  readonly maxLength: number;
}

// The ~49k most common passwords from the xato corpus (ranked, lower case), shipped by zxcvbn-ts.
let commonPasswords: ReadonlySet<string> | undefined;

function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(dictionary['passwords-common']);
  return commonPasswords.has(password.normalize('NFKC').toLowerCase());
}

/** The length the policy measures: code points, so an emoji counts once and nothing is truncated. */
export function passwordLength(password: string): number {
  let length = 0;
  for (const _ of password) length += 1;
  return length;
}

/**
 * Returns why `password` breaks the policy (a phrase to follow the field's name), or null when it is acceptable. There are no
 * composition rules (ASVS 5 V6.2.5); length and the common-password list are what count.
 */
export function findPasswordProblem(password: string, policy: PasswordPolicy): Problem | null {
  const length = passwordLength(password);
  if (length < policy.minLength) {
    return { reason: 'TOO_SHORT', message: `must be at least ${policy.minLength} characters long` };
  }
  if (length > policy.maxLength) {
    return { reason: 'TOO_LONG', message: `must be at most ${policy.maxLength} characters long` };
  }
  if (isCommonPassword(password)) {
    return {
      reason: 'TOO_COMMON',
      message: 'is too common; choose a longer, less predictable one',
    };
  }
  return null;
}
