import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/**
 * A user's confirmed TOTP secret, keyed by the user's id: one per user. The secret must be kept
 * to check codes (a hash would not do); it never leaves the server after enrolment.
 */
const totpFactorSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    secret: { type: String, required: true },
    enabledAt: { type: Date, required: true },
  },
  { collection: 'totpFactors', versionKey: false, strict: 'throw' },
);

/** A secret handed out by `beginTotpEnrollment`, waiting for its first code. */
const totpEnrollmentSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    secret: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'totpEnrollments', versionKey: false, strict: 'throw' },
);
totpEnrollmentSchema.index({ expiresAt: 1 });

/** One recovery code, stored only as the SHA-256 of the user's id and the code. */
const recoveryCodeSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'recoveryCodes', versionKey: false, strict: 'throw' },
);
recoveryCodeSchema.index({ userId: 1 });

/**
 * A sign-in waiting for its second factor: the right password was given. Stored as the SHA-256
 * of the opaque challenge handed to the client, bound to the user and to that client.
 */
const mfaChallengeSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    /** The normalized username signed in with, for the device token the sign-in ends with. */
    account: { type: String, required: true },
    ipAddress: { type: String },
    userAgent: { type: String },
    /** A password reset's second step: the new password's hash, set only once the factor is given. */
    resetPasswordHash: { type: String, select: false },
    /** The normalized address the reset link reached, confirmed with it. */
    resetEmail: { type: String },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'mfaChallenges', versionKey: false, strict: 'throw' },
);
mfaChallengeSchema.index({ expiresAt: 1 });

/**
 * What may be used once: a TOTP code (user and time step), a recovery code, a challenge. Using one
 * inserts its id here, so exactly one use wins on MongoDB and FerretDB alike.
 */
const mfaUseSchema = new Schema(
  {
    _id: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'mfaUses', versionKey: false, strict: 'throw' },
);
mfaUseSchema.index({ expiresAt: 1 });

/** A registered passkey (WebAuthn credential), keyed by its credential id. */
const passkeySchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    /** The COSE public key, base64url. */
    publicKey: { type: String, required: true },
    /** The authenticator's signature counter, checked to grow at every use (0 if it keeps none). */
    counter: { type: Number, required: true },
    transports: { type: [String], default: undefined },
    /** `singleDevice` (bound to its hardware) or `multiDevice` (synced). */
    deviceType: { type: String, required: true },
    backedUp: { type: Boolean, required: true },
    name: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastUsedAt: { type: Date },
  },
  { collection: 'passkeys', versionKey: false, strict: 'throw' },
);
passkeySchema.index({ userId: 1 });

export type PasskeyRecord = InferSchemaType<typeof passkeySchema> & {
  _id: string;
  userId: Types.ObjectId;
};

export type TotpFactorRecord = InferSchemaType<typeof totpFactorSchema> & { _id: Types.ObjectId };
export type MfaChallengeRecord = InferSchemaType<typeof mfaChallengeSchema> & {
  _id: string;
  userId: Types.ObjectId;
};

export function createMfaModels(connection: Connection) {
  return {
    totpFactors: connection.model('TotpFactor', totpFactorSchema),
    totpEnrollments: connection.model('TotpEnrollment', totpEnrollmentSchema),
    recoveryCodes: connection.model('RecoveryCode', recoveryCodeSchema),
    challenges: connection.model('MfaChallenge', mfaChallengeSchema),
    uses: connection.model('MfaUse', mfaUseSchema),
    passkeys: connection.model('Passkey', passkeySchema),
  };
}

export type MfaModels = ReturnType<typeof createMfaModels>;
