import { Secret, TOTP } from 'otpauth';
import { SYSTEM_CALLER } from '../../src/caller';
import {
  errorCodes,
  eventually,
  execute,
  post,
  startTestApi,
  withTestApi,
  type TestApi,
} from '../helpers/api';
import {
  AdminOnlyQuery,
  BeginPasskeyRegistrationMutation,
  BeginTotpEnrollmentMutation,
  ChangePasswordMutation,
  CompleteMfaSignInMutation,
  ConfirmTotpEnrollmentMutation,
  DisableTotpMutation,
  MeQuery,
  MyFactorsQuery,
  RegenerateRecoveryCodesMutation,
  RequestPasswordResetMutation,
  ResetPasswordMutation,
  ResetUserMfaMutation,
  UserOnlyQuery,
} from '../helpers/operations';
import {
  auditEvents,
  createUser,
  login,
  signIn,
  strongPassword,
  tokenFor,
  uniqueUsername,
  type TestUser,
} from '../helpers/users';

const STEP_MS = 30_000;

/**
 * An authenticator app: codes computed from the secret with otpauth, as apps compute them, never
 * the same time step twice (the server accepts each step once).
 */
class Authenticator {
  private readonly used = new Set<number>();
  constructor(readonly secret: string) {}

  codeAt(offsetSteps: number): string {
    return new TOTP({
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      secret: Secret.fromBase32(this.secret),
    }).generate({ timestamp: Date.now() + offsetSteps * STEP_MS });
  }

  /** A code of a step within the server's window that was not used yet. */
  async next(): Promise<string> {
    await awayFromStepEdge();
    const now = Math.floor(Date.now() / STEP_MS);
    const offset = [0, 1, -1].find((candidate) => !this.used.has(now + candidate));
    if (offset === undefined) throw new Error('every step in the window is used');
    this.used.add(now + offset);
    return this.codeAt(offset);
  }

  markUsed(offsetSteps: number) {
    this.used.add(Math.floor(Date.now() / STEP_MS) + offsetSteps);
  }
}

/** Waits out the last 3 s of a time step, so a code and its check fall in the same step. */
async function awayFromStepEdge(): Promise<void> {
  const intoStep = Date.now() % STEP_MS;
  if (intoStep > STEP_MS - 3_000) {
    await new Promise((resolve) => setTimeout(resolve, STEP_MS - intoStep + 100));
  }
}

interface Enrolled extends TestUser {
  readonly app: Authenticator;
  readonly recoveryCodes: readonly string[];
  readonly token: string;
}

/** A user with TOTP turned on through the API, as a user would do it. */
async function enrolled(api: TestApi, roles: ('USER' | 'ADMIN')[] = ['USER']): Promise<Enrolled> {
  const user = await createUser(api, { roles });
  const { accessToken: token } = await signIn(api, user);
  const begun = await execute(
    api,
    BeginTotpEnrollmentMutation,
    { password: user.password },
    { token },
  );
  const secret = begun.body.data?.beginTotpEnrollment?.secret ?? '';
  const app = new Authenticator(secret);
  const confirmed = await execute(
    api,
    ConfirmTotpEnrollmentMutation,
    { code: await app.next() },
    { token },
  );
  const recoveryCodes = confirmed.body.data?.confirmTotpEnrollment ?? [];
  return { ...user, app, recoveryCodes, token };
}

type Extensions = Record<string, unknown>;
const extensionsOf = (response: { body: { errors?: readonly { extensions?: Extensions }[] } }) =>
  response.body.errors?.[0]?.extensions ?? {};
const fieldsOf = (response: { body: { errors?: readonly { extensions?: Extensions }[] } }) =>
  extensionsOf(response).fields;

/** The challenge a right password gets for an account with a second factor. */
async function challengeFor(api: TestApi, user: TestUser, headers = {}): Promise<string> {
  const response = await login(api, user.username, user.password, { headers });
  const extensions = extensionsOf(response);
  expect(extensions.code).toBe('MFA_REQUIRED');
  return extensions.challenge as string;
}

