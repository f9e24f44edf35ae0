import { SYSTEM_CALLER } from '../../src/caller';
import { errorCodes, eventually, execute, withTestApi, type TestApi } from '../helpers/api';
import {
  LoginMutation,
  MyEmailQuery,
  RequestPasswordResetMutation,
  ResendEmailVerificationMutation,
  ResetPasswordMutation,
  SignUpMutation,
  VerifyEmailMutation,
} from '../helpers/operations';
import { linkTokenOf, startSmtpServer, type TestSmtp } from '../helpers/smtp';
import { auditEvents, signIn, strongPassword, uniqueUsername, updateUser } from '../helpers/users';

const APP_URL = 'https://app.example.test';
const CONFIRM = 'Confirm your email address';

let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startSmtpServer();
});

afterAll(() => smtp.close());

/** An API that mails through the test SMTP server, with `overrides`. */
const withMailingApi = <T>(overrides: Record<string, string>, work: (api: TestApi) => Promise<T>) =>
  withTestApi(
    { SMTP_URL: smtp.url, MAIL_FROM: 'Accounts <accounts@example.test>', APP_URL, ...overrides },
    work,
  );

function newcomer() {
  const username = uniqueUsername('new');
  return { username, email: `${username}@example.test`, password: strongPassword() };
}

const signUp = (api: TestApi, input: ReturnType<typeof newcomer>) =>
  execute(api, SignUpMutation, { input });

const confirmationToken = async (email: string) =>
  linkTokenOf(await smtp.nextMailTo(email, { subject: CONFIRM }), '/verify-email');

const verify = (api: TestApi, token: string) => execute(api, VerifyEmailMutation, { token });

const myEmail = async (api: TestApi, user: { username: string; password: string }) =>
  (await execute(api, MyEmailQuery, undefined, { token: (await signIn(api, user)).accessToken }))
    .body.data?.me;

const canSignIn = async (api: TestApi, user: { username: string; password: string }) =>
  (await execute(api, LoginMutation, user)).body.data?.login !== undefined;

const fieldsOf = (response: { body: { errors?: { extensions?: Record<string, unknown> }[] } }) =>
  response.body.errors?.[0]?.extensions?.fields;

