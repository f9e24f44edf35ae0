import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { SYSTEM_CALLER } from '../../src/caller';
import { buildSchema } from '../../src/graphql/schema';
import { errorCodes, execute, startTestApi, type TestApi } from '../helpers/api';
import { Secret, TOTP } from 'otpauth';
import { SoftwareAuthenticator } from '../helpers/authenticator';
import {
  AcceptInvitationMutation,
  BeginPasskeyRegistrationMutation,
  BeginPasskeySignInMutation,
  FinishPasskeyRegistrationMutation,
  FinishPasskeySignInMutation,
  PasskeysQuery,
  RemovePasskeyMutation,
  BeginTotpEnrollmentMutation,
  CompleteMfaSignInMutation,
  ConfirmTotpEnrollmentMutation,
  DisableTotpMutation,
  RegenerateRecoveryCodesMutation,
  ResetUserMfaMutation,
  AdminOnlyQuery,
  DeleteMeMutation,
  MySecurityEventsQuery,
  UpdateMeMutation,
  InvitationsQuery,
  InviteUserMutation,
  RevokeInvitationMutation,
  AuditEventsQuery,
  ChangePasswordMutation,
  CreateUserMutation,
  DeleteUserMutation,
  HealthQuery,
  PasswordPolicyQuery,
  LoginMutation,
  LogoutAllMutation,
  LogoutMutation,
  MeQuery,
  RefreshTokenMutation,
  RequestPasswordResetMutation,
  ResendEmailVerificationMutation,
  ResetPasswordMutation,
  RevokeSessionMutation,
  RevokeUserSessionsMutation,
  SessionsQuery,
  SignUpMutation,
  UpdateUserMutation,
  UserOnlyQuery,
  UserQuery,
  UsersQuery,
  VerifyEmailMutation,
} from '../helpers/operations';
import {
  createUser,
  findUser,
  sessionFor,
  strongPassword,
  tokenFor,
  uniqueUsername,
  userExists,
  type TestUser,
} from '../helpers/users';

/** The example app's origin on a developer's machine: the passkey origin outside production. */
const ORIGIN = 'http://localhost:5173';

type Caller = 'anonymous' | 'USER' | 'ADMIN' | 'disabled';
type Outcome = 'ok' | 'UNAUTHENTICATED' | 'FORBIDDEN' | '401';

interface Case {
  /** Sends the operation; returns a check that the write did not happen, for mutations. */
  run(
    token: string | undefined,
    caller: Caller,
  ): Promise<{ response: Awaited<ReturnType<typeof execute>>; wrote?: () => Promise<boolean> }>;
  expected: Record<Caller, Outcome>;
}

let api: TestApi;
const callers: Partial<Record<Caller, TestUser>> = {};

beforeAll(async () => {
  api = await startTestApi({ SIGNUP_MODE: 'open' });
  callers.USER = await createUser(api, { roles: ['USER'] });
  callers.ADMIN = await createUser(api, { roles: ['ADMIN'] });
  callers.disabled = await createUser(api, { roles: ['ADMIN'], disabled: true });
});
afterAll(() => api.close());

/** Open to all; a disabled user's unusable token runs as anonymous (a stale header never blocks). */
const PUBLIC: Record<Caller, Outcome> = {
  anonymous: 'ok',
  USER: 'ok',
  ADMIN: 'ok',
  disabled: 'ok',
};
/** `me`: null for anonymous callers, but a token that is sent must be usable. */
const ANONYMOUS_OR_SIGNED_IN: Record<Caller, Outcome> = {
  anonymous: 'ok',
  USER: 'ok',
  ADMIN: 'ok',
  disabled: '401',
};
const SIGNED_IN: Record<Caller, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  USER: 'ok',
  ADMIN: 'ok',
  disabled: '401',
};
const ADMIN_ONLY: Record<Caller, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  USER: 'FORBIDDEN',
  ADMIN: 'ok',
  disabled: '401',
};

