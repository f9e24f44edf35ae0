import type { Connection } from 'mongoose';
import { createAuditEventModel } from './audit/model';
import { createAuditService } from './audit/service';
import { createPasswordHasher } from './auth/passwords';
import { createAuthService } from './auth/service';
import { createTokenService } from './auth/tokens';
import type { Config } from './config';
import type { Services } from './context';
import { createLocks } from './db/locks';
import type { Logger } from './logger';
import { createSessionModels } from './sessions/model';
import { createSessionService } from './sessions/service';
import { createLoginAttemptModel } from './throttling/model';
import { createLoginThrottle } from './throttling/service';
import { createUserModel } from './users/model';
import { createUserService } from './users/service';

/**
 * Wires the feature services over one connection and creates the indexes they rely on. `purge`
 * deletes ended sessions and old sign-in attempts; the caller decides how often. `close` stops
 * the hash worker.
 */
export async function createServices(
  config: Config,
  connection: Connection,
  logger: Logger,
): Promise<{ services: Services; purge: () => Promise<void>; close: () => void }> {
  const hasher = await createPasswordHasher(config.passwords.argon2, {
    concurrency: config.argon2Concurrency,
  });
  const audit = createAuditService(createAuditEventModel(connection), logger);
  const sessions = createSessionService(
    createSessionModels(connection),
    config.sessions,
    config.authCacheTtlMs,
  );
  const users = createUserService({
    model: createUserModel(connection),
    hasher,
    policy: config.passwords,
    sessions,
    audit,
    locks: createLocks(connection),
    cacheTtlMs: config.authCacheTtlMs,
  });
  const throttle = createLoginThrottle(createLoginAttemptModel(connection), config.throttling);
  await Promise.all([
    users.ensureIndexes(),
    sessions.ensureIndexes(),
    audit.ensureIndexes(),
    throttle.ensureIndexes(),
  ]);
  const tokens = createTokenService(config.jwt);
  const auth = createAuthService({
    users,
    sessions,
    hasher,
    tokens,
    policy: config.passwords,
    audit,
    throttle,
  });
  return {
    services: { users, sessions, auth, tokens, audit },
    purge: async () => {
      await Promise.all([sessions.purgeEnded(), throttle.purgeOld()]);
    },
    close: () => hasher.close(),
  };
}
