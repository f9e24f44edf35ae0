import { createHash } from 'node:crypto';
import { Schema, trusted, type Connection } from 'mongoose';
import { rateLimited } from '../errors';
import { insertOne } from '../db/insert';

/**
 * Requests that send mail, counted so the API cannot be used to flood an inbox or to send mail
 * in bulk: per client address (refused with RATE_LIMITED, which says nothing about any account)
 * and per recipient (skipped without a word, so the answer never shows whether an address has
 * an account). Counts of inserted records, as for sign-ins: FerretDB loses concurrent `$inc`s.
 */

const HOUR_MS = 60 * 60 * 1000;
/** Messages one recipient may be sent in an hour. */
export const MAILS_PER_RECIPIENT_PER_HOUR = 3;

const mailRequestSchema = new Schema(
  {
    ipAddress: { type: String },
    /** The SHA-256 of the normalized recipient, once a message is to go out: no address kept. */
    recipient: { type: String },
    at: { type: Date, required: true },
  },
  { collection: 'mailRequests', versionKey: false, strict: 'throw' },
);
mailRequestSchema.index({ ipAddress: 1, at: -1 });
mailRequestSchema.index({ recipient: 1, at: -1 });
mailRequestSchema.index({ at: 1 });

export function createMailRequestModel(connection: Connection) {
  return connection.model('MailRequest', mailRequestSchema);
}

export interface MailThrottle {
  /** Counts a mail-sending request from `ip`; throws RATE_LIMITED past the hourly limit. */
  admitRequest(ip: string | null): Promise<void>;
  /** Counts a message to `recipient` (normalized); false when it must not be sent. */
  admitRecipient(recipient: string): Promise<boolean>;
  purgeOld(): Promise<void>;
}

export function createMailThrottle(
  connection: Connection,
  /** Mail-sending requests one client address may make in an hour (MAIL_MAX_PER_IP_PER_HOUR). */
  requestsPerAddressPerHour: number,
): MailThrottle {
  const model = createMailRequestModel(connection);
  const lastHour = () => trusted({ $gt: new Date(Date.now() - HOUR_MS) });
  return {
    async admitRequest(ip) {
      if (ip === null) return;
      const request = await insertOne(model, { ipAddress: ip, at: new Date() });
      const inWindow = { ipAddress: ip, at: lastHour() };
      const count = await model.countDocuments(inWindow);
      if (count <= requestsPerAddressPerHour) return;
      // A refused request leaves nothing behind: a flood never makes the wait longer.
      await model.deleteOne({ _id: request._id });
      const oldest = await model.findOne(inWindow).sort({ at: 1 }).lean<{ at: Date }>();
      throw rateLimited(((oldest?.at.getTime() ?? Date.now()) + HOUR_MS - Date.now()) / 1000);
    },
    async admitRecipient(recipient) {
      const hashed = createHash('sha256').update(recipient).digest('base64url');
      await insertOne(model, { recipient: hashed, at: new Date() });
      const count = await model.countDocuments({ recipient: hashed, at: lastHour() });
      return count <= MAILS_PER_RECIPIENT_PER_HOUR;
    },
    async purgeOld() {
      await model.deleteMany({ at: trusted({ $lt: new Date(Date.now() - HOUR_MS) }) });
    },
  };
}