describe('sign-up (SIGNUP_MODE=open)', () => {
  test('when someone signs up, then no account exists until the mailed link is followed, which makes it confirmed, once', async () => {
    await withMailingApi({ SIGNUP_MODE: 'open' }, async (api) => {
      const person = newcomer();
      expect((await signUp(api, person)).body).toEqual({ data: { signUp: true } });
      const mail = await smtp.nextMailTo(person.email, { subject: CONFIRM });
      expect(mail.text).toContain(`${APP_URL}/verify-email?token=`);
      expect(mail.html).toContain(`${APP_URL}/verify-email?token=`);
      // Before the link: the same answer as for a name nobody signed up with.
      expect(await canSignIn(api, person)).toBe(false);

      const token = linkTokenOf(mail, '/verify-email');
      expect((await verify(api, token)).body.data).toEqual({ verifyEmail: true });
      expect(await myEmail(api, person)).toMatchObject({
        email: person.email,
        emailVerified: true,
      });
      expect(fieldsOf(await verify(api, token))).toEqual([
        { field: 'token', reason: 'INVALID_TOKEN' },
      ]);
      const signedUp = await auditEvents(api, { action: 'USER_SIGNED_UP' });
      expect(signedUp).toHaveLength(1);
    });
  });

  test('when one sign-up link is followed twice at once, then exactly one account is made', async () => {
    await withMailingApi({ SIGNUP_MODE: 'open' }, async (api) => {
      const person = newcomer();
      await signUp(api, person);
      const token = await confirmationToken(person.email);
      const answers = await Promise.all([verify(api, token), verify(api, token)]);
      const [won, lost] = [...answers].sort((a) => (a.body.data?.verifyEmail ? -1 : 1));
      expect(won?.body.data).toEqual({ verifyEmail: true });
      expect(lost && fieldsOf(lost)).toEqual([{ field: 'token', reason: 'INVALID_TOKEN' }]);
      expect(await auditEvents(api, { action: 'USER_SIGNED_UP' })).toHaveLength(1);
      expect(await canSignIn(api, person)).toBe(true);
    });
  });

  test('when the name is taken before the link is followed, then the link says TAKEN on username and no account is made', async () => {
    await withMailingApi({ SIGNUP_MODE: 'open' }, async (api) => {
      const first = newcomer();
      const second = { ...newcomer(), username: first.username };
      await signUp(api, first);
      await signUp(api, second);
      const secondToken = await confirmationToken(second.email);
      await verify(api, await confirmationToken(first.email));
      expect(fieldsOf(await verify(api, secondToken))).toEqual([
        { field: 'username', reason: 'TAKEN' },
      ]);
      expect(await canSignIn(api, second)).toBe(false);
    });
  });

  test('when an address signed up twice is confirmed through one link, then the other link is INVALID_TOKEN', async () => {
    await withMailingApi({ SIGNUP_MODE: 'open' }, async (api) => {
      const first = newcomer();
      const second = { ...newcomer(), email: first.email };
      await signUp(api, first);
      const firstLink = await confirmationToken(first.email);
      await signUp(api, second);
      const secondLink = await confirmationToken(first.email);
      expect((await verify(api, secondLink)).body.data).toEqual({ verifyEmail: true });
      expect(fieldsOf(await verify(api, firstLink))).toEqual([
        { field: 'token', reason: 'INVALID_TOKEN' },
      ]);
      expect(await canSignIn(api, first)).toBe(false);
      expect(await canSignIn(api, second)).toBe(true);
    });
  });

  test('when the sign-up link has expired, then it is INVALID_TOKEN and no account is made', async () => {
    await withMailingApi({ SIGNUP_MODE: 'open', EMAIL_VERIFICATION_TTL: '1s' }, async (api) => {
      const person = newcomer();
      await signUp(api, person);
      const token = await confirmationToken(person.email);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(fieldsOf(await verify(api, token))).toEqual([
        { field: 'token', reason: 'INVALID_TOKEN' },
      ]);
      expect(await canSignIn(api, person)).toBe(false);
    });
  });

  test('when the address already has an account, then the answer is the same, no account is made and the owner is told', async () => {
    await withMailingApi({ SIGNUP_MODE: 'open' }, async (api) => {
      const owner = newcomer();
      await signUp(api, owner);
      await verify(api, await confirmationToken(owner.email));

      const intruder = { ...newcomer(), email: owner.email.toUpperCase() };
      expect((await signUp(api, intruder)).body).toEqual({ data: { signUp: true } });
      const notice = await smtp.nextMailTo(owner.email, {
        subject: 'Someone tried to sign up with your address',
      });
      expect(notice.text).toContain(`${APP_URL}/reset-password?token=`);
      const login = await execute(api, LoginMutation, {
        username: intruder.username,
        password: intruder.password,
      });
      expect(errorCodes(login)).toEqual(['UNAUTHENTICATED']);
    });
  });

  test('when password reset is off and the address has an account, then its owner is told without a useless link', async () => {
    await withMailingApi({ SIGNUP_MODE: 'open', PASSWORD_RESET: 'off' }, async (api) => {
      const owner = newcomer();
      await signUp(api, owner);
      await verify(api, await confirmationToken(owner.email));
      await signUp(api, { ...newcomer(), email: owner.email });
      const notice = await smtp.nextMailTo(owner.email, {
        subject: 'Someone tried to sign up with your address',
      });
      expect(notice.text).not.toContain('token=');
      expect(notice.text).toContain('sign in instead');
    });
  });

  test('when the username is taken or the fields are invalid, then every problem is listed, whatever the address', async () => {
    await withMailingApi({ SIGNUP_MODE: 'open' }, async (api) => {
      const first = newcomer();
      await signUp(api, first);
      await verify(api, await confirmationToken(first.email));
      const taken = await signUp(api, { ...newcomer(), username: first.username });
      expect(fieldsOf(taken)).toEqual([{ field: 'username', reason: 'TAKEN' }]);
      const invalid = await signUp(api, {
        username: 'x',
        email: 'not-an-address',
        password: 'short',
      });
      expect(fieldsOf(invalid)).toEqual([
        { field: 'username', reason: 'TOO_SHORT' },
        { field: 'password', reason: 'TOO_SHORT' },
        { field: 'email', reason: 'INVALID_FORMAT' },
      ]);
    });
  });

  test('when sign-up is closed after a link was mailed, then the link makes no account', async () => {
    // Two instances on one database: the second restarted with sign-up closed.
    await withMailingApi({ SIGNUP_MODE: 'open' }, async (open) => {
      const person = newcomer();
      await signUp(open, person);
      const token = await confirmationToken(person.email);
      await withMailingApi(
        { SIGNUP_MODE: 'invite', MONGODB_URI: open.config.mongodbUri ?? '' },
        async (closed) => {
          const refused = await verify(closed, token);
          expect(refused.body.errors?.[0]?.extensions?.reason).toBe('FEATURE_OFF');
          expect(await canSignIn(closed, person)).toBe(false);
        },
      );
    });
  });

  test('when one client address signs up too often, then the sign-in throttle refuses it', async () => {
    await withMailingApi({ SIGNUP_MODE: 'open', LOGIN_MAX_PER_IP_PER_MINUTE: '2' }, async (api) => {
      expect((await signUp(api, newcomer())).body.data).toEqual({ signUp: true });
      expect((await signUp(api, newcomer())).body.data).toEqual({ signUp: true });
      expect(errorCodes(await signUp(api, newcomer()))).toEqual(['RATE_LIMITED']);
    });
  });

  test('when sign-up is closed (the default), then signUp is refused with FEATURE_OFF', async () => {
    await withMailingApi({}, async (api) => {
      const response = await signUp(api, newcomer());
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
      expect(response.body.errors?.[0]?.extensions?.reason).toBe('FEATURE_OFF');
    });
  });
});

