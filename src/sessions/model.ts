import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/**
 * One sign-in and its refresh-token rotation family. Rotation is one atomic update of this
 * document: the current token's hash is replaced and the old one retired into
 * `retiredTokenHashes`, where a second presentation of it is recognised as theft.
 */
const sessionSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    /** The user's token version at sign-in; a bump on the user ends the session. */
    tokenVersion: { type: Number, required: true },
    /** SHA-256 of the current refresh token; the token itself is never stored. */
    refreshTokenHash: { type: String, required: true },
    retiredTokenHashes: { type: [String], required: true, default: [] },
    lastUsedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    userAgent: { type: String },
    ipAddress: { type: String },
    revokedAt: { type: Date },
    revokedReason: { type: String },
  },
  {
    collection: 'sessions',
    timestamps: { createdAt: true, updatedAt: false },
    versionKey: false,
    strict: 'throw',
  },
);

sessionSchema.index({ refreshTokenHash: 1 }, { unique: true });
sessionSchema.index({ retiredTokenHashes: 1 });
sessionSchema.index({ userId: 1, expiresAt: 1 });
sessionSchema.index({ expiresAt: 1 });

export type SessionRecord = InferSchemaType<typeof sessionSchema> & {
  _id: Types.ObjectId;
  createdAt: Date;
};

export function createSessionModel(connection: Connection) {
  return connection.model('Session', sessionSchema);
}

export type SessionModel = ReturnType<typeof createSessionModel>;
