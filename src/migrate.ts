import type { Connection, Model } from 'mongoose';
import { createAccountTokenModels } from './account-tokens/model';
import { createAuditEventModel } from './audit/model';
import { isDuplicateKeyError } from './db/errors';
import { createLockModel } from './db/locks';
import { createSessionModels, ENDED_SESSION_RETENTION_SECONDS } from './sessions/model';
import { createInvitationModel } from './invitations/model';
import { createMfaModels } from './mfa/model';
import { createPendingSignUpModel } from './sign-up/model';
import { createDeviceModel } from './throttling/devices';
import { createMailRequestModel } from './throttling/mail';
import { createLoginAttemptModel } from './throttling/model';
import { attemptRetentionSeconds, type ThrottleSettings } from './throttling/service';
import { usernameSkeleton } from './users/identity';
import { createUserModel, type UserRecord } from './users/model';

/**
 * Index management as a deliberate step: `npm run db:migrate` (and `npm start` on the embedded
 * database, or outside production) makes every collection's indexes match the schemas, creating
 * missing ones, rebuilding those whose options changed and dropping those no schema declares.
 * Production start-up only verifies: building an index on a large collection, or dropping one,
 * is an operator's decision, not a side effect of deploying an instance.
 */

/** What decides how long expiring records are kept. */
export interface ExpirySettings {
  readonly throttling: ThrottleSettings;
  readonly audit: { readonly retentionSeconds: number };
}

/**
 * On MongoDB, TTL indexes delete what the hourly sweep deletes on FerretDB (which has none):
 * `collection.field` → seconds after the field's date. A change of a setting here changes the
 * index: run `npm run db:migrate` after it.
 */
export function expiryRules(settings: ExpirySettings): ReadonlyMap<string, number> {
  return new Map([
    ['sessions.expiresAt', ENDED_SESSION_RETENTION_SECONDS],
    ['sessions.revokedAt', ENDED_SESSION_RETENTION_SECONDS],
    ['refreshTokens.expiresAt', ENDED_SESSION_RETENTION_SECONDS],
    ['loginAttempts.at', attemptRetentionSeconds(settings.throttling)],
    ['auditEvents.at', settings.audit.retentionSeconds],
    ['devices.expiresAt', 0],
    ['accountTokens.expiresAt', 0],
    ['accountTokenUses.expiresAt', 0],
    ['mailRequests.at', 60 * 60],
    ['pendingSignUps.expiresAt', 0],
    ['invitations.expiresAt', 0],
    ['totpEnrollments.expiresAt', 0],
    ['mfaChallenges.expiresAt', 0],
    ['mfaUses.expiresAt', 0],
  ]);
}

export interface MigrationReport {
  readonly created: readonly string[];
  readonly dropped: readonly string[];
}

function allModels(connection: Connection): Model<never>[] {
  const { sessions, refreshTokens } = createSessionModels(connection);
  const accountTokens = createAccountTokenModels(connection);
  return [
    createUserModel(connection),
    sessions,
    refreshTokens,
    createAuditEventModel(connection),
    createLoginAttemptModel(connection),
    createDeviceModel(connection),
    createLockModel(connection),
    accountTokens.tokens,
    accountTokens.uses,
    createMailRequestModel(connection),
    createPendingSignUpModel(connection),
    createInvitationModel(connection),
    ...Object.values(createMfaModels(connection)),
  ] as unknown as Model<never>[];
}

interface IndexSpec {
  readonly name: string;
  readonly key: Record<string, 1 | -1>;
  readonly unique: boolean;
  readonly sparse: boolean;
  /** Set on TTL indexes. */
  readonly expireAfterSeconds?: number;
}

export type Engine = 'mongodb' | 'ferretdb';

/** FerretDB answers buildInfo with its own version beside MongoDB's. */
export async function engineOf(connection: Connection): Promise<Engine> {
  const info = (await connection.db?.admin().command({ buildInfo: 1 })) ?? {};
  return 'ferretdbVersion' in info ? 'ferretdb' : 'mongodb';
}

const defaultName = (key: Record<string, 1 | -1>) =>
  Object.entries(key)
    .map(([field, direction]) => `${field}_${direction}`)
    .join('_');

/**
 * The indexes a collection's schema declares, as this engine is to have them: on MongoDB a
 * single-field index with an expiry rule is a TTL index.
 */
export function declaredIndexes(
  collection: string,
  indexes: readonly (readonly [Record<string, unknown>, Record<string, unknown>])[],
  engine: Engine,
  rules: ReadonlyMap<string, number>,
): IndexSpec[] {
  return indexes.map(([rawKey, options]) => {
    const key = rawKey as Record<string, 1 | -1>;
    const fields = Object.keys(key);
    const ttl = fields.length === 1 ? rules.get(`${collection}.${fields[0] ?? ''}`) : undefined;
    return {
      name: typeof options.name === 'string' ? options.name : defaultName(key),
      key,
      unique: options.unique === true,
      sparse: options.sparse === true,
      ...(engine === 'mongodb' && ttl !== undefined ? { expireAfterSeconds: ttl } : {}),
    };
  });
}

