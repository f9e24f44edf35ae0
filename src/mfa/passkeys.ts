import { createHash, createHmac, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as SimpleWebAuthn from '@simplewebauthn/server';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { trusted, type Types } from 'mongoose';
import type { AuditService } from '../audit/service';
import type { AttemptGuard } from '../auth/attempts';
import type { SignedInCaller } from '../caller';
import { isDuplicateKeyError } from '../db/errors';
import { insertOne } from '../db/insert';
import { badUserInput, featureOff } from '../errors';
import { hasInvisibleOrControl } from '../text';
import type { SessionService } from '../sessions/service';
import type { UserStore } from '../users/store';
import { refuseUnlessPassword, refuseUnlessProvenFactors, setMfaMethod } from './methods';
import type { MfaModels, PasskeyRecord } from './model';

/**
 * The only module that imports @simplewebauthn/server. Passkeys are discoverable credentials
 * that always verify the user (a PIN or a biometric on the device): two factors in one gesture.
 */

export interface WebauthnSettings {
  readonly rpId: string;
  readonly rpName: string;
  readonly origins: readonly string[];
}

/** A passkey that signed in: whose it is, and how its key is kept (RFC 8176 `hwk` or `swk`). */
export interface PasskeyUse {
  readonly userId: Types.ObjectId;
  readonly keyMethod: 'hwk' | 'swk';
}

export interface Passkeys {
  /** `PublicKeyCredentialCreationOptionsJSON` for `navigator.credentials.create`, as JSON. */
  beginRegistration(caller: SignedInCaller, password: string): Promise<string>;
  finishRegistration(
    caller: SignedInCaller,
    response: string,
    name: string,
  ): Promise<PasskeyRecord>;
  list(userId: Types.ObjectId): Promise<PasskeyRecord[]>;
  /**
   * `PublicKeyCredentialRequestOptionsJSON` for `navigator.credentials.get`, as JSON: any
   * discoverable passkey, or only `userId`'s when the sign-in is a password's second step.
   */
  beginSignIn(userId: Types.ObjectId | null): Promise<string>;
  /**
   * The passkey's user when `response` is a valid, user-verified assertion over a challenge of
   * ours (spent by it) with a counter that moved on; null otherwise, whatever the reason.
   */
  verifySignIn(response: string, userId: Types.ObjectId | null): Promise<PasskeyUse | null>;
}

const NAME_MAX_LENGTH = 64;

type WebauthnLibrary = typeof SimpleWebAuthn;
let library: WebauthnLibrary | null = null;
/**
 * The library, loaded on first use: it holds about 17 MB of memory that an instance whose users
 * never touch passkeys (or that has them off) should not carry. Required, not imported, so the
 * CommonJS build (and the tests) load it the same way.
 */
const webauthn = (): Promise<WebauthnLibrary> =>
  Promise.resolve(
    (library ??= createRequire(__filename)('@simplewebauthn/server') as WebauthnLibrary),
  );

const challengeId = (challenge: string) =>
  createHash('sha256').update(challenge).digest('base64url');

const PURPOSES = { REGISTRATION: 1, SIGN_IN: 2 } as const;
type ChallengePurpose = keyof typeof PURPOSES;
const NO_USER = Buffer.alloc(12);
const MAC_BYTES = 16;
/** purpose (1) | expiry in ms (6) | user id or zeros (12) | nonce (16) | MAC (16). */
const CHALLENGE_BYTES = 1 + 6 + 12 + 16 + MAC_BYTES;

/**
 * Stateless challenges: what a challenge is for, for whom and until when travels inside it,
 * under an HMAC, so handing out options writes nothing (an anonymous caller can ask for sign-in
 * options at will). Only a verified assertion spends one, with a unique insert.
 */
function createChallengeSigner(key: KeyObject, ttlMs: number) {
  const macOf = (body: Buffer) =>
    createHmac('sha256', key).update(body).digest().subarray(0, MAC_BYTES);
  return {
    issue(purpose: ChallengePurpose, userId: Types.ObjectId | null): Uint8Array<ArrayBuffer> {
      const expiry = Buffer.alloc(6);
      expiry.writeUIntBE(Date.now() + ttlMs, 0, 6);
      const body = Buffer.concat([
        Buffer.from([PURPOSES[purpose]]),
        expiry,
        userId ? Buffer.from(userId.id) : NO_USER,
        randomBytes(16),
      ]);
      return new Uint8Array(Buffer.concat([body, macOf(body)]));
    },
    /** Whether `challenge` is one we issued for this purpose and user, and still live. */
    holds(challenge: string, purpose: ChallengePurpose, userId: Types.ObjectId | null): boolean {
      const bytes = Buffer.from(challenge, 'base64url');
      if (bytes.length !== CHALLENGE_BYTES || bytes.toString('base64url') !== challenge) {
        return false;
      }
      const body = bytes.subarray(0, CHALLENGE_BYTES - MAC_BYTES);
      if (!timingSafeEqual(macOf(body), bytes.subarray(CHALLENGE_BYTES - MAC_BYTES))) return false;
      const user = body.subarray(7, 19);
      return (
        body[0] === PURPOSES[purpose] &&
        body.readUIntBE(1, 6) > Date.now() &&
        user.equals(userId ? Buffer.from(userId.id) : NO_USER)
      );
    },
  };
}

function parseJson<T>(text: string): T | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as T) : null;
  } catch {
    return null;
  }
}

