import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';
import { ROLES, type Role } from '../users/roles';

/**
 * An administrator's invitation, waiting for its link to be followed. Its `_id` becomes the new
 * account's, so one invitation makes at most one account. One per address: inviting an address
 * again updates it and mails a new link, which voids the earlier one.
 */
const invitationSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    email: { type: String, required: true },
    emailNormalized: { type: String, required: true },
    fullName: { type: String },
    roles: { type: [{ type: String, enum: ROLES }], required: true },
    invitedBy: { type: Schema.Types.ObjectId, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'invitations', timestamps: true, versionKey: false, strict: 'throw' },
);
invitationSchema.index({ emailNormalized: 1 }, { unique: true });
invitationSchema.index({ expiresAt: 1 });

export type InvitationRecord = Omit<InferSchemaType<typeof invitationSchema>, 'roles'> & {
  _id: Types.ObjectId;
  roles: Role[];
  createdAt: Date;
  updatedAt: Date;
};

export function createInvitationModel(connection: Connection) {
  return connection.model('Invitation', invitationSchema);
}

export type InvitationModel = ReturnType<typeof createInvitationModel>;
