import { errorCodes, eventually, execute, withTestApi, type TestApi } from '../helpers/api';
import {
  AcceptInvitationMutation,
  AdminOnlyQuery,
  InvitationsQuery,
  InviteUserMutation,
  RequestPasswordResetMutation,
  ResetPasswordMutation,
  RevokeInvitationMutation,
  SignUpMutation,
  VerifyEmailMutation,
} from '../helpers/operations';
import { linkTokenOf, startSmtpServer, type TestSmtp } from '../helpers/smtp';
import {
  auditEvents,
  createUser,
  strongPassword,
  tokenFor,
  uniqueUsername,
  type TestUser,
} from '../helpers/users';

const APP_URL = 'https://app.example.test';
const INVITED = 'You are invited to create an account';

let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(() => smtp.close());

interface Admin {
  readonly user: TestUser;
  readonly token: string;
}

/** An API that mails through the test SMTP server, with an administrator to invite people. */
const withInvitingApi = <T>(
  overrides: Record<string, string>,
  work: (api: TestApi, admin: Admin) => Promise<T>,
) =>
  withTestApi(
    {
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Accounts <accounts@example.test>',
      APP_URL,
      SIGNUP_MODE: 'invite',
      ...overrides,
    },
    async (api) => {
      const user = await createUser(api, { roles: ['ADMIN'] });
      return work(api, { user, token: await tokenFor(api, user) });
    },
  );

const address = () => `${uniqueUsername('invited')}@example.test`;

const invite = (
  api: TestApi,
  admin: Admin,
  input: { email: string; roles?: ('ADMIN' | 'USER')[]; fullName?: string },
) => execute(api, InviteUserMutation, { input }, { token: admin.token });

const invitationToken = async (email: string) =>
  linkTokenOf(await smtp.nextMailTo(email, { subject: INVITED }), '/accept-invitation');

const accept = (api: TestApi, token: string, username = uniqueUsername('joined')) =>
  execute(api, AcceptInvitationMutation, { token, username, password: strongPassword() });

const pendingEmails = async (api: TestApi, admin: Admin) =>
  (
    await execute(api, InvitationsQuery, { first: 100 }, { token: admin.token })
  ).body.data?.invitations?.edges.map((edge) => edge.node.email);

const fieldsOf = (response: { body: { errors?: { extensions?: Record<string, unknown> }[] } }) =>
  response.body.errors?.[0]?.extensions?.fields;

const INVALID_TOKEN = [{ field: 'token', reason: 'INVALID_TOKEN' }];

