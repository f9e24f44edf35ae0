import { SYSTEM_CALLER } from '../../src/caller';
import {
  errorCodes,
  eventually,
  execute,
  startTestApi,
  withTestApi,
  type GraphQLResponse,
  type TestApi,
} from '../helpers/api';
import {
  LoginMutation,
  MeQuery,
  RefreshTokenMutation,
  RequestPasswordResetMutation,
  ResetPasswordMutation,
} from '../helpers/operations';
import { linkTokenOf, startSmtpServer, type TestSmtp } from '../helpers/smtp';
import { auditEvents, signIn, strongPassword, uniqueUsername } from '../helpers/users';

const APP_URL = 'https://app.example.test';

let smtp: TestSmtp;
let api: TestApi;

const mailEnv = () => ({
  SMTP_URL: smtp.url,
  MAIL_FROM: 'Accounts <accounts@example.test>',
  APP_URL,
});

beforeAll(async () => {
  smtp = await startSmtpServer();
  api = await startTestApi(mailEnv());
});

afterAll(async () => {
  await api.close();
  await smtp.close();
});

interface MailUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  readonly email: string;
}

/** A user with an email address (made through the services: the mutation under test is not). */
async function createMailUser(on: TestApi): Promise<MailUser> {
  const username = uniqueUsername();
  const password = strongPassword();
  const email = `${username}@example.test`;
  const record = await on.app.services.users.create({ username, password, email }, SYSTEM_CALLER);
  return { id: record._id.toHexString(), username, password, email };
}

const requestReset = (on: TestApi, email: string) =>
  execute(on, RequestPasswordResetMutation, { email });

async function resetLinkFor(on: TestApi, user: MailUser): Promise<string> {
  const response = await requestReset(on, user.email);
  expect(response.body.data?.requestPasswordReset).toBe(true);
  return linkTokenOf(await smtp.nextMailTo(user.email), '/reset-password');
}

const reset = (on: TestApi, token: string, newPassword = strongPassword()) =>
  execute(on, ResetPasswordMutation, { token, newPassword });

const inputReasonOf = (response: GraphQLResponse<unknown>) =>
  (response.body.errors?.[0]?.extensions?.fields as { field: string; reason: string }[])?.[0];

const canSignIn = async (on: TestApi, username: string, password: string) =>
  (await execute(on, LoginMutation, { username, password })).body.data?.login !== undefined;