describe('confirmed addresses', () => {
  test('when REQUIRE_VERIFIED_EMAIL is on, then the right password is refused with EMAIL_NOT_VERIFIED until the address is confirmed', async () => {
    await withMailingApi({ REQUIRE_VERIFIED_EMAIL: 'true' }, async (api) => {
      const person = newcomer();
      const record = await api.app.services.users.create(person, SYSTEM_CALLER);
      const refused = await execute(api, LoginMutation, person);
      expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
      expect(refused.body.errors?.[0]?.extensions?.reason).toBe('EMAIL_NOT_VERIFIED');
      const wrong = await execute(api, LoginMutation, { ...person, password: strongPassword() });
      expect(wrong.body.errors?.[0]?.extensions?.reason).toBe('BAD_CREDENTIALS');

      const moved = `${uniqueUsername('moved')}@example.test`;
      await updateUser(api, { id: record._id.toHexString() }, { email: moved });
      await verify(api, await confirmationToken(moved));
      expect((await execute(api, LoginMutation, person)).body.data?.login.accessToken).toEqual(
        expect.any(String),
      );
    });
  });

  test('when an administrator changes the address, then it is unconfirmed, the new one gets a link and the old link no longer works', async () => {
    await withMailingApi({}, async (api) => {
      const person = newcomer();
      const record = await api.app.services.users.create(person, SYSTEM_CALLER);
      const id = record._id.toHexString();
      const first = `${uniqueUsername('moved')}@example.test`;
      await updateUser(api, { id }, { email: first });
      const oldLink = await confirmationToken(first);
      const changed = `${uniqueUsername('moved')}@example.test`;
      await updateUser(api, { id }, { email: changed });

      const newLink = await confirmationToken(changed);
      expect(fieldsOf(await verify(api, oldLink))).toEqual([
        { field: 'token', reason: 'INVALID_TOKEN' },
      ]);
      expect(await myEmail(api, person)).toMatchObject({ email: changed, emailVerified: false });
      await verify(api, newLink);
      expect(await myEmail(api, person)).toMatchObject({ emailVerified: true });
    });
  });

  test('when a signed-in user asks for a new link, then it is mailed and the earlier one stops working', async () => {
    await withMailingApi({}, async (api) => {
      const person = newcomer();
      await api.app.services.users.create(person, SYSTEM_CALLER);
      const { accessToken } = await signIn(api, person);
      const resend = () =>
        execute(api, ResendEmailVerificationMutation, undefined, { token: accessToken });
      expect((await resend()).body.data).toEqual({ resendEmailVerification: true });
      const first = await confirmationToken(person.email);
      await resend();
      const second = await confirmationToken(person.email);
      expect(fieldsOf(await verify(api, first))).toEqual([
        { field: 'token', reason: 'INVALID_TOKEN' },
      ]);
      await verify(api, second);
      expect((await resend()).body.data).toEqual({ resendEmailVerification: false });
    });
  });
});