const unreadable = () =>
  badUserInput('response', {
    reason: 'INVALID_FORMAT',
    message: 'is not the JSON of a WebAuthn credential',
  });
const refused = () =>
  badUserInput('response', {
    reason: 'INCORRECT',
    message: 'was not made by this site, for this challenge, with the user verified',
  });

export function createPasskeys(deps: {
  models: MfaModels;
  store: UserStore;
  sessions: Pick<SessionService, 'endOthers'>;
  attempts: Pick<AttemptGuard, 'reauthenticate'>;
  audit: AuditService;
  settings: WebauthnSettings | null;
  /** How long a challenge in options works: MFA_CHALLENGE_TTL. */
  challengeTtlSeconds: number;
  /** The key challenges are signed with: the same on every instance. */
  challengeKey: KeyObject;
}): Passkeys {
  const { models, store, sessions, attempts, audit, settings, challengeTtlSeconds } = deps;
  const { passkeys, uses } = models;
  const challenges = createChallengeSigner(deps.challengeKey, challengeTtlSeconds * 1000);

  function enabled(): WebauthnSettings {
    if (settings === null) throw featureOff('Passkeys');
    return settings;
  }

  /**
   * Spends a challenge once its answer has verified: the first verified answer over a challenge
   * is the only one accepted, and an unverified one writes nothing.
   */
  async function spendChallenge(challenge: string): Promise<boolean> {
    try {
      await insertOne(uses, {
        _id: `webauthn:${challengeId(challenge)}`,
        expiresAt: new Date(Date.now() + challengeTtlSeconds * 1000),
      });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  return {
    async beginRegistration(caller, password) {
      const { rpId, rpName } = enabled();
      refuseUnlessProvenFactors(caller);
      // Only options issued after the password can be answered: the challenge is bound to them.
      await refuseUnlessPassword(attempts, caller, password);
      const { user } = caller;
      const existing = await passkeys.find({ userId: user._id }).lean<PasskeyRecord[]>();
      const { generateRegistrationOptions } = await webauthn();
      const options = await generateRegistrationOptions({
        rpName,
        rpID: rpId,
        userName: user.username,
        userID: Uint8Array.from(user._id.id),
        userDisplayName: user.fullName ?? user.username,
        attestationType: 'none',
        excludeCredentials: existing.map((passkey) => ({
          id: passkey._id,
          ...(passkey.transports ? { transports: passkey.transports } : {}),
        })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        challenge: challenges.issue('REGISTRATION', user._id),
      });
      return JSON.stringify(options);
    },

    async finishRegistration(caller, response, name) {
      const { rpId, origins } = enabled();
      refuseUnlessProvenFactors(caller);
      const { user } = caller;
      const trimmed = name.trim();
      if (trimmed === '' || trimmed.length > NAME_MAX_LENGTH || hasInvisibleOrControl(trimmed)) {
        throw badUserInput('name', {
          reason: trimmed === '' ? 'REQUIRED' : 'INVALID_FORMAT',
          message: `must be 1 to ${NAME_MAX_LENGTH} visible characters`,
        });
      }
      const parsed = parseJson<RegistrationResponseJSON>(response);
      if (!parsed || typeof parsed.response !== 'object' || parsed.response === null) {
        throw unreadable();
      }
      let signed = '';
      const { verifyRegistrationResponse } = await webauthn();
      const verification = await verifyRegistrationResponse({
        response: parsed,
        // Checked here, spent only once the whole answer has verified.
        expectedChallenge: (challenge) => {
          signed = challenge;
          return challenges.holds(challenge, 'REGISTRATION', user._id);
        },
        expectedOrigin: [...origins],
        expectedRPID: rpId,
        requireUserVerification: true,
      }).catch(() => null);
      if (!verification?.verified || !(await spendChallenge(signed))) throw refused();
      const info = verification.registrationInfo;
      const firstFactor = (user.mfaMethods ?? []).length === 0;
      let created;
      try {
        created = await insertOne(passkeys, {
          _id: info.credential.id,
          userId: user._id,
          publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
          counter: info.credential.counter,
          ...(info.credential.transports ? { transports: info.credential.transports } : {}),
          deviceType: info.credentialDeviceType,
          backedUp: info.credentialBackedUp,
          name: trimmed,
          createdAt: new Date(),
        });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        throw badUserInput('response', {
          reason: 'TAKEN',
          message: 'is a passkey registered already',
        });
      }
      await setMfaMethod(store, user._id, 'PASSKEY', true);
      // Sessions signed in before the first factor existed never proved one: only this one stays.
      if (firstFactor) await sessions.endOthers(user._id, caller.sessionId, 'second factor added');
      await audit.record(caller, {
        action: 'MFA_ENABLED',
        outcome: 'success',
        details: { method: 'PASSKEY' },
      });
      return created.toObject<PasskeyRecord>();
    },

    list: (userId) => passkeys.find({ userId }).sort({ createdAt: 1 }).lean<PasskeyRecord[]>(),

    async beginSignIn(userId) {
      const { rpId } = enabled();
      const allowed = userId ? await passkeys.find({ userId }).lean<PasskeyRecord[]>() : [];
      const { generateAuthenticationOptions } = await webauthn();
      const options = await generateAuthenticationOptions({
        rpID: rpId,
        challenge: challenges.issue('SIGN_IN', userId),
        userVerification: 'required',
        allowCredentials: allowed.map((passkey) => ({
          id: passkey._id,
          ...(passkey.transports ? { transports: passkey.transports } : {}),
        })),
      });
      return JSON.stringify(options);
    },

    async verifySignIn(response, userId) {
      const { rpId, origins } = enabled();
      const parsed = parseJson<AuthenticationResponseJSON>(response);
      // Anything but the shape of an assertion is simply not one (never a 500).
      if (
        typeof parsed?.id !== 'string' ||
        typeof parsed.response !== 'object' ||
        parsed.response === null
      ) {
        return null;
      }
      const passkey = await passkeys.findById(parsed.id).lean<PasskeyRecord>();
      if (!passkey || (userId !== null && !passkey.userId.equals(userId))) return null;
      // A discoverable credential names its user; it must be the passkey's.
      const handle = parsed.response.userHandle;
      if (handle && handle !== Buffer.from(passkey.userId.id).toString('base64url')) return null;
      let signed = '';
      const { verifyAuthenticationResponse } = await webauthn();
      const verification = await verifyAuthenticationResponse({
        response: parsed,
        // Checked here, spent only once the signature and the counter have verified.
        expectedChallenge: (challenge) => {
          signed = challenge;
          return challenges.holds(challenge, 'SIGN_IN', userId);
        },
        expectedOrigin: [...origins],
        expectedRPID: rpId,
        credential: {
          id: passkey._id,
          publicKey: Uint8Array.from(Buffer.from(passkey.publicKey, 'base64url')),
          counter: passkey.counter,
          ...(passkey.transports ? { transports: passkey.transports } : {}),
        },
        requireUserVerification: true,
      }).catch(() => null);
      if (!verification?.verified || !(await spendChallenge(signed))) return null;
      // Only forward: of two uses racing with one counter value, the later write cannot undo it.
      await passkeys.updateOne(
        {
          _id: passkey._id,
          counter: trusted({ $lte: verification.authenticationInfo.newCounter }),
        },
        {
          $set: {
            counter: verification.authenticationInfo.newCounter,
            lastUsedAt: new Date(),
          },
        },
      );
      return {
        userId: passkey.userId,
        keyMethod: passkey.deviceType === 'singleDevice' ? 'hwk' : 'swk',
      };
    },
  };
}
