import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';
import { ROLES } from './roles';

const userSchema = new Schema(
  {
    username: { type: String, required: true },
    // NFKC + lower case; the unique index makes "Alice" and "alice" the same account.
    usernameNormalized: { type: String, required: true },
    // The confusable skeleton (identity.ts): unique, so a look-alike of a username is taken.
    // Not required only for accounts made before it existed; start-up fills it in.
    usernameSkeleton: { type: String },
    email: { type: String },
    emailNormalized: { type: String },
    // Set by following the link mailed to `email`; any change of address clears it.
    emailVerified: { type: Boolean },
    fullName: { type: String },
    roles: { type: [{ type: String, enum: ROLES }], required: true },
    disabled: { type: Boolean, required: true, default: false },
    // Set by an administrator; the next password change clears it (auth/policy.ts).
    mustChangePassword: { type: Boolean },
    // The second factors set up (mfa/): read on every request, so MFA_REQUIRED_ROLES and the
    // sign-in know without another query. The factors themselves live in their collections.
    mfaMethods: { type: [{ type: String, enum: ['TOTP', 'PASSKEY'] }], default: undefined },
    // Bumped whenever every session must end (password, roles, disable, "log out everywhere"):
    // access tokens carry the version they were issued under and stop working once it moves.
    tokenVersion: { type: Number, required: true, default: 0 },
    // Never selected unless a query asks for it by name (`+passwordHash`).
    passwordHash: { type: String, required: true, select: false },
  },
  { collection: 'users', timestamps: true, versionKey: false, strict: 'throw' },
);

userSchema.index({ usernameNormalized: 1 }, { unique: true });
userSchema.index({ usernameSkeleton: 1 }, { unique: true, sparse: true });
// Sparse, not partial: FerretDB has no partial indexes, and sparse keeps many users without email.
userSchema.index({ emailNormalized: 1 }, { unique: true, sparse: true });
userSchema.index({ roles: 1, disabled: 1 });

/** A user as read with `lean()`: plain data, the shape resolvers receive; never the hash. */
export type UserRecord = Omit<InferSchemaType<typeof userSchema>, 'passwordHash'> & {
  _id: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
};

/** Only for checking credentials. */
export type UserWithPasswordHash = UserRecord & { passwordHash: string };

/** Binds the schema to one connection, so several app instances can live in one process. */
export function createUserModel(connection: Connection) {
  return connection.model('User', userSchema);
}

export type UserModel = ReturnType<typeof createUserModel>;
