import type { Connection } from 'mongoose';
import { createAccountTokenModels } from './account-tokens/model';
import { createAccountMail } from './account-tokens/mailing';
import { createAccountTokens } from './account-tokens/service';
import { createAuditEventModel } from './audit/model';
import { createAuditService } from './audit/service';
import { createAuthService } from './auth/service';
import { createAttemptGuard } from './auth/attempts';
import { createResetLinkMailer } from './auth/reset-links';
import { derivedKey } from './auth/signing-keys';
import { createTokenService } from './auth/tokens';
import type { Config } from './config';
import type { Services } from './context';
import { createLocks, LockTimeoutError } from './db/locks';
import { createInvitationModel } from './invitations/model';
import { createMfaModels } from './mfa/model';
import { createPasskeys } from './mfa/passkeys';
import { createMfaService } from './mfa/service';
import { createInvitations } from './invitations/service';
import type { Logger } from './logger';
import { createMailer } from './mail/mailer';
import { createMailThrottle } from './throttling/mail';
import { engineOf } from './migrate';
import { createPasswordHasher } from './passwords/hasher';
import { createSessionModels } from './sessions/model';
import { createSessionService } from './sessions/service';
import { createPendingSignUpModel } from './sign-up/model';
import { createSignUps } from './sign-up/service';
import { createDevices } from './throttling/devices';
import { createLoginAttemptModel } from './throttling/model';
import { createLoginThrottle } from './throttling/service';
import { createEmailVerification } from './users/email-verification';
import { createUserModel } from './users/model';
import { createUserService } from './users/service';
import { createUserStore } from './users/store';

const SWEEP_LOCK = 'sweep';

/**
 * Wires the feature services over one connection (its indexes are migrate.ts's). `purge`
 * deletes ended sessions and old sign-in attempts; the caller decides how often. `close` stops
 * the hash worker.
 */
export async function createServices(
  config: Config,
  connection: Connection,
  logger: Logger,
  // Where development mail goes without SMTP_URL: the terminal, never the log (index.ts).
  terminal: (text: string) => void = () => undefined,
): Promise<{ services: Services; purge: () => Promise<void>; close: () => void }> {
  const hasher = await createPasswordHasher(config.passwords.argon2, {
    concurrency: config.argon2Concurrency,
  });
  const locks = createLocks(connection, logger);
  const audit = createAuditService(createAuditEventModel(connection), config.audit, logger);
  const tokens = createTokenService(config.jwt);
  const store = createUserStore({
    model: createUserModel(connection),
    locks,
    cacheTtlMs: config.authCacheTtlMs,
  });
  const sessions = createSessionService({
    models: createSessionModels(connection),
    settings: config.sessions,
    tokenVersions: store,
    // Only a valid access token names a session to end at /revoke (an expired one does not;
    // its session ends through its refresh token).
    accessTokens: {
      verifyAccessToken(token) {
        const claims = tokens.verifyAccessToken(token);
        return typeof claims === 'object' ? claims : null;
      },
    },
    audit,
    cacheTtlMs: config.authCacheTtlMs,
  });
  const accountTokens = createAccountTokens(createAccountTokenModels(connection));
  const mailThrottle = createMailThrottle(connection, config.mailMaxPerIpPerHour);
  const mailer = createMailer(config.mail, terminal);
  const { sendLink, sendNotice } = createAccountMail({
    accountTokens,
    mailer,
    mailThrottle,
    audit,
    logger,
  });
  const mailResetLink = createResetLinkMailer({
    sendLink,
    sendNotice,
    mailer,
    settings: config.passwordReset,
  });
  const emailVerification = createEmailVerification({
    store,
    accountTokens,
    sendLink,
    mailer,
    audit,
    settings: config.emailVerification,
  });
  const users = createUserService({
    store,
    hasher,
    policy: config.passwords,
    sessions,
    audit,
    locks,
    emailVerification,
    mailThrottle,
    sendNotice,
  });
  const throttle = createLoginThrottle(createLoginAttemptModel(connection), config.throttling);
  const devices = createDevices(connection);
  const attempts = createAttemptGuard({
    throttle,
    hasher,
    audit,
    passwordHashOf: async (id) => (await users.findWithPasswordHash(id))?.passwordHash ?? null,
    maxPasswordLength: config.passwords.maxLength,
  });
  const mfaModels = createMfaModels(connection);
  const passkeys = createPasskeys({
    models: mfaModels,
    store,
    sessions,
    attempts,
    audit,
    settings: config.webauthn,
    challengeTtlSeconds: config.mfa.challengeTtlSeconds,
    challengeKey: derivedKey(config.jwt, 'webauthn challenges'),
  });
  const mfa = createMfaService({
    models: mfaModels,
    store,
    attempts,
    sessions,
    audit,
    settings: {
      issuer: config.mfa.totpIssuer,
      challengeTtlSeconds: config.mfa.challengeTtlSeconds,
    },
  });
  const auth = createAuthService({
    users,
    sessions,
    hasher,
    tokens,
    policy: config.passwords,
    audit,
    attempts,
    mfa,
    passkeys,
    devices,
    passwordReset: config.passwordReset,
    emailVerification: { ...emailVerification, required: config.emailVerification.required },
    accountTokens,
    mailThrottle,
    mailResetLink,
    logger,
  });
  const signUps = createSignUps({
    model: createPendingSignUpModel(connection),
    mode: config.signUpMode,
    ttlSeconds: config.emailVerification.ttlSeconds,
    users,
    hasher,
    attempts,
    accountTokens,
    emailVerification,
    mailThrottle,
    sendLink,
    mailResetLink,
    mailer,
    audit,
    logger,
  });
  const invitations = createInvitations({
    model: createInvitationModel(connection),
    mode: config.signUpMode,
    ttlSeconds: config.invitationTtlSeconds,
    users,
    hasher,
    accountTokens,
    mailThrottle,
    sendLink,
    mailer,
    audit,
  });
  return {
    services: { users, sessions, auth, tokens, audit, signUps, invitations, mfa, passkeys },
    async purge() {
      // On MongoDB, TTL indexes (migrate.ts) expire all of these; FerretDB has none.
      if ((await engineOf(connection)) === 'mongodb') return;
      try {
        // One instance at a time: the others find the lock taken and leave it to that one.
        await locks.withLock(SWEEP_LOCK, () =>
          Promise.all([
            sessions.purgeEnded(),
            throttle.purgeOld(),
            audit.purgeExpired(),
            devices.purgeExpired(),
            accountTokens.purgeExpired(),
            mailThrottle.purgeOld(),
            signUps.purgeExpired(),
            invitations.purgeExpired(),
            mfa.purgeExpired(),
          ]),
        );
      } catch (error) {
        if (!(error instanceof LockTimeoutError)) throw error;
      }
    },
    close: () => {
      hasher.close();
      mailer.close();
    },
  };
}
