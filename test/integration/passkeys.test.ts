import { errorCodes, execute, startTestApi, withTestApi, type TestApi } from '../helpers/api';
import { SoftwareAuthenticator } from '../helpers/authenticator';
import {
  BeginPasskeyRegistrationMutation,
  BeginPasskeySignInMutation,
  CompleteMfaWithPasskeyMutation,
  FinishPasskeyRegistrationMutation,
  FinishPasskeySignInMutation,
  CompleteMfaSignInMutation,
  MyFactorsQuery,
  PasskeysQuery,
  RegenerateRecoveryCodesMutation,
  RemovePasskeyMutation,
} from '../helpers/operations';
import { auditEvents, createUser, login, signIn, type TestUser } from '../helpers/users';

const ORIGIN = 'http://localhost:5173';

type Extensions = Record<string, unknown>;
const extensionsOf = (response: { body: { errors?: readonly { extensions?: Extensions }[] } }) =>
  response.body.errors?.[0]?.extensions ?? {};
const fieldsOf = (response: { body: { errors?: readonly { extensions?: Extensions }[] } }) =>
  extensionsOf(response).fields;
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Extensions;

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: ORIGIN });
});
afterAll(() => api.close());

interface WithPasskey extends TestUser {
  readonly device: SoftwareAuthenticator;
  readonly token: string;
  readonly passkeyId: string;
}

/** A user who registered a passkey on `device` through the API. */
async function withPasskey(
  on: TestApi,
  device = new SoftwareAuthenticator(ORIGIN),
): Promise<WithPasskey> {
  const user = await createUser(on);
  const { accessToken: token } = await signIn(on, user);
  const options = await execute(
    on,
    BeginPasskeyRegistrationMutation,
    { password: user.password },
    { token },
  );
  const finished = await execute(
    on,
    FinishPasskeyRegistrationMutation,
    { response: device.create(options.body.data?.beginPasskeyRegistration ?? ''), name: 'Laptop' },
    { token },
  );
  const passkeyId = finished.body.data?.finishPasskeyRegistration?.id;
  if (!passkeyId) throw new Error(JSON.stringify(finished.body));
  return { ...user, device, token, passkeyId };
}

const beginSignIn = async (on: TestApi, challenge?: string) =>
  (await execute(on, BeginPasskeySignInMutation, { challenge: challenge ?? null })).body.data
    ?.beginPasskeySignIn ?? '';

const finishSignIn = (on: TestApi, response: string) =>
  execute(on, FinishPasskeySignInMutation, { response });

describe('registering passkeys', () => {
  test('when a user registers a passkey, then the options ask for a discoverable, user-verified credential and it is listed', async () => {
    const user = await createUser(api);
    const { accessToken: token } = await signIn(api, user);
    const begun = await execute(
      api,
      BeginPasskeyRegistrationMutation,
      { password: user.password },
      { token },
    );
    const options = JSON.parse(begun.body.data?.beginPasskeyRegistration ?? '{}') as Extensions;
    expect(options).toMatchObject({
      rp: { id: 'localhost' },
      user: { name: user.username },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      attestation: 'none',
    });
    const device = new SoftwareAuthenticator(ORIGIN);
    const finished = await execute(
      api,
      FinishPasskeyRegistrationMutation,
      { response: device.create(JSON.stringify(options)), name: 'Work laptop' },
      { token },
    );
    expect(finished.body.data?.finishPasskeyRegistration).toMatchObject({
      name: 'Work laptop',
      backedUp: false,
      lastUsedAt: null,
    });
    const listed = await execute(api, PasskeysQuery, undefined, { token });
    expect(listed.body.data?.passkeys?.map((passkey) => passkey.name)).toEqual(['Work laptop']);
    const me = await execute(api, MyFactorsQuery, undefined, { token });
    expect(me.body.data?.me?.mfaMethods).toEqual(['PASSKEY']);
    expect(await auditEvents(api, { action: 'MFA_ENABLED', actorId: user.id })).toHaveLength(1);
  });

  test('when the response comes from another origin or reuses its challenge, then it is INCORRECT on response', async () => {
    const user = await createUser(api);
    const { accessToken: token } = await signIn(api, user);
    const options =
      (await execute(api, BeginPasskeyRegistrationMutation, { password: user.password }, { token }))
        .body.data?.beginPasskeyRegistration ?? '';
    const phished = await execute(
      api,
      FinishPasskeyRegistrationMutation,
      { response: new SoftwareAuthenticator('https://evil.example').create(options), name: 'x' },
      { token },
    );
    expect(fieldsOf(phished)).toEqual([{ field: 'response', reason: 'INCORRECT' }]);

    const fresh =
      (await execute(api, BeginPasskeyRegistrationMutation, { password: user.password }, { token }))
        .body.data?.beginPasskeyRegistration ?? '';
    const device = new SoftwareAuthenticator(ORIGIN);
    const first = await execute(
      api,
      FinishPasskeyRegistrationMutation,
      { response: device.create(fresh), name: 'Phone' },
      { token },
    );
    expect(first.body.data?.finishPasskeyRegistration?.name).toBe('Phone');
    // Now enrolled, the user proves the passkey before adding another: the old options are spent.
    const proven = await finishSignIn(api, device.get(await beginSignIn(api)));
    const replayed = await execute(
      api,
      FinishPasskeyRegistrationMutation,
      { response: device.create(fresh), name: 'Tablet' },
      { token: proven.body.data?.finishPasskeySignIn.accessToken },
    );
    expect(fieldsOf(replayed)).toEqual([{ field: 'response', reason: 'INCORRECT' }]);
  });
});