describe('addresses and links', () => {
  test('when an unconfirmed account must confirm to sign in, then a password reset link confirms it and lets it in', async () => {
    await withMailingApi({ REQUIRE_VERIFIED_EMAIL: 'true' }, async (api) => {
      const person = newcomer();
      await api.app.services.users.create(person, SYSTEM_CALLER);
      const refused = await execute(api, LoginMutation, person);
      expect(refused.body.errors?.[0]?.extensions?.reason).toBe('EMAIL_NOT_VERIFIED');

      await execute(api, RequestPasswordResetMutation, { email: person.email });
      const token = linkTokenOf(
        await smtp.nextMailTo(person.email, { subject: 'Reset your password' }),
        '/reset-password',
      );
      const password = strongPassword();
      await execute(api, ResetPasswordMutation, { token, newPassword: password });
      expect((await execute(api, LoginMutation, { ...person, password })).body.data?.login).toEqual(
        expect.objectContaining({ accessToken: expect.any(String) }),
      );
    });
  });

  test('when the address changes after a reset link was sent, then that link no longer works', async () => {
    await withMailingApi({}, async (api) => {
      const person = newcomer();
      const record = await api.app.services.users.create(person, SYSTEM_CALLER);
      await execute(api, RequestPasswordResetMutation, { email: person.email });
      const token = linkTokenOf(
        await smtp.nextMailTo(person.email, { subject: 'Reset your password' }),
        '/reset-password',
      );
      const moved = `${uniqueUsername('moved')}@example.test`;
      await updateUser(api, { id: record._id.toHexString() }, { email: moved });
      const response = await execute(api, ResetPasswordMutation, {
        token,
        newPassword: strongPassword(),
      });
      expect(fieldsOf(response)).toEqual([{ field: 'token', reason: 'INVALID_TOKEN' }]);
    });
  });

  test('when a confirmation link is used to reset a password, then it is refused and stays good for its own purpose', async () => {
    await withMailingApi({ SIGNUP_MODE: 'open' }, async (api) => {
      const person = newcomer();
      await signUp(api, person);
      const token = await confirmationToken(person.email);
      const misused = await execute(api, ResetPasswordMutation, {
        token,
        newPassword: strongPassword(),
      });
      expect(fieldsOf(misused)).toEqual([{ field: 'token', reason: 'INVALID_TOKEN' }]);
      expect((await verify(api, token)).body.data).toEqual({ verifyEmail: true });
      expect(await canSignIn(api, person)).toBe(true);
    });
  });

  test('when an address holds list separators or brackets, then it is refused', async () => {
    await withMailingApi({ SIGNUP_MODE: 'open' }, async (api) => {
      for (const email of ['a@example.test,victim@example.test', 'Name <victim@example.test>']) {
        const response = await signUp(api, { ...newcomer(), email });
        expect(fieldsOf(response)).toEqual([{ field: 'email', reason: 'INVALID_FORMAT' }]);
      }
    });
  });

  test('when production has no mail server, then a link is never printed and the failure is audited', async () => {
    await withTestApi(
      {
        NODE_ENV: 'production',
        ADMIN_USERNAME: 'root',
        ADMIN_PASSWORD: 'a long and unusual admin passphrase',
      },
      async (api) => {
        const person = newcomer();
        await api.app.services.users.create(person, SYSTEM_CALLER);
        const { accessToken } = await signIn(api, person);
        await execute(api, ResendEmailVerificationMutation, undefined, { token: accessToken });
        const failed = await eventually(async () =>
          (await auditEvents(api, { action: 'EMAIL_VERIFICATION_SENT' })).find(
            (event) => event.outcome === 'FAILURE',
          ),
        );
        expect(failed).toBeDefined();
        expect(api.terminal()).toBe('');
      },
    );
  });
});
