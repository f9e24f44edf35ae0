import { Schema, type Connection, type InferSchemaType, type Types } from 'mongoose';

/** One security event. Never holds a password or a token. */
const auditEventSchema = new Schema(
  {
    at: { type: Date, required: true },
    action: { type: String, required: true },
    outcome: { type: String, required: true, enum: ['success', 'failure', 'denied'] },
    actorId: { type: Schema.Types.ObjectId },
    /** Who the actor claimed to be, for failures where no user is known (e.g. a bad login). */
    actorName: { type: String },
    targetId: { type: Schema.Types.ObjectId },
    ipAddress: { type: String },
    userAgent: { type: String },
    requestId: { type: String },
    details: { type: Schema.Types.Mixed },
    /**
     * Set on folded events: repeats of the same event in the same minute add to the count in
     * `details.repeats` instead of writing new events (the key is unique).
     */
    foldKey: { type: String },
  },
  { collection: 'auditEvents', versionKey: false, strict: 'throw' },
);

// Pages are sorted by (at, _id) newest first: each filter's index ends in both, so a page is an
// index walk however many events match. { at: -1, _id: -1 } also serves the retention sweep.
auditEventSchema.index({ at: -1, _id: -1 });
auditEventSchema.index({ actorId: 1, at: -1, _id: -1 });
auditEventSchema.index({ targetId: 1, at: -1, _id: -1 });
auditEventSchema.index({ action: 1, at: -1, _id: -1 });
auditEventSchema.index({ foldKey: 1 }, { unique: true, sparse: true });
// Expiry: a TTL index on MongoDB (AUDIT_RETENTION), the sweep's range on FerretDB.
auditEventSchema.index({ at: 1 });

export type AuditEventRecord = InferSchemaType<typeof auditEventSchema> & { _id: Types.ObjectId };

export function createAuditEventModel(connection: Connection) {
  return connection.model('AuditEvent', auditEventSchema);
}

export type AuditEventModel = ReturnType<typeof createAuditEventModel>;