describe('signing in with a passkey alone', () => {
  test('when a passkey signs in, then the session counts two factors and the challenge is spent', async () => {
    const user = await withPasskey(api);
    const options = await beginSignIn(api);
    expect(JSON.parse(options)).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    const signedIn = await finishSignIn(api, user.device.get(options));
    const payload = signedIn.body.data?.finishPasskeySignIn;
    expect(payload?.user.id).toBe(user.id);
    expect(claimsOf(payload?.accessToken ?? '').amr).toEqual(['hwk', 'mfa']);

    const again = await finishSignIn(api, user.device.get(options));
    expect(extensionsOf(again)).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'BAD_CREDENTIALS',
    });
  });

  test('when an assertion repeats a signature counter (a cloned authenticator), then it is refused', async () => {
    const user = await withPasskey(api);
    await finishSignIn(api, user.device.get(await beginSignIn(api)));
    const cloned = await finishSignIn(api, user.device.get(await beginSignIn(api), { counter: 1 }));
    expect(errorCodes(cloned)).toEqual(['UNAUTHENTICATED']);
    const honest = await finishSignIn(api, user.device.get(await beginSignIn(api)));
    expect(honest.body.data?.finishPasskeySignIn.user.id).toBe(user.id);
  });

  test('when the challenge has expired or was never ours, then the sign-in is refused', async () => {
    await withTestApi(
      { WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: ORIGIN, MFA_CHALLENGE_TTL: '1s' },
      async (short) => {
        const user = await withPasskey(short);
        const options = await beginSignIn(short);
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        expect(errorCodes(await finishSignIn(short, user.device.get(options)))).toEqual([
          'UNAUTHENTICATED',
        ]);
        const madeUp = user.device.get(await beginSignIn(short), { challenge: 'bm90LW91cnM' });
        expect(errorCodes(await finishSignIn(short, madeUp))).toEqual(['UNAUTHENTICATED']);
      },
    );
  });
});

describe('challenges and passwords', () => {
  test('when a forged answer comes first, then it spends nothing and the genuine answer still signs in', async () => {
    const user = await withPasskey(api);
    const options = await beginSignIn(api);
    const forged = await finishSignIn(api, user.device.get(options, { forge: true }));
    expect(errorCodes(forged)).toEqual(['UNAUTHENTICATED']);
    const genuine = await finishSignIn(api, user.device.get(options));
    expect(genuine.body.data?.finishPasskeySignIn.user.id).toBe(user.id);
  });

  test('when registration begins with a wrong password, then INCORRECT on password and no options', async () => {
    const user = await createUser(api);
    const { accessToken: token } = await signIn(api, user);
    const refused = await execute(
      api,
      BeginPasskeyRegistrationMutation,
      { password: `${user.password}x` },
      { token },
    );
    expect(fieldsOf(refused)).toEqual([{ field: 'password', reason: 'INCORRECT' }]);
    expect(refused.body.data?.beginPasskeyRegistration).toBeNull();
  });
});