const complete = (api: TestApi, challenge: string, code: string, headers = {}) =>
  execute(api, CompleteMfaSignInMutation, { challenge, code }, { headers });

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Extensions;

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(() => api.close());

describe('TOTP enrolment', () => {
  test('when a user enrols, then they get a secret, its otpauth URI and a QR code, and ten recovery codes once the first code is right', async () => {
    const user = await createUser(api);
    const { accessToken: token } = await signIn(api, user);
    const begun = (
      await execute(api, BeginTotpEnrollmentMutation, { password: user.password }, { token })
    ).body.data?.beginTotpEnrollment;
    expect(begun?.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(begun?.otpauthUri).toBe(
      `otpauth://totp/graphql-auth-api:${user.username}?issuer=graphql-auth-api&secret=${begun?.secret}&algorithm=SHA1&digits=6&period=30`,
    );
    expect(begun?.qrCodeDataUrl).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);

    const wrong = await execute(api, ConfirmTotpEnrollmentMutation, { code: '000000' }, { token });
    expect(fieldsOf(wrong)).toEqual([{ field: 'code', reason: 'INCORRECT' }]);
    const app = new Authenticator(begun?.secret ?? '');
    const confirmed = await execute(
      api,
      ConfirmTotpEnrollmentMutation,
      { code: await app.next() },
      { token },
    );
    const codes = confirmed.body.data?.confirmTotpEnrollment ?? [];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{6}(-[a-z2-9]{6}){3}$/);
    const me = await execute(api, MyFactorsQuery, undefined, { token });
    expect(me.body.data?.me?.mfaMethods).toEqual(['TOTP']);
    expect(await auditEvents(api, { action: 'MFA_ENABLED', actorId: user.id })).toHaveLength(1);
  });

  test('when enrolment begins with a wrong password, then INCORRECT on password and no secret', async () => {
    const user = await createUser(api);
    const { accessToken: token } = await signIn(api, user);
    const refused = await execute(
      api,
      BeginTotpEnrollmentMutation,
      { password: `${user.password}x` },
      { token },
    );
    expect(fieldsOf(refused)).toEqual([{ field: 'password', reason: 'INCORRECT' }]);
    expect(refused.body.data?.beginTotpEnrollment).toBeNull();
  });

  test('when TOTP is already on, then beginning again is CONFLICT', async () => {
    const user = await enrolled(api);
    const done = await complete(api, await challengeFor(api, user), await user.app.next());
    const again = await execute(
      api,
      BeginTotpEnrollmentMutation,
      { password: user.password },
      {
        token: done.body.data?.completeMfaSignIn.accessToken,
      },
    );
    expect(errorCodes(again)).toEqual(['CONFLICT']);
  });
});

