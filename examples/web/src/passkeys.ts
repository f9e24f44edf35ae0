import {
  startAuthentication,
  startRegistration,
  WebAuthnError,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';

/**
 * The only module that imports @simplewebauthn/browser. The API hands out WebAuthn options as a
 * JSON string and takes the browser's answer back as one; in between, the browser asks the
 * authenticator, and the user may cancel, time out or have no passkey to offer.
 */

/** A passkey ceremony the browser did not complete; `reason` is what problems.tsx shows. */
export class PasskeyFailure extends Error {
  /** @simplewebauthn's `WebAuthnError` code, or the browser's `DOMException` name. */
  readonly reason: string;

  constructor(cause: unknown) {
    const reason = reasonOf(cause);
    super(`the passkey ceremony failed: ${reason}`, { cause });
    this.name = 'PasskeyFailure';
    this.reason = reason;
  }
}

function reasonOf(cause: unknown): string {
  if (cause instanceof WebAuthnError) {
    // NotAllowedError (cancelled, timed out, no passkey here) is passed through as the cause.
    if (cause.code === 'ERROR_PASSTHROUGH_SEE_CAUSE_PROPERTY' && cause.cause instanceof Error) {
      return cause.cause.name;
    }
    return cause.code;
  }
  return cause instanceof Error ? cause.name : 'UnknownError';
}

/** Makes a passkey from `beginPasskeyRegistration`'s options: the JSON to finish with. */
export async function createPasskey(options: string): Promise<string> {
  try {
    return JSON.stringify(
      await startRegistration({
        optionsJSON: JSON.parse(options) as PublicKeyCredentialCreationOptionsJSON,
      }),
    );
  } catch (error) {
    throw new PasskeyFailure(error);
  }
}

/** Signs `beginPasskeySignIn`'s challenge with a passkey: the JSON of the assertion. */
export async function signWithPasskey(options: string): Promise<string> {
  try {
    return JSON.stringify(
      await startAuthentication({
        optionsJSON: JSON.parse(options) as PublicKeyCredentialRequestOptionsJSON,
      }),
    );
  } catch (error) {
    throw new PasskeyFailure(error);
  }
}