describe('invitations', () => {
  test('when an administrator invites an address, then the link makes a signed-in account with those roles and a confirmed address, once', async () => {
    await withInvitingApi({}, async (api, admin) => {
      const email = address();
      const invited = await invite(api, admin, { email, roles: ['ADMIN'], fullName: 'Ada L.' });
      expect(invited.body.data?.inviteUser).toMatchObject({
        email,
        fullName: 'Ada L.',
        roles: ['ADMIN'],
        invitedBy: { id: admin.user.id, username: admin.user.username },
      });
      const mail = await smtp.nextMailTo(email, { subject: INVITED });
      expect(mail.text).toContain(`${APP_URL}/accept-invitation?token=`);
      expect(mail.html).toContain(`${APP_URL}/accept-invitation?token=`);
      expect(await pendingEmails(api, admin)).toEqual([email]);

      const token = linkTokenOf(mail, '/accept-invitation');
      const username = uniqueUsername('joined');
      const accepted = (await accept(api, token, username)).body.data?.acceptInvitation;
      expect(accepted?.user).toMatchObject({
        id: invited.body.data?.inviteUser?.id,
        username,
        email,
        fullName: 'Ada L.',
        roles: ['ADMIN'],
        emailVerified: true,
      });
      const asNewcomer = await execute(api, AdminOnlyQuery, undefined, {
        token: accepted?.accessToken,
      });
      expect(asNewcomer.body.data?.adminOnly).toEqual(expect.any(String));
      expect(await pendingEmails(api, admin)).toEqual([]);
      expect(fieldsOf(await accept(api, token))).toEqual(INVALID_TOKEN);

      const sent = await auditEvents(api, { action: 'USER_INVITED' });
      expect(sent).toEqual([
        expect.objectContaining({ outcome: 'SUCCESS', targetId: accepted?.user.id }),
      ]);
      const joined = await auditEvents(api, { action: 'INVITATION_ACCEPTED' });
      expect(joined).toEqual([expect.objectContaining({ actorId: accepted?.user.id })]);
    });
  });

  test('when the chosen username is taken or the password too weak, then it is refused and the link still works', async () => {
    await withInvitingApi({}, async (api, admin) => {
      const email = address();
      await invite(api, admin, { email });
      const token = await invitationToken(email);
      const taken = await accept(api, token, admin.user.username);
      expect(fieldsOf(taken)).toEqual([{ field: 'username', reason: 'TAKEN' }]);
      const weak = await execute(api, AcceptInvitationMutation, {
        token,
        username: uniqueUsername('joined'),
        password: 'short',
      });
      expect(fieldsOf(weak)).toEqual([{ field: 'password', reason: 'TOO_SHORT' }]);
      expect((await accept(api, token)).body.data?.acceptInvitation.user.email).toBe(email);
    });
  });

  test('when an address is invited again, then the earlier link stops working and one invitation is listed', async () => {
    await withInvitingApi({}, async (api, admin) => {
      const email = address();
      await invite(api, admin, { email, roles: ['ADMIN'] });
      const first = await invitationToken(email);
      await invite(api, admin, { email });
      const second = await invitationToken(email);
      expect(await pendingEmails(api, admin)).toEqual([email]);
      expect(fieldsOf(await accept(api, first))).toEqual(INVALID_TOKEN);
      expect((await accept(api, second)).body.data?.acceptInvitation.user.roles).toEqual(['USER']);
    });
  });

  test('when an invitation is revoked, then its link stops working and revoking again answers false', async () => {
    await withInvitingApi({}, async (api, admin) => {
      const email = address();
      const id = (await invite(api, admin, { email })).body.data?.inviteUser?.id ?? '';
      const token = await invitationToken(email);
      const revoke = () => execute(api, RevokeInvitationMutation, { id }, { token: admin.token });
      expect((await revoke()).body.data).toEqual({ revokeInvitation: true });
      expect(fieldsOf(await accept(api, token))).toEqual(INVALID_TOKEN);
      expect((await revoke()).body.data).toEqual({ revokeInvitation: false });
      expect(await auditEvents(api, { action: 'INVITATION_REVOKED' })).toEqual([
        expect.objectContaining({ targetId: id, actorId: admin.user.id }),
      ]);
    });
  });

  test('when the invitation has expired, then its link is INVALID_TOKEN and it is no longer listed', async () => {
    await withInvitingApi({ INVITATION_TTL: '1s' }, async (api, admin) => {
      const email = address();
      await invite(api, admin, { email });
      const token = await invitationToken(email);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(fieldsOf(await accept(api, token))).toEqual(INVALID_TOKEN);
      expect(await pendingEmails(api, admin)).toEqual([]);
    });
  });

  test('when links are used for the wrong purpose, then each is INVALID_TOKEN and stays good for its own', async () => {
    await withInvitingApi({ PASSWORD_RESET: 'on' }, async (api, admin) => {
      const email = address();
      await invite(api, admin, { email });
      const invitation = await invitationToken(email);
      const asConfirmation = await execute(api, VerifyEmailMutation, { token: invitation });
      expect(fieldsOf(asConfirmation)).toEqual(INVALID_TOKEN);
      const asReset = await execute(api, ResetPasswordMutation, {
        token: invitation,
        newPassword: strongPassword(),
      });
      expect(fieldsOf(asReset)).toEqual(INVALID_TOKEN);
      const joined = (await accept(api, invitation)).body.data?.acceptInvitation;

      await execute(api, RequestPasswordResetMutation, { email });
      const reset = linkTokenOf(
        await smtp.nextMailTo(email, { subject: 'Reset your password' }),
        '/reset-password',
      );
      expect(fieldsOf(await accept(api, reset))).toEqual(INVALID_TOKEN);
      expect(joined?.user.email).toBe(email);
    });
  });

  test('when the address already has an account, then inviting it is TAKEN on email', async () => {
    await withInvitingApi({}, async (api, admin) => {
      const email = address();
      await invite(api, admin, { email });
      await accept(api, await invitationToken(email));
      expect(fieldsOf(await invite(api, admin, { email: email.toUpperCase() }))).toEqual([
        { field: 'email', reason: 'TAKEN' },
      ]);
    });
  });

  test('when the mail server is down, then the invitation is still made and listed, so it can be sent again, and the failure is audited', async () => {
    const down = await startSmtpServer();
    const url = down.url;
    await down.close();
    await withInvitingApi({ SMTP_URL: url }, async (api, admin) => {
      const email = address();
      expect((await invite(api, admin, { email })).body.data?.inviteUser?.email).toBe(email);
      const failed = await eventually(async () =>
        (await auditEvents(api, { action: 'USER_INVITED' })).find(
          (event) => event.outcome === 'FAILURE',
        ),
      );
      expect(failed).toBeDefined();
      expect(await pendingEmails(api, admin)).toEqual([email]);
    });
  });

  test('when an administrator sends more invitations than MAIL_MAX_PER_IP_PER_HOUR allows, then RATE_LIMITED', async () => {
    await withInvitingApi({ MAIL_MAX_PER_IP_PER_HOUR: '1' }, async (api, admin) => {
      expect((await invite(api, admin, { email: address() })).body.errors).toBeUndefined();
      expect(errorCodes(await invite(api, admin, { email: address() }))).toEqual(['RATE_LIMITED']);
    });
  });

  test('when SIGNUP_MODE is invite, then signUp is FEATURE_OFF; when closed, inviting is', async () => {
    await withInvitingApi({}, async (api) => {
      const username = uniqueUsername('self');
      const response = await execute(api, SignUpMutation, {
        input: { username, email: `${username}@example.test`, password: strongPassword() },
      });
      expect(response.body.errors?.[0]?.extensions?.reason).toBe('FEATURE_OFF');
    });
    await withInvitingApi({ SIGNUP_MODE: 'closed' }, async (api, admin) => {
      const response = await invite(api, admin, { email: address() });
      expect(errorCodes(response)).toEqual(['FORBIDDEN']);
      expect(response.body.errors?.[0]?.extensions?.reason).toBe('FEATURE_OFF');
    });
  });
});