describe('signing in with a second factor', () => {
  test('when the password is right, then MFA_REQUIRED with a challenge and the methods; a wrong password is the one generic failure', async () => {
    const user = await enrolled(api);
    const response = await login(api, user.username, user.password);
    expect(response.body.data).toBeNull();
    expect(extensionsOf(response)).toEqual({
      code: 'MFA_REQUIRED',
      challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      methods: ['TOTP', 'RECOVERY_CODE'],
    });
    const wrong = await login(api, user.username, `${user.password}x`);
    expect(extensionsOf(wrong)).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'BAD_CREDENTIALS',
    });
    expect(extensionsOf(wrong).challenge).toBeUndefined();
  });

  test('when the challenge is completed with a TOTP code, then the tokens say pwd, otp and mfa, and the challenge cannot be used again', async () => {
    const user = await enrolled(api);
    const challenge = await challengeFor(api, user);
    const done = await complete(api, challenge, await user.app.next());
    const payload = done.body.data?.completeMfaSignIn;
    expect(payload?.user.id).toBe(user.id);
    expect(payload?.recoveryCodesRemaining).toBeNull();
    const claims = claimsOf(payload?.accessToken ?? '');
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.auth_time).toEqual(expect.any(Number));
    const served = await execute(api, UserOnlyQuery, undefined, { token: payload?.accessToken });
    expect(served.body.data?.userOnly).toEqual(expect.any(String));

    const again = await complete(api, challenge, await user.app.next());
    expect(extensionsOf(again)).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'MFA_CHALLENGE_INVALID',
    });
  });

  test('when a code is replayed, then it is refused; a code one step ahead is accepted, two steps ahead is not', async () => {
    const user = await enrolled(api);
    await awayFromStepEdge();
    const ahead = user.app.codeAt(1);
    user.app.markUsed(1);
    const first = await complete(api, await challengeFor(api, user), ahead);
    expect(first.body.data?.completeMfaSignIn.accessToken).toEqual(expect.any(String));
    const replay = await complete(api, await challengeFor(api, user), ahead);
    expect(fieldsOf(replay)).toEqual([{ field: 'code', reason: 'INCORRECT' }]);
    const tooFar = await complete(api, await challengeFor(api, user), user.app.codeAt(2));
    expect(fieldsOf(tooFar)).toEqual([{ field: 'code', reason: 'INCORRECT' }]);
  });

  test('when recovery codes are used, then each works once, the remaining count falls, and all ten run out', async () => {
    const user = await enrolled(api);
    let remaining: number | null | undefined;
    for (const [index, code] of user.recoveryCodes.entries()) {
      const typed = index % 2 === 0 ? code.toUpperCase() : code.replaceAll('-', ' ');
      const done = await complete(api, await challengeFor(api, user), typed);
      remaining = done.body.data?.completeMfaSignIn.recoveryCodesRemaining;
      expect(remaining).toBe(9 - index);
      expect(claimsOf(done.body.data?.completeMfaSignIn.accessToken ?? '').amr).toContain('mfa');
    }
    expect(remaining).toBe(0);
    const reused = await complete(api, await challengeFor(api, user), user.recoveryCodes[0] ?? '');
    expect(fieldsOf(reused)).toEqual([{ field: 'code', reason: 'INCORRECT' }]);
  });

  test('when a code is one step behind, then it is accepted (drift the other way)', async () => {
    const user = await enrolled(api);
    // The enrolment used the current step a moment ago; the step before it is unused.
    const behind = user.app.codeAt(-1);
    user.app.markUsed(-1);
    const done = await complete(api, await challengeFor(api, user), behind);
    expect(done.body.data?.completeMfaSignIn.accessToken).toEqual(expect.any(String));
  });

  test('when the challenge comes back from another client, then it is MFA_CHALLENGE_INVALID', async () => {
    const user = await enrolled(api);
    const challenge = await challengeFor(api, user, { 'user-agent': 'first client' });
    const elsewhere = await complete(api, challenge, await user.app.next(), {
      'user-agent': 'second client',
    });
    expect(extensionsOf(elsewhere).reason).toBe('MFA_CHALLENGE_INVALID');
  });

  test('when the challenge has expired, then it is MFA_CHALLENGE_INVALID', async () => {
    await withTestApi({ MFA_CHALLENGE_TTL: '1s' }, async (short) => {
      const user = await enrolled(short);
      const challenge = await challengeFor(short, user);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const late = await complete(short, challenge, await user.app.next());
      expect(extensionsOf(late).reason).toBe('MFA_CHALLENGE_INVALID');
    });
  });

  test('when wrong codes are sent, then they count against the account like wrong passwords', async () => {
    await withTestApi({ LOGIN_LOCKOUT_THRESHOLD: '3' }, async (strict) => {
      const user = await enrolled(strict);
      const challenge = await challengeFor(strict, user);
      for (const wrong of ['111111', '222222', '333333']) {
        const refused = await complete(strict, challenge, wrong);
        expect(fieldsOf(refused)).toEqual([{ field: 'code', reason: 'INCORRECT' }]);
      }
      const locked = await complete(strict, challenge, await user.app.next());
      expect(errorCodes(locked)).toEqual(['RATE_LIMITED']);
      const password = await login(strict, user.username, user.password);
      expect(errorCodes(password)).toEqual(['RATE_LIMITED']);
    });
  });
});

