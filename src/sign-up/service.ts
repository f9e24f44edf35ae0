import { trusted, Types } from 'mongoose';
import type { LinkMail } from '../account-tokens/mailing';
import type { AccountTokens } from '../account-tokens/service';
import type { AuditService } from '../audit/service';
import type { AttemptGuard } from '../auth/attempts';
import type { ResetLinkMailer } from '../auth/reset-links';
import type { Caller } from '../caller';
import { insertOne } from '../db/insert';
import { featureOff, invalidLinkToken } from '../errors';
import type { Logger } from '../logger';
import type { Mailer } from '../mail/mailer';
import { spokenDuration } from '../mail/templates/duration';
import { emailVerificationMail } from '../mail/templates/email-verification';
import type { PasswordHasher } from '../passwords/hasher';
import type { MailThrottle } from '../throttling/mail';
import type { EmailVerification } from '../users/email-verification';
import { normalizeIdentifier } from '../users/identity';
import type { UserService } from '../users/service';
import type { PendingSignUpModel, PendingSignUpRecord } from './model';

/** SIGNUP_MODE: who may create an account besides an administrator. */
export type SignUpMode = 'closed' | 'open' | 'invite';

export interface SignUpInput {
  readonly username: string;
  readonly email: string;
  readonly password: string;
  readonly fullName?: string | null;
}

/**
 * The throttle's account key for sign-ups: not a username anyone can have (control characters are
 * refused in names), so a sign-up never meets the chosen name's failures and never adds to them.
 */
const SIGN_UP_ACCOUNT = '\u0000sign-up';

export interface SignUps {
  /**
   * Mails a link that creates a USER account when it is followed. An address that already has an
   * account is answered the same way, and its owner told by mail instead.
   */
  signUp(input: SignUpInput, caller: Caller): Promise<void>;
  /**
   * Follows a confirmation link: a sign-up's, which creates the account, or a changed address's.
   * INVALID_TOKEN for any link that cannot be used; TAKEN on `username` when someone else took
   * the name since the sign-up.
   */
  verifyEmail(token: string, caller: Caller): Promise<void>;
  purgeExpired(): Promise<void>;
}

export function createSignUps(deps: {
  model: PendingSignUpModel;
  mode: SignUpMode;
  /** How long the link works: EMAIL_VERIFICATION_TTL. */
  ttlSeconds: number;
  users: UserService;
  hasher: PasswordHasher;
  attempts: AttemptGuard;
  accountTokens: AccountTokens;
  emailVerification: EmailVerification;
  mailThrottle: MailThrottle;
  sendLink: (mail: LinkMail, caller: Caller) => void;
  mailResetLink: ResetLinkMailer;
  mailer: Pick<Mailer, 'link'>;
  audit: AuditService;
  logger: Logger;
}): SignUps {
  const { model, mode, ttlSeconds, users, hasher, accountTokens, emailVerification } = deps;
  const { mailThrottle, sendLink, mailResetLink, mailer, audit, logger, attempts } = deps;

  async function complete(token: string, id: Types.ObjectId, caller: Caller): Promise<void> {
    // Links mailed while sign-up was open make no accounts once it is closed.
    if (mode !== 'open') throw featureOff('Sign-up');
    const pending = await model
      .findOne({ _id: id, expiresAt: trusted({ $gt: new Date() }) })
      .select('+passwordHash')
      .lean<PendingSignUpRecord>();
    if (!pending) throw invalidLinkToken();
    // The account's id is the sign-up's: of two uses of one link, only one can make it.
    const user = await users.admit({
      _id: pending._id,
      username: pending.username,
      email: pending.email,
      fullName: pending.fullName ?? null,
      roles: ['USER'],
      passwordHash: pending.passwordHash,
    });
    await accountTokens.consume(token, 'SIGN_UP');
    await model.deleteOne({ _id: pending._id });
    await audit.record(caller, { action: 'USER_SIGNED_UP', outcome: 'success', actorId: user._id });
    await audit.record(caller, { action: 'EMAIL_VERIFIED', outcome: 'success', actorId: user._id });
  }

  /** Mails the address: a link that makes the account, or a word to the account it has. */
  async function mailAfterAnswer(
    input: SignUpInput,
    passwordHash: string,
    caller: Caller,
  ): Promise<void> {
    const recipient = normalizeIdentifier(input.email);
    const owner = await users.findByEmail(recipient);
    if (owner) {
      mailResetLink(owner, 'SIGN_UP_ADDRESS_TAKEN', caller);
      return;
    }
    const username = input.username.normalize('NFKC');
    const pending = await insertOne(model, {
      _id: new Types.ObjectId(),
      username,
      email: input.email,
      ...(input.fullName ? { fullName: input.fullName } : {}),
      passwordHash,
      expiresAt: new Date(Date.now() + ttlSeconds * 1000),
    });
    sendLink(
      {
        to: input.email,
        recipient,
        userId: pending._id,
        purpose: 'SIGN_UP',
        ttlSeconds,
        bindToAddress: true,
        action: 'EMAIL_VERIFICATION_SENT',
        compose: (token) =>
          emailVerificationMail({
            username,
            link: mailer.link('/verify-email', { token }),
            validFor: spokenDuration(ttlSeconds),
          }),
      },
      caller,
    );
  }

  return {
    async signUp(input, caller) {
      if (mode !== 'open') throw featureOff('Sign-up');
      // Counted per client address with every request that sends mail (10 an hour).
      await mailThrottle.admitRequest(caller.ip);
      // Every refusal a client can act on comes before the address is looked at: the fields,
      // and a taken username (usernames are public names; addresses are not).
      users.checkNewUser(input);
      await users.refuseTakenUsername(input.username);
      // Through the sign-in throttle, as one attempt of this client address (it guesses nothing,
      // so it is never settled against the account), and the same argon2 work whatever the
      // address, before it is looked at.
      const passwordHash = await attempts.withPassword(
        SIGN_UP_ACCOUNT,
        null,
        caller,
        null,
        (_attempt, permit) => hasher.hash(permit, input.password),
      );
      // Everything that depends on the address happens after the answer, so neither the answer
      // nor its timing can tell a taken address from a free one.
      mailAfterAnswer(input, passwordHash, caller).catch((error: unknown) => {
        logger.error({ err: error, requestId: caller.requestId }, 'sign-up mail failed');
      });
    },

    async verifyEmail(token, caller) {
      const found = await accountTokens.inspect(token, ['SIGN_UP']);
      if (found) return complete(token, found.userId, caller);
      return emailVerification.verify(token, caller);
    },

    async purgeExpired() {
      await model.deleteMany({ expiresAt: trusted({ $lt: new Date() }) });
    },
  };
}