/** The token of the `path` link last mailed to `email` (no SMTP_URL: the terminal has it). */
async function mailedToken(on: TestApi, email: string, path: string): Promise<string> {
  const link = new RegExp(`${path}\\?token=([A-Za-z0-9_-]+)`);
  for (let waited = 0; waited < 10_000; waited += 25) {
    const [, ...toEmail] = on.terminal().split(`Mail to ${email}`);
    const printed = toEmail.at(-1);
    const token = printed && link.exec(printed)?.[1];
    if (token) return token;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no ${path} mail for ${email}`);
}

const newcomer = () => {
  const username = uniqueUsername();
  return { username, email: `${username}@example.test`, password: strongPassword() };
};

/** A password reset token for a new user with an email address. */
async function resetTokenFor(on: TestApi): Promise<string> {
  const { username, email, password } = newcomer();
  await on.app.services.users.create({ username, password, email }, SYSTEM_CALLER);
  await execute(on, RequestPasswordResetMutation, { email });
  return mailedToken(on, email, '/reset-password');
}

/** A confirmation token for a new account made through `signUp`. */
async function confirmationTokenFor(on: TestApi): Promise<string> {
  const input = newcomer();
  await execute(on, SignUpMutation, { input });
  return mailedToken(on, input.email, '/verify-email');
}

/**
 * For fields that change the caller's own account for good (deleting it, turning TOTP on): a
 * fresh user of the caller's role, so the matrix's callers stay as they are. Null for callers
 * without a usable session, who use their own token.
 */
async function standInFor(caller: Caller): Promise<TestUser | null> {
  return caller === 'USER' || caller === 'ADMIN' ? createUser(api, { roles: [caller] }) : null;
}

const totpAt = (secret: string, timestamp: number) =>
  new TOTP({
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    secret: Secret.fromBase32(secret),
  }).generate({ timestamp });

/**
 * Begins TOTP for the token's user and, when `confirm`, turns it on with the code of the step
 * before; returns the current step's code, still unused.
 */
async function enrolTotp(token: string, password: string, confirm: boolean): Promise<string> {
  const begun = await execute(api, BeginTotpEnrollmentMutation, { password }, { token });
  const secret = begun.body.data?.beginTotpEnrollment?.secret ?? '';
  if (confirm) {
    const previous = totpAt(secret, Date.now() - 30_000);
    await execute(api, ConfirmTotpEnrollmentMutation, { code: previous }, { token });
  }
  return totpAt(secret, Date.now());
}

/** A stand-in with TOTP begun (or on), or the caller's own token when there is no stand-in. */
async function withTotp(token: string | undefined, caller: Caller, confirm: boolean) {
  const standIn = await standInFor(caller);
  if (!standIn) return { token, code: '123456', password: strongPassword() };
  const own = await tokenFor(api, standIn);
  return {
    token: own,
    code: await enrolTotp(own, standIn.password, confirm),
    password: standIn.password,
  };
}

/** An invitation token, from an invitation the matrix's administrator sends. */
async function invitationTokenFor(on: TestApi): Promise<string> {
  const { email } = newcomer();
  await execute(
    on,
    InviteUserMutation,
    { input: { email } },
    {
      token: await tokenFor(on, callers.ADMIN!),
    },
  );
  return mailedToken(on, email, '/accept-invitation');
}

function query<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables: () => Promise<TVariables> | TVariables,
) {
  return async (token: string | undefined) => ({
    response: await execute(api, document, await variables(), { token }),
  });
}

const matrix: Record<string, Case> = {
  'Query.health': { run: query(HealthQuery, () => ({})), expected: PUBLIC },
  'Query.passwordPolicy': { run: query(PasswordPolicyQuery, () => ({})), expected: PUBLIC },
  // Anonymous: null, no error (asserted in graphql-surface.test.ts).
  'Query.me': { run: query(MeQuery, () => ({})), expected: ANONYMOUS_OR_SIGNED_IN },
  'Query.adminOnly': { run: query(AdminOnlyQuery, () => ({})), expected: ADMIN_ONLY },
  'Query.userOnly': { run: query(UserOnlyQuery, () => ({})), expected: SIGNED_IN },
  'Query.auditEvents': { run: query(AuditEventsQuery, () => ({ first: 5 })), expected: ADMIN_ONLY },
  'Query.users': { run: query(UsersQuery, () => ({ first: 5 })), expected: ADMIN_ONLY },
  'Query.user': {
    run: query(UserQuery, () => ({ id: callers.USER?.id ?? '' })),
    expected: ADMIN_ONLY,
  },
  'Mutation.login': {
    run: query(LoginMutation, () => ({
      username: callers.USER?.username ?? '',
      password: callers.USER?.password ?? '',
    })),
    expected: PUBLIC,
  },
  'Mutation.refreshToken': {
    run: query(RefreshTokenMutation, async () => ({
      refreshToken: (await sessionFor(api, await createUser(api))).refreshToken,
    })),
    expected: PUBLIC,
  },
  'Mutation.requestPasswordReset': {
    run: query(RequestPasswordResetMutation, () => ({ email: 'nobody@example.test' })),
    expected: PUBLIC,
  },
  'Mutation.resetPassword': {
    run: query(ResetPasswordMutation, async () => ({
      token: await resetTokenFor(api),
      newPassword: strongPassword(),
    })),
    expected: PUBLIC,
  },
  'Mutation.signUp': {
    run: query(SignUpMutation, () => ({ input: newcomer() })),
    expected: PUBLIC,
  },
  'Mutation.verifyEmail': {
    run: query(VerifyEmailMutation, async () => ({ token: await confirmationTokenFor(api) })),
    expected: PUBLIC,
  },
  'Mutation.resendEmailVerification': {
    run: query(ResendEmailVerificationMutation, () => ({})),
    expected: SIGNED_IN,
  },
  'Query.invitations': {
    run: query(InvitationsQuery, () => ({ first: 5 })),
    expected: ADMIN_ONLY,
  },
  'Mutation.inviteUser': {
    async run(token) {
      const { email } = newcomer();
      const response = await execute(api, InviteUserMutation, { input: { email } }, { token });
      const pending = async () =>
        (await api.app.services.invitations.list(100, null)).invitations.some(
          (invitation) => invitation.email === email,
        );
      return { response, wrote: pending };
    },
    expected: ADMIN_ONLY,
  },
  'Mutation.revokeInvitation': {
    run: query(RevokeInvitationMutation, () => ({ id: 'f'.repeat(24) })),
    expected: ADMIN_ONLY,
  },
  'Mutation.acceptInvitation': {
    run: query(AcceptInvitationMutation, async () => ({
      token: await invitationTokenFor(api),
      username: uniqueUsername('invited'),
      password: strongPassword(),
    })),
    expected: PUBLIC,
  },
  'Query.mySecurityEvents': {
    run: query(MySecurityEventsQuery, () => ({ first: 5 })),
    expected: SIGNED_IN,
  },
  'Mutation.updateMe': {
    run: query(UpdateMeMutation, () => ({ input: { fullName: 'Matrix Name' } })),
    expected: SIGNED_IN,
  },
  'Mutation.deleteMe': {
    // A signed-in caller deletes a stand-in of their role, so the matrix's callers live on.
    async run(token, caller) {
      const standIn = await standInFor(caller);
      const response = await execute(
        api,
        DeleteMeMutation,
        { password: standIn?.password ?? strongPassword() },
        { token: standIn ? await tokenFor(api, standIn) : token },
      );
      return {
        response,
        wrote: async () => standIn !== null && (await findUser(api, standIn.id)) === null,
      };
    },
    expected: SIGNED_IN,
  },
  'Mutation.beginTotpEnrollment': {
    async run(token, caller) {
      const standIn = await standInFor(caller);
      const response = await execute(
        api,
        BeginTotpEnrollmentMutation,
        { password: standIn?.password ?? strongPassword() },
        { token: standIn ? await tokenFor(api, standIn) : token },
      );
      return { response };
    },
    expected: SIGNED_IN,
  },
  'Mutation.confirmTotpEnrollment': {
    async run(token, caller) {
      const totp = await withTotp(token, caller, false);
      const response = await execute(
        api,
        ConfirmTotpEnrollmentMutation,
        { code: totp.code },
        { token: totp.token },
      );
      return { response };
    },
    expected: SIGNED_IN,
  },
  'Mutation.regenerateRecoveryCodes': {
    async run(token, caller) {
      const totp = await withTotp(token, caller, true);
      const response = await execute(
        api,
        RegenerateRecoveryCodesMutation,
        { code: totp.code },
        { token: totp.token },
      );
      return { response };
    },
    expected: SIGNED_IN,
  },
  'Mutation.disableTotp': {
    async run(token, caller) {
      const totp = await withTotp(token, caller, true);
      const response = await execute(
        api,
        DisableTotpMutation,
        { password: totp.password, code: totp.code },
        { token: totp.token },
      );
      return { response };
    },
    expected: SIGNED_IN,
  },
  'Mutation.completeMfaSignIn': {
    // Public: any caller completes a real challenge of a user with TOTP on.
    async run(token) {
      const person = await createUser(api);
      const code = await enrolTotp(await tokenFor(api, person), person.password, true);
      const challenge = await execute(api, LoginMutation, person).then(
        (answer) => answer.body.errors?.[0]?.extensions?.challenge as string,
      );
      const response = await execute(
        api,
        CompleteMfaSignInMutation,
        { challenge, code },
        { token },
      );
      return { response };
    },
    expected: PUBLIC,
  },
  'Query.passkeys': { run: query(PasskeysQuery, () => ({})), expected: SIGNED_IN },
  'Mutation.beginPasskeyRegistration': {
    async run(token, caller) {
      const standIn = await standInFor(caller);
      const response = await execute(
        api,
        BeginPasskeyRegistrationMutation,
        { password: standIn?.password ?? strongPassword() },
        { token: standIn ? await tokenFor(api, standIn) : token },
      );
      return { response };
    },
    expected: SIGNED_IN,
  },
  'Mutation.finishPasskeyRegistration': {
    async run(token, caller) {
      const standIn = await standInFor(caller);
      const own = standIn ? await tokenFor(api, standIn) : token;
      const options = standIn
        ? ((
            await execute(
              api,
              BeginPasskeyRegistrationMutation,
              { password: standIn.password },
              { token: own },
            )
          ).body.data?.beginPasskeyRegistration ?? '')
        : '{"challenge":"x","rp":{"id":"localhost"},"user":{"id":"eA"}}';
      const response = await execute(
        api,
        FinishPasskeyRegistrationMutation,
        { response: new SoftwareAuthenticator(ORIGIN).create(options), name: 'Matrix' },
        { token: own },
      );
      return { response };
    },
    expected: SIGNED_IN,
  },
  'Mutation.removePasskey': {
    async run(token, caller) {
      const standIn = await standInFor(caller);
      const response = await execute(
        api,
        RemovePasskeyMutation,
        { id: 'unknown', password: standIn?.password ?? strongPassword() },
        { token: standIn ? await tokenFor(api, standIn) : token },
      );
      return { response };
    },
    expected: SIGNED_IN,
  },
  'Mutation.beginPasskeySignIn': {
    run: query(BeginPasskeySignInMutation, () => ({ challenge: null })),
    expected: PUBLIC,
  },
  'Mutation.finishPasskeySignIn': {
    // Public: any caller signs in with a passkey a user registered.
    async run(token) {
      const owner = await createUser(api);
      const own = await tokenFor(api, owner);
      const device = new SoftwareAuthenticator(ORIGIN);
      const registration = await execute(
        api,
        BeginPasskeyRegistrationMutation,
        { password: owner.password },
        { token: own },
      );
      await execute(
        api,
        FinishPasskeyRegistrationMutation,
        {
          response: device.create(registration.body.data?.beginPasskeyRegistration ?? ''),
          name: 'M',
        },
        { token: own },
      );
      const options = await execute(api, BeginPasskeySignInMutation, { challenge: null });
      const response = await execute(
        api,
        FinishPasskeySignInMutation,
        { response: device.get(options.body.data?.beginPasskeySignIn ?? '') },
        { token },
      );
      return { response };
    },
    expected: PUBLIC,
  },
  'Mutation.resetUserMfa': {
    run: query(ResetUserMfaMutation, () => ({ userId: callers.USER?.id ?? '' })),
    // The matrix's sessions are password-only, so the step-up refuses the administrator too;
    // mfa.test.ts resets with a two-factor session.
    expected: {
      anonymous: 'UNAUTHENTICATED',
      USER: 'FORBIDDEN',
      ADMIN: 'FORBIDDEN',
      disabled: '401',
    },
  },
  'Query.sessions': { run: query(SessionsQuery, () => ({})), expected: SIGNED_IN },
  'Mutation.logout': { run: query(LogoutMutation, () => ({})), expected: SIGNED_IN },
  'Mutation.logoutAll': { run: query(LogoutAllMutation, () => ({})), expected: SIGNED_IN },
  'Mutation.revokeSession': {
    run: query(RevokeSessionMutation, () => ({ id: 'f'.repeat(24) })),
    expected: SIGNED_IN,
  },
  'Mutation.revokeUserSessions': {
    async run(token) {
      const target = await createUser(api);
      const { token: targetToken } = await sessionFor(api, target);
      const response = await execute(
        api,
        RevokeUserSessionsMutation,
        { userId: target.id },
        { token },
      );
      const still = await execute(api, MeQuery, undefined, { token: targetToken });
      return { response, wrote: () => Promise.resolve(still.status === 401) };
    },
    expected: ADMIN_ONLY,
  },
  'Mutation.changePassword': {
    async run(token, caller) {
      const user = callers[caller];
      const next = strongPassword();
      const response = await execute(
        api,
        ChangePasswordMutation,
        { currentPassword: user?.password ?? 'unknown password', newPassword: next },
        { token },
      );
      const changed = response.body.errors === undefined && user !== undefined;
      if (changed) callers[caller] = { ...user, password: next };
      return { response };
    },
    expected: SIGNED_IN,
  },
  'Mutation.createUser': {
    async run(token) {
      const username = uniqueUsername('matrix');
      const response = await execute(
        api,
        CreateUserMutation,
        { input: { username, password: strongPassword() } },
        { token },
      );
      return { response, wrote: () => userExists(api, username) };
    },
    expected: ADMIN_ONLY,
  },
  'Mutation.updateUser': {
    async run(token) {
      const target = await createUser(api);
      const response = await execute(
        api,
        UpdateUserMutation,
        { id: target.id, input: { fullName: 'Changed Name' } },
        { token },
      );
      return { response, wrote: async () => (await findUser(api, target.id))?.fullName != null };
    },
    expected: ADMIN_ONLY,
  },
  'Mutation.deleteUser': {
    async run(token) {
      const target = await createUser(api);
      const response = await execute(api, DeleteUserMutation, { id: target.id }, { token });
      return { response, wrote: async () => (await findUser(api, target.id)) === null };
    },
    expected: ADMIN_ONLY,
  },
};

const rows = Object.entries(matrix).flatMap(([field, testCase]) =>
  (Object.keys(testCase.expected) as Caller[]).map(
    (caller) => [field, caller, testCase.expected[caller], testCase] as const,
  ),
);

describe('a refused field nulls only itself', () => {
  test('when a USER asks for me, userOnly and adminOnly at once, then 200 with the first two and one FORBIDDEN', async () => {
    const token = await tokenFor(api, callers.USER!);
    const response = await execute(api, '{ me { id } userOnly adminOnly }', undefined, { token });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      me: { id: callers.USER!.id },
      userOnly: 'Hello, User!',
      adminOnly: null,
    });
    expect(response.body.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([
      ['FORBIDDEN', ['adminOnly']],
    ]);
  });
});

describe('a field that answers null is not a refusal', () => {
  test('when an anonymous caller asks for me and userOnly, then 200: me is null, userOnly refused', async () => {
    const response = await execute(api, '{ me { id } userOnly }');
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ me: null, userOnly: null });
    expect(response.body.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([
      ['UNAUTHENTICATED', ['userOnly']],
    ]);
  });
});

describe('role matrix', () => {
  test('when the schema gains a root field, then this matrix must cover it', () => {
    const schema = buildSchema();
    const rootFields = [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
      Object.keys(type?.getFields() ?? {}).map((field) => `${type?.name}.${field}`),
    );
    expect(Object.keys(matrix).sort()).toEqual(rootFields.sort());
  });

  test.each(rows)(
    'when %s is called by %s, then %s',
    async (_field, caller, expected, testCase) => {
      const user = callers[caller];
      const { response, wrote } = await testCase.run(
        user ? await tokenFor(api, user) : undefined,
        caller,
      );
      switch (expected) {
        case 'ok':
          expect(response.status).toBe(200);
          expect(response.body.errors).toBeUndefined();
          if (wrote) await expect(wrote()).resolves.toBe(true);
          break;
        case '401':
          expect(response.status).toBe(401);
          expect(errorCodes(response)).toEqual(['UNAUTHENTICATED']);
          if (wrote) await expect(wrote()).resolves.toBe(false);
          break;
        default:
          expect(errorCodes(response)).toEqual([expected]);
          // RFC 6750 at the HTTP layer when the whole request was refused (no data at all: every
          // root field null, guarded fields being nullable); 200 with partial data.
          if (Object.values(response.body.data ?? {}).every((value) => value === null)) {
            expect(response.status).toBe(expected === 'UNAUTHENTICATED' ? 401 : 403);
            expect(response.headers.get('www-authenticate')).toBe(
              expected === 'UNAUTHENTICATED' ? 'Bearer' : 'Bearer error="insufficient_scope"',
            );
          } else {
            expect(response.status).toBe(200);
            expect(response.headers.get('www-authenticate')).toBeNull();
          }
          if (wrote) await expect(wrote()).resolves.toBe(false);
      }
    },
  );
});