describe('adding factors', () => {
  test('when TOTP is turned on, then the user’s other sessions end and this one stays', async () => {
    const user = await createUser(api);
    const other = (await signIn(api, user)).accessToken;
    const { accessToken: token } = await signIn(api, user);
    const begun = await execute(
      api,
      BeginTotpEnrollmentMutation,
      { password: user.password },
      { token },
    );
    const app = new Authenticator(begun.body.data?.beginTotpEnrollment?.secret ?? '');
    await execute(api, ConfirmTotpEnrollmentMutation, { code: await app.next() }, { token });
    expect((await execute(api, MeQuery, undefined, { token: other })).status).toBe(401);
    expect((await execute(api, MeQuery, undefined, { token })).body.data?.me?.id).toBe(user.id);
  });

  test('when a user with a factor adds another from a session that did not use one, then MFA_REQUIRED; after a two-factor sign-in it works', async () => {
    const user = await enrolled(api);
    const refused = await execute(
      api,
      BeginPasskeyRegistrationMutation,
      { password: user.password },
      user,
    );
    expect(extensionsOf(refused)).toMatchObject({ code: 'FORBIDDEN', reason: 'MFA_REQUIRED' });
    const done = await complete(api, await challengeFor(api, user), await user.app.next());
    const allowed = await execute(
      api,
      BeginPasskeyRegistrationMutation,
      { password: user.password },
      {
        token: done.body.data?.completeMfaSignIn.accessToken,
      },
    );
    expect(allowed.body.data?.beginPasskeyRegistration).toEqual(expect.any(String));
  });
});

describe('guessing codes', () => {
  test('when a challenge takes five wrong codes, then it is dead and the password must be given again', async () => {
    const user = await enrolled(api);
    const challenge = await challengeFor(api, user);
    for (const wrong of ['111111', '222222', '333333', '444444', '555555']) {
      expect(fieldsOf(await complete(api, challenge, wrong))).toEqual([
        { field: 'code', reason: 'INCORRECT' },
      ]);
    }
    const late = await complete(api, challenge, await user.app.next());
    expect(extensionsOf(late).reason).toBe('MFA_CHALLENGE_INVALID');
  });

  test('when the password is given again between wrong codes, then the wrong codes still add up', async () => {
    await withTestApi({ LOGIN_LOCKOUT_THRESHOLD: '3' }, async (strict) => {
      const user = await enrolled(strict);
      const first = await challengeFor(strict, user);
      await complete(strict, first, '111111');
      await complete(strict, first, '222222');
      const second = await challengeFor(strict, user);
      await complete(strict, second, '333333');
      expect(errorCodes(await complete(strict, second, await user.app.next()))).toEqual([
        'RATE_LIMITED',
      ]);
    });
  });
});

