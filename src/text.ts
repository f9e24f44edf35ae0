/**
 * Control and format characters (NUL, ESC, C1 controls, bidirectional overrides, zero-width
 * joiners and spaces...), lone surrogates and line or paragraph separators: invisible, or able to
 * reorder or break what is shown around them. No stored text may hold one.
 */
const INVISIBLE_OR_CONTROL = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const INVISIBLE_OR_CONTROL_ALL = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/** True when `text` holds a character that must never be stored. */
export function hasInvisibleOrControl(text: string): boolean {
  return INVISIBLE_OR_CONTROL.test(text);
}

/**
 * Text a client chose but cannot be refused for (the name a failed sign-in tried, a user agent),
 * made safe to store and show: every such character becomes U+FFFD, and the length is capped.
 */
export function storableText(text: string, maxLength: number): string {
  return text.replace(INVISIBLE_OR_CONTROL_ALL, '\uFFFD').slice(0, maxLength);
}
