import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/**
 * One sign-in attempt, written before the password is checked and settled afterwards by the
 * request that made it (its only writer). Counters are counts of these documents, never `$inc`s:
 * on FerretDB concurrent increments lose updates, and a pending attempt must already count
 * against a burst of parallel guesses.
 */
const loginAttemptSchema = new Schema(
  {
    /** The normalized username tried, whether or not such an account exists. */
    account: { type: String, required: true },
    ipAddress: { type: String },
    /** The recognised device (see devices.ts) the attempt came from, if any. */
    device: { type: String },
    at: { type: Date, required: true },
    outcome: {
      type: String,
      required: true,
      enum: ['pending', 'success', 'failure', 'refused'],
    },
  },
  { collection: 'loginAttempts', versionKey: false, strict: 'throw' },
);

loginAttemptSchema.index({ account: 1, at: -1 });
loginAttemptSchema.index({ account: 1, ipAddress: 1, at: -1 });
loginAttemptSchema.index({ account: 1, device: 1, at: -1 });
loginAttemptSchema.index({ ipAddress: 1, at: -1 });
loginAttemptSchema.index({ at: 1 });

export type LoginAttemptRecord = InferSchemaType<typeof loginAttemptSchema> & {
  _id: Types.ObjectId;
};

export function createLoginAttemptModel(connection: Connection) {
  return connection.model('LoginAttempt', loginAttemptSchema);
}

export type LoginAttemptModel = ReturnType<typeof createLoginAttemptModel>;
