import { SYSTEM_CALLER } from '../../src/caller';
import { errorCodes, eventually, execute, withTestApi, type TestApi } from '../helpers/api';
import {
  ChangePasswordMutation,
  DeleteMeMutation,
  LoginMutation,
  LogoutMutation,
  MeQuery,
  MySecurityEventsQuery,
  ResendEmailVerificationMutation,
  UpdateMeMutation,
  VerifyEmailMutation,
} from '../helpers/operations';
import { linkTokenOf, startSmtpServer, type TestSmtp } from '../helpers/smtp';
import {
  auditEvents,
  createUser,
  signIn,
  strongPassword,
  tokenFor,
  uniqueUsername,
  updateUser,
} from '../helpers/users';

const APP_URL = 'https://app.example.test';
const USER_AGENT = 'SelfServiceTest/1.0';

let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(() => smtp.close());

const withMailingApi = <T>(work: (api: TestApi) => Promise<T>, overrides = {}) =>
  withTestApi(
    { SMTP_URL: smtp.url, MAIL_FROM: 'Accounts <accounts@example.test>', APP_URL, ...overrides },
    work,
  );

/** A user with a (not yet confirmed) address, signed in. */
async function member(api: TestApi) {
  const username = uniqueUsername('self');
  const password = strongPassword();
  const email = `${username}@example.test`;
  const record = await api.app.services.users.create({ username, password, email }, SYSTEM_CALLER);
  const { accessToken } = await signIn(api, { username, password });
  return { id: record._id.toHexString(), username, password, email, token: accessToken };
}

const fieldsOf = (response: { body: { errors?: { extensions?: Record<string, unknown> }[] } }) =>
  response.body.errors?.[0]?.extensions?.fields;

