import { createHash, randomBytes } from 'node:crypto';
import { Schema, trusted, type Connection, type Types } from 'mongoose';
import { insertOne } from '../db/insert';

/**
 * Device tokens, after OWASP's "device cookies" scheme: a client that signed in to an account
 * successfully gets a token naming that device; presenting it on later sign-ins lets the client
 * through the account-wide lock that an attack from many addresses can set off, within a small
 * failure budget of its own. The token is 256 random bits, stored only as its SHA-256 (like
 * refresh tokens), tied to one account, and worthless without the password.
 */
const deviceSchema = new Schema(
  {
    _id: { type: String, required: true },
    /** The normalized username it was issued for. */
    account: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'devices', versionKey: false, strict: 'throw' },
);
deviceSchema.index({ expiresAt: 1 });
deviceSchema.index({ userId: 1 });

const DEVICE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** A device that has not signed in for this long is forgotten. */
export const DEVICE_TTL_SECONDS = 365 * 86_400;

const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');

export interface Devices {
  /** A new device token for a client that just signed in to `account`. */
  issue(account: string, userId: Types.ObjectId): Promise<string>;
  /** The device id `token` stands for, when it was issued for `account` and is still valid. */
  recognise(token: string | null | undefined, account: string): Promise<string | null>;
  purgeExpired(): Promise<void>;
}

export function createDeviceModel(connection: Connection) {
  return connection.model('Device', deviceSchema);
}

export function createDevices(connection: Connection): Devices {
  const model = createDeviceModel(connection);
  return {
    async issue(account, userId) {
      const token = randomBytes(32).toString('base64url');
      const now = Date.now();
      await insertOne(model, {
        _id: hashOf(token),
        account,
        userId,
        createdAt: new Date(now),
        expiresAt: new Date(now + DEVICE_TTL_SECONDS * 1000),
      });
      return token;
    },

    async recognise(token, account) {
      if (!token || !DEVICE_TOKEN_PATTERN.test(token)) return null;
      const id = hashOf(token);
      const found = await model.exists({
        _id: id,
        account,
        expiresAt: trusted({ $gt: new Date() }),
      });
      return found ? id : null;
    },

    async purgeExpired() {
      await model.deleteMany({ expiresAt: trusted({ $lt: new Date() }) });
    },
  };
}
