import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/**
 * A sign-up waiting for its address to be confirmed. The account is made only when the link is
 * followed, with this record's `_id` as its id: until then nobody, the person signing up
 * included, can tell from the API whether the address already had an account. Nothing is
 * reserved, so a username taken meanwhile is refused when the link is followed.
 */
const pendingSignUpSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    username: { type: String, required: true },
    email: { type: String, required: true },
    fullName: { type: String },
    // The argon2 hash of the chosen password, computed when the sign-up was asked for.
    passwordHash: { type: String, required: true, select: false },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'pendingSignUps', versionKey: false, strict: 'throw' },
);
pendingSignUpSchema.index({ expiresAt: 1 });

export type PendingSignUpRecord = InferSchemaType<typeof pendingSignUpSchema> & {
  _id: Types.ObjectId;
  passwordHash: string;
};

export function createPendingSignUpModel(connection: Connection) {
  return connection.model('PendingSignUp', pendingSignUpSchema);
}

export type PendingSignUpModel = ReturnType<typeof createPendingSignUpModel>;