describe('updateMe', () => {
  test('when a user changes their full name, then it is stored and audited as their own change', async () => {
    await withMailingApi(async (api) => {
      const me = await member(api);
      const updated = await execute(
        api,
        UpdateMeMutation,
        { input: { fullName: 'Grace H.' } },
        { token: me.token },
      );
      expect(updated.body.data?.updateMe).toMatchObject({ id: me.id, fullName: 'Grace H.' });
      expect(await auditEvents(api, { action: 'PROFILE_UPDATED', actorId: me.id })).toEqual([
        expect.objectContaining({ outcome: 'SUCCESS', details: '{"fields":["fullName"]}' }),
      ]);
    });
  });

  test('when a user changes their address, then it is unconfirmed until its link is followed, and the old address is told without a link', async () => {
    await withMailingApi(async (api) => {
      const me = await member(api);
      const moved = `${uniqueUsername('moved')}@example.test`;
      const updated = await execute(
        api,
        UpdateMeMutation,
        { input: { email: moved, currentPassword: me.password } },
        { token: me.token },
      );
      expect(updated.body.data?.updateMe).toMatchObject({ email: moved, emailVerified: false });

      const notice = await smtp.nextMailTo(me.email, { subject: 'Your email address was changed' });
      expect(notice.text).toContain(`${moved[0]}***@example.test`);
      expect(notice.text).not.toContain(moved);
      expect(notice.text).not.toContain('token=');
      const link = await smtp.nextMailTo(moved, { subject: 'Confirm your email address' });
      await execute(api, VerifyEmailMutation, { token: linkTokenOf(link, '/verify-email') });
      const after = await execute(api, MeQuery, undefined, { token: me.token });
      expect(after.body.data?.me?.email).toBe(moved);
      const notified = await eventually(async () =>
        (await auditEvents(api, { action: 'EMAIL_CHANGE_NOTIFIED' })).find(
          (event) => event.actorId === me.id,
        ),
      );
      expect(notified.outcome).toBe('SUCCESS');
    });
  });

  test('when the address is taken, removed or malformed, then it is refused with the field and reason', async () => {
    await withMailingApi(async (api) => {
      const me = await member(api);
      const other = await member(api);
      const currentPassword = me.password;
      const refusals = [
        await execute(
          api,
          UpdateMeMutation,
          { input: { email: other.email, currentPassword } },
          me,
        ),
        await execute(api, UpdateMeMutation, { input: { email: null } }, me),
        await execute(api, UpdateMeMutation, { input: { email: 'nope' } }, me),
      ].map(fieldsOf);
      expect(refusals).toEqual([
        [{ field: 'email', reason: 'TAKEN' }],
        [{ field: 'email', reason: 'REQUIRED' }],
        [{ field: 'email', reason: 'INVALID_FORMAT' }],
      ]);
    });
  });

  test('when a new address comes without the current password, or a wrong one, then it is refused and the address stays', async () => {
    await withMailingApi(async (api) => {
      const me = await member(api);
      const moved = `${uniqueUsername('taken-over')}@example.test`;
      const without = await execute(api, UpdateMeMutation, { input: { email: moved } }, me);
      expect(fieldsOf(without)).toEqual([{ field: 'currentPassword', reason: 'REQUIRED' }]);
      const wrong = await execute(
        api,
        UpdateMeMutation,
        { input: { email: moved, currentPassword: strongPassword() } },
        me,
      );
      expect(fieldsOf(wrong)).toEqual([{ field: 'currentPassword', reason: 'INCORRECT' }]);
      // A look-alike that normalizes to the same address is a new address too.
      const twin = await execute(
        api,
        UpdateMeMutation,
        // Its first letter in full width: NFKC folds it back to the same address.
        {
          input: {
            email: `${String.fromCodePoint(me.email.charCodeAt(0) + 0xfee0)}${me.email.slice(1)}`,
          },
        },
        me,
      );
      expect(fieldsOf(twin)).toEqual([{ field: 'currentPassword', reason: 'REQUIRED' }]);
      expect((await execute(api, MeQuery, undefined, me)).body.data?.me?.email).toBe(me.email);
    });
  });

  test('when one client sends too many mail-sending requests, then RATE_LIMITED and the address stays', async () => {
    await withMailingApi(
      async (api) => {
        const me = await member(api);
        const resent = await execute(api, ResendEmailVerificationMutation, undefined, me);
        expect(resent.body.data).toEqual({ resendEmailVerification: true });
        const moved = `${uniqueUsername('moved')}@example.test`;
        await execute(
          api,
          UpdateMeMutation,
          { input: { email: moved, currentPassword: me.password } },
          me,
        );
        const refused = await execute(
          api,
          UpdateMeMutation,
          {
            input: {
              email: `${uniqueUsername('again')}@example.test`,
              currentPassword: me.password,
            },
          },
          me,
        );
        expect(errorCodes(refused)).toEqual(['RATE_LIMITED']);
        expect((await execute(api, MeQuery, undefined, me)).body.data?.me?.email).toBe(moved);
      },
      { MAIL_MAX_PER_IP_PER_HOUR: '2' },
    );
  });
});

describe('deleteMe', () => {
  test('when the password is wrong, then INCORRECT and the account stays; when right, the account and its sessions are gone', async () => {
    await withMailingApi(async (api) => {
      const me = await member(api);
      const wrong = await execute(api, DeleteMeMutation, { password: strongPassword() }, me);
      expect(fieldsOf(wrong)).toEqual([{ field: 'password', reason: 'INCORRECT' }]);
      expect((await execute(api, MeQuery, undefined, me)).body.data?.me?.id).toBe(me.id);

      const deleted = await execute(api, DeleteMeMutation, { password: me.password }, me);
      expect(deleted.body).toEqual({ data: { deleteMe: true } });
      expect((await execute(api, MeQuery, undefined, me)).status).toBe(401);
      expect(errorCodes(await execute(api, LoginMutation, me))).toEqual(['UNAUTHENTICATED']);
      expect(await auditEvents(api, { action: 'USER_DELETED', targetId: me.id })).toEqual([
        expect.objectContaining({ outcome: 'SUCCESS', actorId: me.id }),
        expect.objectContaining({ outcome: 'FAILURE', actorId: me.id }),
      ]);
    });
  });

  test('when the last active administrator asks, then FORBIDDEN with LAST_ADMINISTRATOR; with another admin, it is allowed', async () => {
    await withMailingApi(async (api) => {
      const admin = await createUser(api, { roles: ['ADMIN'] });
      const token = await tokenFor(api, admin);
      const refused = await execute(api, DeleteMeMutation, { password: admin.password }, { token });
      expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.body.errors?.[0]?.extensions?.reason).toBe('LAST_ADMINISTRATOR');

      await createUser(api, { roles: ['ADMIN'] });
      const allowed = await execute(api, DeleteMeMutation, { password: admin.password }, { token });
      expect(allowed.body).toEqual({ data: { deleteMe: true } });
    });
  });
});

