import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/**
 * One sign-in: the family of refresh tokens rotated from it. Written when it starts and when it
 * is revoked, never in between, so a revocation can never be lost to a concurrent rotation (on
 * FerretDB concurrent updates of one document overwrite each other; see db/locks.ts).
 */
const sessionSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    /** The user's token version at sign-in; a bump on the user ends the session. */
    tokenVersion: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
    /** How the user signed in (RFC 8176 values); every token of the session carries them. */
    authMethods: { type: [String], default: undefined },
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

/** Ended sessions (and their tokens) stay this long, so a late replay is still recognised. */
export const ENDED_SESSION_RETENTION_SECONDS = 24 * 3600;

sessionSchema.index({ userId: 1, expiresAt: 1 });
sessionSchema.index({ expiresAt: 1 });
// Sparse: live sessions have no revokedAt, and only ended ones are looked up by it (the purge).
sessionSchema.index({ revokedAt: 1 }, { sparse: true });

/**
 * One refresh token, stored as its SHA-256 hash in `_id`; the token itself is never stored.
 * Rotation inserts the successor with `previous` set to the presented token's hash: the unique
 * index on `previous` lets exactly one exchange of a token ever succeed, in one atomic
 * single-document write on MongoDB and FerretDB alike. A token that already has a successor and
 * is presented again has been replayed: the family is revoked.
 */
const refreshTokenSchema = new Schema(
  {
    _id: { type: String, required: true },
    sessionId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    previous: { type: String },
    /** Issued within the reuse grace for this retired token, beside its successor. */
    graceOf: { type: String },
    issuedAt: { type: Date, required: true },
    /** The session's absolute expiry, so old tokens can be purged without reading sessions. */
    expiresAt: { type: Date, required: true },
    userAgent: { type: String },
    ipAddress: { type: String },
  },
  { collection: 'refreshTokens', versionKey: false, strict: 'throw' },
);

// Sparse, not partial: FerretDB has no partial indexes; a session's first token has no previous.
refreshTokenSchema.index({ previous: 1 }, { unique: true, sparse: true });
// At most one sibling per retired token within the reuse grace: a third copy is reuse.
refreshTokenSchema.index({ graceOf: 1 }, { unique: true, sparse: true });
refreshTokenSchema.index({ sessionId: 1, issuedAt: -1 });
refreshTokenSchema.index({ userId: 1 });
refreshTokenSchema.index({ expiresAt: 1 });

export type SessionDocument = InferSchemaType<typeof sessionSchema> & {
  _id: Types.ObjectId;
  createdAt: Date;
};

export type RefreshTokenDocument = InferSchemaType<typeof refreshTokenSchema>;

/** A session as clients see it: its record plus what its newest refresh token tells. */
export interface SessionRecord extends SessionDocument {
  /** When the session last signed in or refreshed (its newest token's issue time). */
  readonly lastUsedAt: Date;
  readonly userAgent?: string | null;
  readonly ipAddress?: string | null;
}

export function createSessionModels(connection: Connection) {
  return {
    sessions: connection.model('Session', sessionSchema),
    refreshTokens: connection.model('RefreshToken', refreshTokenSchema),
  };
}

export type SessionModels = ReturnType<typeof createSessionModels>;