describe('password reset by email', () => {
  test('when a user asks for a reset, then a text and HTML mail links to APP_URL and the link sets a new password, ends every session and signs in', async () => {
    const user = await createMailUser(api);
    const before = await signIn(api, user);

    expect((await requestReset(api, user.email.toUpperCase())).body.data).toEqual({
      requestPasswordReset: true,
    });
    const mail = await smtp.nextMailTo(user.email);
    expect(mail.from).toContain('accounts@example.test');
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain(`${APP_URL}/reset-password?token=`);
    expect(mail.text).toContain('30 minutes');
    expect(mail.html).toContain(`href="${APP_URL}/reset-password?token=`);
    const token = linkTokenOf(mail, '/reset-password');

    const newPassword = strongPassword();
    const response = await reset(api, token, newPassword);
    const payload = response.body.data?.resetPassword;
    expect(payload?.user.id).toBe(user.id);
    const me = await execute(api, MeQuery, undefined, { token: payload?.accessToken ?? '' });
    expect(me.body.data?.me?.id).toBe(user.id);
    // Every earlier session ended, its refresh token included.
    expect((await execute(api, MeQuery, undefined, { token: before.accessToken })).status).toBe(
      401,
    );
    expect(
      errorCodes(await execute(api, RefreshTokenMutation, { refreshToken: before.refreshToken })),
    ).toEqual(['UNAUTHENTICATED']);
    expect(await canSignIn(api, user.username, user.password)).toBe(false);
    expect(await canSignIn(api, user.username, newPassword)).toBe(true);

    const events = (await auditEvents(api, { actorId: user.id })).map((e) => [e.action, e.outcome]);
    expect(events).toEqual(
      expect.arrayContaining([
        ['PASSWORD_RESET_REQUESTED', 'SUCCESS'],
        ['PASSWORD_RESET', 'SUCCESS'],
      ]),
    );
    // No token, and no link, in the logs or the audit trail.
    expect(api.rawLogs()).not.toContain(token);
    expect(JSON.stringify(await auditEvents(api, { actorId: user.id }))).not.toContain(token);
  });

  test('when a link is used twice, or after a newer one was sent, then it is refused with INVALID_TOKEN', async () => {
    const user = await createMailUser(api);
    const first = await resetLinkFor(api, user);
    const second = await resetLinkFor(api, user);
    const superseded = await reset(api, first);
    expect(errorCodes(superseded)).toEqual(['BAD_USER_INPUT']);
    expect(inputReasonOf(superseded)).toEqual({ field: 'token', reason: 'INVALID_TOKEN' });

    expect((await reset(api, second)).body.data?.resetPassword.user.id).toBe(user.id);
    expect(inputReasonOf(await reset(api, second))).toEqual({
      field: 'token',
      reason: 'INVALID_TOKEN',
    });
  });

  test('when the new password breaks the policy, then nothing is spent and the link still works', async () => {
    const user = await createMailUser(api);
    const token = await resetLinkFor(api, user);
    const weak = await reset(api, token, 'short');
    expect(inputReasonOf(weak)).toEqual({ field: 'newPassword', reason: 'TOO_SHORT' });
    expect((await reset(api, token)).body.data?.resetPassword.user.id).toBe(user.id);
  });

  test('when a token of another kind or a made-up one is presented, then it is refused the same way', async () => {
    const user = await createMailUser(api);
    const { refreshToken } = await signIn(api, user);
    for (const token of [refreshToken, 'x'.repeat(43), 'not a token']) {
      expect(inputReasonOf(await reset(api, token))).toEqual({
        field: 'token',
        reason: 'INVALID_TOKEN',
      });
    }
  });

  test('when the address belongs to no one, then the answer is the same and no mail goes out', async () => {
    const nobody = `${uniqueUsername()}@example.test`;
    const user = await createMailUser(api);
    expect((await requestReset(api, nobody)).body).toEqual({
      data: { requestPasswordReset: true },
    });
    // A later request's mail arrives; none was sent to the unknown address before it.
    await resetLinkFor(api, user);
    expect(smtp.received.filter((mail) => mail.to.includes(nobody))).toEqual([]);
  });

  test('when the link has expired, then it is refused with INVALID_TOKEN', async () => {
    await withTestApi({ ...mailEnv(), PASSWORD_RESET_TTL: '1s' }, async (shortLived) => {
      const user = await createMailUser(shortLived);
      const token = await resetLinkFor(shortLived, user);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(inputReasonOf(await reset(shortLived, token))).toEqual({
        field: 'token',
        reason: 'INVALID_TOKEN',
      });
    });
  });

  test('when the mail server is down, then the answer is the same, the failure is logged and audited, and the user can ask again', async () => {
    const down = await startSmtpServer();
    const url = down.url;
    await down.close();
    await withTestApi({ ...mailEnv(), SMTP_URL: url }, async (withoutMail) => {
      const user = await createMailUser(withoutMail);
      const response = await requestReset(withoutMail, user.email);
      expect(response.body).toEqual({ data: { requestPasswordReset: true } });
      const failed = await eventually(async () =>
        (await auditEvents(withoutMail, { actorId: user.id })).find(
          (event) => event.action === 'PASSWORD_RESET_REQUESTED' && event.outcome === 'FAILURE',
        ),
      );
      expect(failed).toBeDefined();
      const logged = withoutMail.logs().find((line) => line.msg === 'could not send a mail');
      expect(logged?.code).toBe('ESOCKET');
      expect(withoutMail.rawLogs()).not.toContain('reset-password?token=');
      // Asking again is allowed: the request itself was not used up by the failure.
      expect((await requestReset(withoutMail, user.email)).body.data).toEqual({
        requestPasswordReset: true,
      });
    });
  });

  test('when one client asks too often, then RATE_LIMITED; one address gets at most three messages an hour', async () => {
    await withTestApi({ ...mailEnv(), MAIL_MAX_PER_IP_PER_HOUR: '10' }, async (limited) => {
      const user = await createMailUser(limited);
      for (let i = 0; i < 3; i += 1) await resetLinkFor(limited, user);
      // The fourth is answered like the others, and no fourth message goes out.
      expect((await requestReset(limited, user.email)).body.data).toEqual({
        requestPasswordReset: true,
      });
      const denied = await eventually(async () =>
        (await auditEvents(limited, { actorId: user.id })).find(
          (event) => event.action === 'PASSWORD_RESET_REQUESTED' && event.outcome === 'DENIED',
        ),
      );
      expect(denied).toBeDefined();
      expect(smtp.received.filter((mail) => mail.to.includes(user.email))).toHaveLength(3);

      // Ten requests an hour from one client address, whatever the addresses asked for.
      for (let i = 4; i < 10; i += 1)
        await requestReset(limited, `${uniqueUsername()}@example.test`);
      const refused = await requestReset(limited, user.email);
      expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
      expect(refused.body.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(3000);
    });
  });
});

describe('password reset configuration', () => {
  test('when there is no SMTP_URL in development, then the message is printed on the terminal', async () => {
    await withTestApi({ NODE_ENV: 'development', APP_URL }, async (developer) => {
      const user = await createMailUser(developer);
      await requestReset(developer, user.email);
      const printed = await eventually(() =>
        Promise.resolve(
          developer.terminal().includes(`Mail to ${user.email}`) ? developer.terminal() : undefined,
        ),
      );
      expect(printed).toContain(`${APP_URL}/reset-password?token=`);
      expect(developer.rawLogs()).not.toContain('reset-password?token=');
    });
  });

  test('when password reset is off, then both mutations say so', async () => {
    await withTestApi({ PASSWORD_RESET: 'off' }, async (off) => {
      for (const response of [
        await requestReset(off, 'someone@example.test'),
        await reset(off, 'x'.repeat(43)),
      ]) {
        expect(errorCodes(response)).toEqual(['FORBIDDEN']);
        expect(response.body.errors?.[0]?.extensions?.reason).toBe('FEATURE_OFF');
      }
    });
  });
});