describe('mySecurityEvents', () => {
  test("when a user signs in, fails, changes the password and signs out elsewhere, then they see it newest first, with address and user agent, and nobody else's", async () => {
    await withMailingApi(async (api) => {
      const me = await member(api);
      const other = await member(api);
      const headers = { 'user-agent': USER_AGENT };
      await execute(api, LoginMutation, { ...me, password: strongPassword() }, { headers });
      const password = strongPassword();
      const changed = await execute(
        api,
        ChangePasswordMutation,
        { currentPassword: me.password, newPassword: password },
        { token: me.token, headers },
      );
      const token = changed.body.data?.changePassword?.accessToken ?? '';
      const second = await signIn(api, { username: me.username, password }, { headers });
      await execute(api, LogoutMutation, undefined, { token: second.accessToken, headers });

      const read = (variables: { first: number; after?: string | null }) =>
        execute(api, MySecurityEventsQuery, variables, { token });
      const events = (await read({ first: 20 })).body.data?.mySecurityEvents?.edges.map(
        (edge) => edge.node,
      );
      expect(events?.map((event) => [event.action, event.outcome])).toEqual([
        ['SESSION_REVOKED', 'SUCCESS'],
        ['LOGIN', 'SUCCESS'],
        ['PASSWORD_CHANGED', 'SUCCESS'],
        ['LOGIN', 'FAILURE'],
        ['LOGIN', 'SUCCESS'],
      ]);
      expect(events?.[3]).toMatchObject({ actorId: me.id, userAgent: USER_AGENT });
      expect(events?.[3]?.ipAddress).toEqual(expect.any(String));
      expect(events?.some((event) => event.actorId === other.id)).toBe(false);

      const firstPage = (await read({ first: 2 })).body.data?.mySecurityEvents;
      expect(firstPage?.pageInfo.hasNextPage).toBe(true);
      const nextPage = (await read({ first: 2, after: firstPage?.pageInfo.endCursor })).body.data
        ?.mySecurityEvents;
      expect(nextPage?.edges.map((edge) => edge.node.action)).toEqual([
        'PASSWORD_CHANGED',
        'LOGIN',
      ]);
    });
  });

  test('when an administrator acted on the user, then the event shows, without the administrator’s id, address or user agent', async () => {
    await withMailingApi(async (api) => {
      const me = await member(api);
      await updateUser(api, { id: me.id }, { roles: ['USER', 'ADMIN'] });
      const { accessToken } = await signIn(api, me);
      const events = (
        await execute(api, MySecurityEventsQuery, { first: 10 }, { token: accessToken })
      ).body.data?.mySecurityEvents?.edges.map((edge) => edge.node);
      const changed = events?.find((event) => event.action === 'USER_ROLES_CHANGED');
      expect(changed).toMatchObject({
        targetId: me.id,
        actorId: null,
        ipAddress: null,
        userAgent: null,
      });
      const mine = events?.find((event) => event.action === 'LOGIN');
      expect(mine).toMatchObject({ actorId: me.id, ipAddress: expect.any(String) });
    });
  });
});