describe('managing TOTP', () => {
  test('when a user signed in with two factors changes the password, then the new session keeps them', async () => {
    const user = await enrolled(api);
    const done = await complete(api, await challengeFor(api, user), await user.app.next());
    const changed = await execute(
      api,
      ChangePasswordMutation,
      { currentPassword: user.password, newPassword: strongPassword() },
      { token: done.body.data?.completeMfaSignIn.accessToken },
    );
    const token = changed.body.data?.changePassword?.accessToken ?? '';
    expect(claimsOf(token).amr).toEqual(['pwd', 'otp', 'mfa']);
    const plain = await createUser(api);
    const plainChanged = await execute(
      api,
      ChangePasswordMutation,
      { currentPassword: plain.password, newPassword: strongPassword() },
      { token: (await signIn(api, plain)).accessToken },
    );
    expect(claimsOf(plainChanged.body.data?.changePassword?.accessToken ?? '').amr).toEqual([
      'pwd',
    ]);
  });

  test('when recovery codes are regenerated, then the old ones stop working and the new ones work', async () => {
    const user = await enrolled(api);
    const fresh = await execute(
      api,
      RegenerateRecoveryCodesMutation,
      { code: await user.app.next() },
      user,
    );
    const codes = fresh.body.data?.regenerateRecoveryCodes ?? [];
    expect(codes).toHaveLength(10);
    const old = await complete(api, await challengeFor(api, user), user.recoveryCodes[0] ?? '');
    expect(fieldsOf(old)).toEqual([{ field: 'code', reason: 'INCORRECT' }]);
    const current = await complete(api, await challengeFor(api, user), codes[0] ?? '');
    expect(current.body.data?.completeMfaSignIn.recoveryCodesRemaining).toBe(9);
  });

  test('when TOTP is turned off, then the password and a current code are needed, and sign-in is one step again', async () => {
    const user = await enrolled(api);
    const wrongPassword = await execute(
      api,
      DisableTotpMutation,
      { password: `${user.password}x`, code: await user.app.next() },
      user,
    );
    expect(fieldsOf(wrongPassword)).toEqual([{ field: 'password', reason: 'INCORRECT' }]);
    const off = await execute(
      api,
      DisableTotpMutation,
      { password: user.password, code: await user.app.next() },
      user,
    );
    expect(off.body.data).toEqual({ disableTotp: true });
    expect((await signIn(api, user)).user.id).toBe(user.id);
  });
});

describe('MFA_REQUIRED_ROLES and step-up', () => {
  test('when administrators must have a second factor, then one without it reaches only me and enrolment until they set it up', async () => {
    await withTestApi({ MFA_REQUIRED_ROLES: 'ADMIN' }, async (strict) => {
      const admin = await createUser(strict, { roles: ['ADMIN'] });
      // Made through the service: the test's administrator cannot act before enrolling.
      const user = await strict.app.services.users.create(
        { username: uniqueUsername('plain'), password: strongPassword() },
        SYSTEM_CALLER,
      );
      const { accessToken: token } = await signIn(strict, admin);
      const refused = await execute(strict, AdminOnlyQuery, undefined, { token });
      expect(extensionsOf(refused)).toMatchObject({
        code: 'FORBIDDEN',
        reason: 'MFA_ENROLLMENT_REQUIRED',
      });
      expect((await execute(strict, MeQuery, undefined, { token })).body.data?.me?.id).toBe(
        admin.id,
      );
      const begun = await execute(
        strict,
        BeginTotpEnrollmentMutation,
        { password: admin.password },
        { token },
      );
      const app = new Authenticator(begun.body.data?.beginTotpEnrollment?.secret ?? '');
      await execute(strict, ConfirmTotpEnrollmentMutation, { code: await app.next() }, { token });
      // This session never proved the factor: it must sign in again with it.
      const stale = await execute(strict, AdminOnlyQuery, undefined, { token });
      expect(extensionsOf(stale)).toMatchObject({ code: 'FORBIDDEN', reason: 'MFA_REQUIRED' });
      const again = await complete(strict, await challengeFor(strict, admin), await app.next());
      const served = await execute(strict, AdminOnlyQuery, undefined, {
        token: again.body.data?.completeMfaSignIn.accessToken,
      });
      expect(served.body.data?.adminOnly).toEqual(expect.any(String));

      const asUser = await execute(strict, UserOnlyQuery, undefined, {
        token: await tokenFor(strict, { id: user._id.toHexString() }),
      });
      expect(asUser.body.data?.userOnly).toEqual(expect.any(String));
    });
  });

  test('when an administrator resets a user’s second factors, then only a two-factor session may, and the user’s sessions end', async () => {
    const admin = await enrolled(api, ['ADMIN']);
    const target = await enrolled(api);
    const passwordOnly = await execute(
      api,
      ResetUserMfaMutation,
      { userId: target.id },
      { token: await tokenFor(api, admin) },
    );
    expect(extensionsOf(passwordOnly)).toMatchObject({ code: 'FORBIDDEN', reason: 'MFA_REQUIRED' });

    const stepUp = await complete(api, await challengeFor(api, admin), await admin.app.next());
    const token = stepUp.body.data?.completeMfaSignIn.accessToken;
    const reset = await execute(api, ResetUserMfaMutation, { userId: target.id }, { token });
    expect(reset.body.data).toEqual({ resetUserMfa: true });
    expect((await execute(api, MeQuery, undefined, target)).status).toBe(401);
    expect((await signIn(api, target)).user.id).toBe(target.id);
    expect(await auditEvents(api, { action: 'MFA_RESET', targetId: target.id })).toHaveLength(1);
  });
});