describe('a passkey as the second step', () => {
  test('when a user with a passkey gives the right password, then MFA_REQUIRED offers PASSKEY and a passkey over that challenge completes it', async () => {
    const user = await withPasskey(api);
    const answer = await login(api, user.username, user.password);
    expect(extensionsOf(answer)).toMatchObject({
      code: 'MFA_REQUIRED',
      methods: ['RECOVERY_CODE', 'PASSKEY'],
    });
    const challenge = extensionsOf(answer).challenge as string;
    const options = await beginSignIn(api, challenge);
    expect((JSON.parse(options) as Extensions).allowCredentials).toEqual([
      expect.objectContaining({ id: user.passkeyId }),
    ]);
    const done = await execute(api, CompleteMfaWithPasskeyMutation, {
      challenge,
      passkey: user.device.get(options),
    });
    const token = done.body.data?.completeMfaSignIn.accessToken ?? '';
    expect(claimsOf(token).amr).toEqual(['pwd', 'hwk', 'mfa']);
  });

  test('when a passkey is removed, then the password is needed, and sign-in is one step again', async () => {
    const user = await withPasskey(api);
    const wrong = await execute(
      api,
      RemovePasskeyMutation,
      { id: user.passkeyId, password: `${user.password}x` },
      user,
    );
    expect(fieldsOf(wrong)).toEqual([{ field: 'password', reason: 'INCORRECT' }]);
    const removed = await execute(
      api,
      RemovePasskeyMutation,
      { id: user.passkeyId, password: user.password },
      user,
    );
    expect(removed.body.data).toEqual({ removePasskey: true });
    expect((await signIn(api, user)).user.id).toBe(user.id);
    expect(errorCodes(await finishSignIn(api, user.device.get(await beginSignIn(api))))).toEqual([
      'UNAUTHENTICATED',
    ]);
  });
});

describe('passkeys off', () => {
  test('when production has no WEBAUTHN_RP_ID, then the passkey fields are FEATURE_OFF', async () => {
    await withTestApi(
      {
        NODE_ENV: 'production',
        ADMIN_USERNAME: 'root',
        ADMIN_PASSWORD: 'a long and unusual admin passphrase',
      },
      async (off) => {
        const response = await execute(off, BeginPasskeySignInMutation, { challenge: null });
        expect(extensionsOf(response)).toMatchObject({ code: 'FORBIDDEN', reason: 'FEATURE_OFF' });
      },
    );
  });
});

describe('recovery without the passkey', () => {
  test('when a passkey-only user makes recovery codes from a passkey session, then a code completes a password sign-in', async () => {
    const user = await withPasskey(api);
    const refused = await execute(api, RegenerateRecoveryCodesMutation, { code: null }, user);
    expect(extensionsOf(refused)).toMatchObject({ code: 'FORBIDDEN', reason: 'MFA_REQUIRED' });
    const proven = await finishSignIn(api, user.device.get(await beginSignIn(api)));
    const made = await execute(
      api,
      RegenerateRecoveryCodesMutation,
      { code: null },
      { token: proven.body.data?.finishPasskeySignIn.accessToken },
    );
    const codes = made.body.data?.regenerateRecoveryCodes ?? [];
    expect(codes).toHaveLength(10);
    const answer = await login(api, user.username, user.password);
    const done = await execute(api, CompleteMfaSignInMutation, {
      challenge: extensionsOf(answer).challenge as string,
      code: codes[0] ?? '',
    });
    expect(done.body.data?.completeMfaSignIn.recoveryCodesRemaining).toBe(9);
  });
});

describe('odd input', () => {
  test('when the answer is not an assertion, then the one generic refusal, never a 500, folded in the audit trail', async () => {
    await withTestApi({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: ORIGIN }, async (own) => {
      const user = await withPasskey(own);
      for (const response of [
        'not json',
        '[]',
        'null',
        JSON.stringify({ id: user.passkeyId }),
        JSON.stringify({ id: user.passkeyId, response: null }),
        JSON.stringify({ id: user.passkeyId, response: { clientDataJSON: 42 } }),
      ]) {
        const refused = await finishSignIn(own, response);
        expect(extensionsOf(refused)).toMatchObject({
          code: 'UNAUTHENTICATED',
          reason: 'BAD_CREDENTIALS',
        });
      }
      // One event a minute per address, however many are sent (two if a minute turned).
      const folded = (await auditEvents(own, { action: 'LOGIN' })).filter((event) =>
        event.details?.includes('passkey refused'),
      );
      expect(folded.length).toBeLessThanOrEqual(2);
      const counted = folded.map(
        (event) => (JSON.parse(event.details ?? '{}') as { repeats: number }).repeats + 1,
      );
      expect(counted.reduce((sum, count) => sum + count, 0)).toBe(6);

      const newcomer = await createUser(own);
      const { accessToken: token } = await signIn(own, newcomer);
      for (const response of ['not json', JSON.stringify({ id: 'x', response: null })]) {
        const registration = await execute(
          own,
          FinishPasskeyRegistrationMutation,
          { response, name: 'x' },
          { token },
        );
        expect(fieldsOf(registration)).toEqual([{ field: 'response', reason: 'INVALID_FORMAT' }]);
      }
    });
  });
});
