import { Secret, TOTP } from 'otpauth';
import { toDataURL } from 'qrcode';

/**
 * The only module that imports otpauth and qrcode. RFC 6238 as every authenticator app speaks
 * it: SHA-1, 6 digits, 30-second steps, and one step of drift accepted either way.
 */

const PERIOD_SECONDS = 30;
const DIGITS = 6;
const DRIFT_STEPS = 1;
/** 160 bits: RFC 4226's recommended length for an HMAC-SHA-1 key. */
const SECRET_BYTES = 20;

const CODE_PATTERN = /^\d{6}$/;

function totpOf(secret: string, issuer = '', label = ''): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** A fresh random secret, base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The `otpauth://totp/...` URI an authenticator app reads from a QR code. */
export function totpUri(secret: string, issuer: string, accountName: string): string {
  return totpOf(secret, issuer, accountName).toString();
}

/** The URI as a QR code image, a `data:image/png;base64,...` URL. */
export function qrCodeDataUrl(uri: string): Promise<string> {
  return toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
}

/** Whether `code` has the form of a TOTP code (six digits). */
export function isTotpCode(code: string): boolean {
  return CODE_PATTERN.test(code);
}

/**
 * The time step whose code `code` is, within one step of `now` either way, or null. The step
 * names the code, so a caller can refuse a code used before.
 */
export function matchingStep(secret: string, code: string, now = Date.now()): number | null {
  if (!isTotpCode(code)) return null;
  const delta = totpOf(secret).validate({ token: code, timestamp: now, window: DRIFT_STEPS });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}
