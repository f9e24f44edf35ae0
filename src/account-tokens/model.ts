import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/** What an emailed token is for; a token serves only its own purpose. */
export const ACCOUNT_TOKEN_PURPOSES = [
  'PASSWORD_RESET',
  'EMAIL_VERIFICATION',
  // The subject of these two is the id the account will have once the link is followed.
  'SIGN_UP',
  'INVITATION',
] as const;
export type AccountTokenPurpose = (typeof ACCOUNT_TOKEN_PURPOSES)[number];

/**
 * One emailed token, stored as the SHA-256 of its 256 random bits (the `_id`), never as itself.
 * Written once; using it inserts an `accountTokenUses` record with the same id, so exactly one
 * use can win on MongoDB and FerretDB alike (a unique insert, not an update).
 */
const accountTokenSchema = new Schema(
  {
    _id: { type: String, required: true },
    purpose: { type: String, required: true, enum: ACCOUNT_TOKEN_PURPOSES },
    userId: { type: Schema.Types.ObjectId, required: true },
    /** The normalized address an email verification is for: a changed address voids it. */
    email: { type: String },
    issuedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'accountTokens', versionKey: false, strict: 'throw' },
);
accountTokenSchema.index({ userId: 1, purpose: 1, issuedAt: -1 });
accountTokenSchema.index({ expiresAt: 1 });

const accountTokenUseSchema = new Schema(
  {
    _id: { type: String, required: true },
    at: { type: Date, required: true },
    /** When the token it records would have expired: the record is kept until then. */
    expiresAt: { type: Date, required: true },
  },
  { collection: 'accountTokenUses', versionKey: false, strict: 'throw' },
);
accountTokenUseSchema.index({ expiresAt: 1 });

export type AccountTokenRecord = InferSchemaType<typeof accountTokenSchema> & {
  _id: string;
  userId: Types.ObjectId;
};

export function createAccountTokenModels(connection: Connection) {
  return {
    tokens: connection.model('AccountToken', accountTokenSchema),
    uses: connection.model('AccountTokenUse', accountTokenUseSchema),
  };
}

export type AccountTokenModels = ReturnType<typeof createAccountTokenModels>;