describe('POST /token with a second factor', () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const token = (fields: Record<string, string>) =>
    post(api, '/token', form(fields), { 'content-type': 'application/x-www-form-urlencoded' });

  test('when the password grant meets a second factor, then mfa_required with the challenge, and the MFA grant completes it', async () => {
    const user = await enrolled(api);
    const first = await token({
      grant_type: 'password',
      username: user.username,
      password: user.password,
    });
    expect(first.status).toBe(403);
    expect(first.body).toMatchObject({
      error: 'mfa_required',
      challenge: expect.any(String),
      methods: ['TOTP', 'RECOVERY_CODE'],
    });
    const second = await token({
      grant_type: 'urn:graphql-auth-api:params:oauth:grant-type:mfa',
      challenge: first.body.challenge as string,
      code: user.recoveryCodes[0] ?? '',
    });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ token_type: 'Bearer', recovery_codes_remaining: 9 });
    expect(claimsOf(second.body.access_token as string).amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});

describe('password reset and second factors', () => {
  test('when an account with TOTP resets its password, then nothing changes until the second factor is given too', async () => {
    const username = uniqueUsername('reset');
    const email = `${username}@example.test`;
    const password = strongPassword();
    const record = await api.app.services.users.create(
      { username, password, email },
      SYSTEM_CALLER,
    );
    const user = { id: record._id.toHexString(), username, password, roles: ['USER'] as const };
    const { accessToken: token } = await signIn(api, user);
    const begun = await execute(
      api,
      BeginTotpEnrollmentMutation,
      { password: password },
      { token },
    );
    const app = new Authenticator(begun.body.data?.beginTotpEnrollment?.secret ?? '');
    await execute(api, ConfirmTotpEnrollmentMutation, { code: await app.next() }, { token });

    await execute(api, RequestPasswordResetMutation, { email });
    const link = await eventually(() =>
      Promise.resolve(/reset-password\?token=([A-Za-z0-9_-]{43})/.exec(api.terminal())?.[1]),
    );
    const newPassword = strongPassword();
    const reset = await execute(api, ResetPasswordMutation, { token: link, newPassword });
    expect(reset.body.data).toBeNull();
    const extensions = extensionsOf(reset);
    expect(extensions).toMatchObject({ code: 'MFA_REQUIRED', methods: ['TOTP', 'RECOVERY_CODE'] });
    // Nothing has changed yet: the mailbox alone neither sets the password nor ends sessions.
    expect(extensionsOf(await login(api, username, newPassword)).reason).toBe('BAD_CREDENTIALS');
    expect(extensionsOf(await login(api, username, password)).code).toBe('MFA_REQUIRED');
    expect((await execute(api, MeQuery, undefined, { token })).body.data?.me?.id).toBe(user.id);

    const done = await complete(api, extensions.challenge as string, await app.next());
    expect(claimsOf(done.body.data?.completeMfaSignIn.accessToken ?? '').amr).toEqual([
      'pwd',
      'otp',
      'mfa',
    ]);
    expect(extensionsOf(await login(api, username, newPassword)).code).toBe('MFA_REQUIRED');
    expect(extensionsOf(await login(api, username, password)).reason).toBe('BAD_CREDENTIALS');
    expect((await execute(api, MeQuery, undefined, { token })).status).toBe(401);
  });
});
