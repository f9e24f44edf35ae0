import { CombinedGraphQLErrors } from '@apollo/client';
import type { ReactNode } from 'react';
import { PasskeyFailure } from './passkeys';

/**
 * What a failed request says to the user, decided by the API's error codes and reasons (its
 * public contract), never by its messages.
 */
export interface Refusal {
  /**
   * `extensions.code`; NETWORK when no GraphQL answer came back; PASSKEY when the browser's
   * passkey ceremony failed (the reason is the browser's).
   */
  readonly code: string;
  /** `extensions.reason`, or the first refused field's reason for BAD_USER_INPUT. */
  readonly reason: string | null;
  /** For BAD_USER_INPUT: every refused input field with its reason. */
  readonly fields: readonly { readonly field: string; readonly reason: string }[];
  readonly retryAfter: number | null;
}

export function refusalOf(error: unknown): Refusal {
  if (error instanceof PasskeyFailure) {
    return { code: 'PASSKEY', reason: error.reason, fields: [], retryAfter: null };
  }
  const first = CombinedGraphQLErrors.is(error) ? error.errors[0] : undefined;
  if (first === undefined) return { code: 'NETWORK', reason: null, fields: [], retryAfter: null };
  const extensions = first.extensions ?? {};
  const fields = Array.isArray(extensions.fields) ? (extensions.fields as Refusal['fields']) : [];
  const reason = typeof extensions.reason === 'string' ? extensions.reason : null;
  return {
    code: typeof extensions.code === 'string' ? extensions.code : 'INTERNAL_SERVER_ERROR',
    reason: reason ?? fields[0]?.reason ?? null,
    fields,
    retryAfter: typeof extensions.retryAfter === 'number' ? extensions.retryAfter : null,
  };
}

/** Whether the API refused `field` for `reason` (BAD_USER_INPUT's `extensions.fields`). */
export function refusedFor(refusal: Refusal, field: string, reason: string): boolean {
  return refusal.fields.some((refused) => refused.field === field && refused.reason === reason);
}

const FIELD_NAMES: Record<string, string> = {
  username: 'The username',
  password: 'The password',
  newPassword: 'The new password',
  currentPassword: 'The current password',
  email: 'The email address',
  fullName: 'The full name',
  token: 'This link',
  code: 'The code',
  name: 'The name',
  response: 'The passkey',
};

const INPUT_REASONS: Record<string, string> = {
  REQUIRED: 'is required',
  TOO_SHORT: 'is too short',
  TOO_LONG: 'is too long',
  TOO_COMMON: 'is one of the most common passwords: choose another',
  TAKEN: 'is taken',
  INVALID_FORMAT: 'is not in the right form',
  INVALID_CHARACTERS: 'holds characters that are not allowed',
  NOT_ALLOWED: 'is not allowed',
  UNCHANGED: 'must differ from the current one',
  INCORRECT: 'is not right',
  INVALID_TOKEN: 'is invalid, expired or already used: ask for a new one',
};

const REASONS: Record<string, string> = {
  BAD_CREDENTIALS: 'Incorrect username or password.',
  EMAIL_NOT_VERIFIED: 'Confirm your email address first: follow the link we mailed you.',
  FEATURE_OFF: 'This is turned off on this server.',
  PASSWORD_CHANGE_REQUIRED: 'Choose a new password first.',
  MFA_ENROLLMENT_REQUIRED: 'Set up a second factor first: an authenticator app or a passkey.',
  MFA_REQUIRED: 'Sign in with your second factor to do this.',
  MFA_CHALLENGE_INVALID: 'This sign-in has expired or was interrupted: sign in again.',
  // The browser's answers when a passkey ceremony does not complete.
  NotAllowedError: 'No passkey was used: it was cancelled, timed out, or none is on this device.',
  ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED: 'This device already holds a passkey for you.',
  ERROR_INVALID_DOMAIN: 'Passkeys need a secure address (https, or localhost).',
  ERROR_INVALID_RP_ID: 'Passkeys for this API are not set up for this address.',
};

const CODES: Record<string, string> = {
  NETWORK: 'Could not reach the API',
  UNAUTHENTICATED: 'Please sign in again.',
  FORBIDDEN: 'You are not allowed to do this.',
  RATE_LIMITED: 'Too many attempts: wait a little and try again.',
  CONFLICT: 'This changed meanwhile: reload the page.',
  PASSKEY: 'The passkey did not answer: try again, or sign in another way.',
};

export function describeRefusal(refusal: Refusal): string {
  if (refusal.code === 'BAD_USER_INPUT' && refusal.fields.length > 0) {
    return refusal.fields
      .map(
        ({ field, reason }) =>
          `${FIELD_NAMES[field] ?? field} ${INPUT_REASONS[reason] ?? 'is not accepted'}.`,
      )
      .join(' ');
  }
  if (refusal.code === 'RATE_LIMITED' && refusal.retryAfter !== null) {
    return `Too many attempts: try again in ${refusal.retryAfter} s.`;
  }
  return (
    (refusal.reason !== null ? REASONS[refusal.reason] : undefined) ??
    CODES[refusal.code] ??
    `Something went wrong (${refusal.code}).`
  );
}

/**
 * A failed request, shown: the words for the user, and the code and reason as data attributes
 * for anything that must act on them (tests included). `children` replaces the words.
 */
export function Problem({ error, children }: { error: unknown; children?: ReactNode }) {
  const refusal = refusalOf(error);
  return (
    <p role="alert" data-code={refusal.code} data-reason={refusal.reason ?? undefined}>
      {children ?? describeRefusal(refusal)}
    </p>
  );
}