function declared(model: Model<never>, engine: Engine, rules: ReadonlyMap<string, number>) {
  return declaredIndexes(model.collection.collectionName, model.schema.indexes(), engine, rules);
}

async function existing(model: Model<never>): Promise<IndexSpec[]> {
  const indexes = await model.collection.indexes().catch((error: unknown) => {
    // A collection not yet created has no indexes.
    if ((error as { codeName?: string }).codeName === 'NamespaceNotFound') return [];
    throw error;
  });
  return indexes
    .filter((index) => index.name !== '_id_')
    .map((index) => ({
      name: index.name ?? defaultName(index.key as Record<string, 1 | -1>),
      key: index.key as Record<string, 1 | -1>,
      unique: index.unique === true,
      sparse: index.sparse === true,
      ...(typeof index.expireAfterSeconds === 'number'
        ? { expireAfterSeconds: index.expireAfterSeconds }
        : {}),
    }));
}

/**
 * The same index: same keys in the same order, same uniqueness, same sparseness. FerretDB 1.24
 * keeps sparse indexes (its unique indexes ignore missing fields) but never reports `sparse`, so
 * there sparseness cannot be compared.
 */
function sameIndex(a: IndexSpec, b: IndexSpec, engine: Engine): boolean {
  return (
    JSON.stringify(a.key) === JSON.stringify(b.key) &&
    a.unique === b.unique &&
    a.expireAfterSeconds === b.expireAfterSeconds &&
    (engine === 'ferretdb' || a.sparse === b.sparse)
  );
}

interface IndexDiff {
  readonly toCreate: readonly IndexSpec[];
  readonly toDrop: readonly IndexSpec[];
}

async function diff(
  model: Model<never>,
  engine: Engine,
  rules: ReadonlyMap<string, number>,
): Promise<IndexDiff> {
  const wanted = declared(model, engine, rules);
  const present = await existing(model);
  return {
    toCreate: wanted.filter((w) => !present.some((p) => sameIndex(w, p, engine))),
    toDrop: present.filter((p) => !wanted.some((w) => sameIndex(w, p, engine))),
  };
}

const describe = (model: Model<never>, index: IndexSpec) =>
  `${model.collection.collectionName}.${JSON.stringify(index.key)}`;

/** The indexes the schemas declare that the database lacks, as `collection.{keys}`. */
export async function findMissingIndexes(
  connection: Connection,
  settings: ExpirySettings,
): Promise<string[]> {
  const engine = await engineOf(connection);
  const rules = expiryRules(settings);
  const missing: string[] = [];
  for (const model of allModels(connection)) {
    const { toCreate } = await diff(model, engine, rules);
    missing.push(...toCreate.map((index) => describe(model, index)));
  }
  return missing;
}

/** Accounts made before usernames had skeletons get theirs (see users/identity.ts). */
async function backfillUsernameSkeletons(connection: Connection): Promise<void> {
  const users = createUserModel(connection);
  const missing = await users
    .find({ usernameSkeleton: null })
    .select({ username: 1 })
    .lean<Pick<UserRecord, '_id' | 'username'>[]>();
  for (const user of missing) {
    // Two older look-alikes cannot both have one: the second keeps none, and new names are
    // still checked against the first.
    await users
      .updateOne({ _id: user._id }, { $set: { usernameSkeleton: usernameSkeleton(user.username) } })
      .catch((error: unknown) => {
        if (!isDuplicateKeyError(error)) throw error;
      });
  }
}

/** Makes every collection's indexes match the schemas, then fills fields new indexes need. */
export async function migrate(
  connection: Connection,
  settings: ExpirySettings,
): Promise<MigrationReport> {
  const engine = await engineOf(connection);
  const rules = expiryRules(settings);
  const created: string[] = [];
  const dropped: string[] = [];
  for (const model of allModels(connection)) {
    await model.createCollection().catch((error: unknown) => {
      if ((error as { codeName?: string }).codeName !== 'NamespaceExists') throw error;
    });
    const { toCreate, toDrop } = await diff(model, engine, rules);
    // Dropped first: an index whose options changed is rebuilt under the same name.
    for (const index of toDrop) {
      await model.collection.dropIndex(index.name);
      dropped.push(`${model.collection.collectionName}.${index.name}`);
    }
    for (const index of toCreate) {
      await model.collection.createIndex(index.key, {
        name: index.name,
        ...(index.unique ? { unique: true } : {}),
        ...(index.sparse ? { sparse: true } : {}),
        ...(index.expireAfterSeconds === undefined
          ? {}
          : { expireAfterSeconds: index.expireAfterSeconds }),
      });
      created.push(describe(model, index));
    }
  }
  await backfillUsernameSkeletons(connection);
  return { created, dropped };
}
