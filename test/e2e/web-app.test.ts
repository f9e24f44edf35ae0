import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Types } from 'mongoose';
import { Secret, TOTP } from 'otpauth';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
  type Response,
} from 'playwright-core';
import { startTestApi, type TestApi } from '../helpers/api';
import { SYSTEM_CALLER, type SignedInCaller } from '../../src/caller';
import type { Role } from '../../src/users/roles';
import type { NewUser } from '../../src/users/service';
import { linkTokenOf, startSmtpServer, type ReceivedMail, type TestSmtp } from '../helpers/smtp';
import { strongPassword, uniqueUsername, type TestUser } from '../helpers/users';
import {
  chromiumPath,
  CODEGEN,
  onLocalhost,
  ROOT,
  runTool,
  scratchCopyOfWeb,
  serveStatic,
  VITE,
} from '../helpers/web';

/**
 * The example web app (examples/web), built as its team would build it, served from its own
 * origin, driven in Chromium against the API with the cookie transport and enforced trusted
 * documents. The API mails to an SMTP server in this process, with links to the app's origin.
 * The app and the API are both reached as `localhost` (on different ports): one site, as in
 * production, so the SameSite=Strict refresh cookie goes along; and a host that can be the
 * passkeys' relying party ID, which an IP address cannot.
 */

jest.setTimeout(180_000);

let scratch: string;
let api: TestApi;
let smtp: TestSmtp;
let browser: Browser;
let app: Awaited<ReturnType<typeof serveStatic>>;
let elsewhere: Awaited<ReturnType<typeof serveStatic>>;
let admin: TestUser;
let user: TestUser;
const ACCESS_TOKEN_TTL_S = 30;
/** Past the token's lifetime and the 5 s of clock skew that verification tolerates. */
const EXPIRED_AFTER_MS = (ACCESS_TOKEN_TTL_S + 6) * 1000;

/** Made through the services: with trusted documents enforced, only the app's documents run. */
async function createUser(
  on: TestApi,
  roles: Role[] = ['USER'],
  extra: Pick<NewUser, 'email' | 'mustChangePassword'> = {},
): Promise<TestUser> {
  const username = uniqueUsername();
  const password = strongPassword();
  const record = await on.app.services.users.create(
    { username, password, roles, ...extra },
    SYSTEM_CALLER,
  );
  return { id: record._id.toHexString(), username, password, roles };
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  scratch = scratchCopyOfWeb();
  await runTool(CODEGEN, ['--config', 'codegen.ts'], scratch, {
    GRAPHQL_SCHEMA: join(ROOT, 'schema', '*.graphql'),
  });

  const dist = join(scratch, 'dist');
  app = await serveStatic(dist);
  elsewhere = await serveStatic(dist);
  api = await startTestApi({
    REFRESH_TOKEN_TRANSPORT: 'cookie',
    CORS_ORIGINS: appOrigin(),
    TRUSTED_DOCUMENTS: join(scratch, 'src', 'gql', 'persisted-documents.json'),
    TRUSTED_DOCUMENTS_MODE: 'enforce',
    ACCESS_TOKEN_TTL: `${ACCESS_TOKEN_TTL_S}s`,
    REFRESH_TOKEN_REUSE_GRACE: '10s',
    SMTP_URL: smtp.url,
    MAIL_FROM: 'web app test <web@example.test>',
    APP_URL: appOrigin(),
    PASSWORD_RESET: 'on',
    SIGNUP_MODE: 'open',
    WEBAUTHN_RP_ID: 'localhost',
    WEBAUTHN_ORIGINS: appOrigin(),
  });
  await runTool(VITE, ['build', '--outDir', dist, '--emptyOutDir'], scratch, {
    VITE_API_URL: `${apiOrigin()}/graphql`,
  });
  admin = await createUser(api, ['ADMIN']);
  user = await createUser(api);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await elsewhere?.close();
  await api?.close();
  await smtp?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const appOrigin = () => app.origin;
const appUrl = () => `${appOrigin()}/`;
/** The API as the app calls it. */
const apiOrigin = () => onLocalhost(api.url);

/** The hash the app sends for its operation whose text starts with `prefix`. */
function hashOf(prefix: string): string {
  const manifest = JSON.parse(
    readFileSync(join(scratch, 'src', 'gql', 'persisted-documents.json'), 'utf8'),
  ) as Record<string, string>;
  return Object.keys(manifest).find((hash) => manifest[hash]?.startsWith(prefix)) ?? prefix;
}

/** The emailed link to the app's `path`, and its token; the mail must name exactly that link. */
function linkIn(mail: ReceivedMail, path: string): { url: string; token: string } {
  const token = linkTokenOf(mail, path);
  const url = `${appOrigin()}${path}?token=${token}`;
  expect(mail.text).toContain(url);
  return { url, token };
}

/** The alert a refusal shows, found by the API's reason (`data-reason`), never by its words. */
const refusal = (page: Page, reason: string) =>
  page.locator(`[role="alert"][data-reason="${reason}"]`).waitFor();

async function signIn(page: Page, who: TestUser, url = appUrl()) {
  await page.goto(url);
  await enterPassword(page, who);
}

/** The sign-in form's first step, on the page as it is. */
async function enterPassword(page: Page, who: TestUser) {
  await page.getByPlaceholder('Username').fill(who.username);
  await page.getByPlaceholder('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

const signedInAs = (page: Page, who: TestUser) =>
  page
    .getByTestId('me')
    .filter({ hasText: `Signed in as ${who.username}` })
    .waitFor();

const signInForm = (page: Page) => page.getByRole('heading', { name: 'Sign in' }).waitFor();

async function withContext<T>(work: (context: BrowserContext) => Promise<T>): Promise<T> {
  const context = await browser.newContext();
  try {
    return await work(context);
  } finally {
    await context.close();
  }
}

/** Two tabs of one browser, both signed in as `user` (the second through the shared cookie). */
const withTwoTabs = (work: (first: Page, second: Page) => Promise<void>) =>
  withContext(async (context) => {
    const first = await context.newPage();
    await signIn(first, user);
    await signedInAs(first, user);
    const second = await context.newPage();
    await second.goto(appUrl());
    await signedInAs(second, user);
    await work(first, second);
  });

test('when the page is reloaded, then the user stays signed in and page script never sees the refresh token', async () => {
  await withContext(async (context) => {
    const page = await context.newPage();
    await signIn(page, user);
    await signedInAs(page, user);
    await page.reload();
    await signedInAs(page, user);

    const cookies = await context.cookies(apiOrigin());
    const refresh = cookies.find((cookie) => cookie.name === '__Host-refresh-token');
    expect(refresh?.httpOnly).toBe(true);
    expect(refresh?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const visible = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify(localStorage),
      session: JSON.stringify(sessionStorage),
    }));
    for (const store of Object.values(visible)) expect(store).not.toContain(refresh?.value);
  });
});

test('when two tabs refresh at the same moment, then both stay signed in', async () => {
  await withTwoTabs(async (first, second) => {
    // Both tabs reload at once: both present the same refresh cookie together.
    await Promise.all([first.reload(), second.reload()]);
    await Promise.all([signedInAs(first, user), signedInAs(second, user)]);
    // Neither was taken for a thief: each goes on refreshing.
    await first.reload();
    await signedInAs(first, user);
    await second.reload();
    await signedInAs(second, user);
  });
});

test('when one tab signs out, then the other is signed out at its next request', async () => {
  await withTwoTabs(async (first, second) => {
    await first.getByRole('button', { name: 'Sign out' }).click();
    await signInForm(first);
    // The API's cache of live sessions holds an answer for up to a second.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await second.getByRole('button', { name: 'Check again' }).click();
    await signInForm(second);
  });
});

test('when an admin opens the admin page, then users are listed and one can be created', async () => {
  await withContext(async (context) => {
    const page = await context.newPage();
    await signIn(page, admin);
    await signedInAs(page, admin);
    await page.getByRole('button', { name: 'Admin' }).click();
    await page.getByTestId('users').getByText(user.username).waitFor();

    const username = `web-${Date.now().toString(36)}`;
    await page.getByPlaceholder('New username').fill(username);
    await page.getByPlaceholder('Initial password').fill('a web-made initial passphrase');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByTestId('users').getByText(username).waitFor();
  });
});

test('when a USER opens the admin page, then it says so and shows no admin data', async () => {
  await withContext(async (context) => {
    const page = await context.newPage();
    await signIn(page, user);
    await signedInAs(page, user);
    await page.getByRole('button', { name: 'Admin' }).click();
    await page.getByRole('alert').filter({ hasText: 'for administrators' }).waitFor();
    expect(await page.getByTestId('users').count()).toBe(0);
    expect(await page.content()).not.toContain(admin.username);
  });
});

test('when a session is revoked on the sessions page, then the browser holding it is signed out', async () => {
  const owner = await createUser(api);
  await withContext(async (other) => {
    const elsewherePage = await other.newPage();
    await signIn(elsewherePage, owner);
    await signedInAs(elsewherePage, owner);
    await withContext(async (context) => {
      const page = await context.newPage();
      await signIn(page, owner);
      await signedInAs(page, owner);
      await page.getByRole('button', { name: 'Sessions' }).click();
      // Two sessions: this one (current, no button) and the other browser's.
      const revoke = page.getByTestId('sessions').getByRole('button', { name: 'Revoke' });
      await revoke.waitFor();
      expect(await page.getByTestId('sessions').getByRole('listitem').count()).toBe(2);
      await revoke.click();
      await page
        .getByTestId('sessions')
        .getByRole('listitem')
        .nth(1)
        .waitFor({ state: 'detached' });
    });
    // The API's cache of live sessions may hold an answer for up to a second.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await elsewherePage.getByRole('button', { name: 'Check again' }).click();
    await signInForm(elsewherePage);
  });
});

test('when the access token expires, then the app refreshes it without the user noticing', async () => {
  const sends = (hash: string, status: number) => (response: Response) =>
    response.status() === status && (response.request().postData() ?? '').includes(hash);
  await withContext(async (context) => {
    const page = await context.newPage();
    await signIn(page, user);
    await signedInAs(page, user);
    await new Promise((resolve) => setTimeout(resolve, EXPIRED_AFTER_MS));

    const refused = page.waitForResponse(sends(hashOf('query Me'), 401));
    const refreshed = page.waitForResponse(sends(hashOf('mutation Refresh'), 200));
    await page.getByRole('button', { name: 'Check again' }).click();
    await refused;
    await refreshed;
    // The retried query answers, and the sign-in form never shows.
    await page.waitForResponse(sends(hashOf('query Me'), 200));
    await signedInAs(page, user);
    expect(await page.getByRole('heading', { name: 'Sign in' }).count()).toBe(0);
  });
});

test('when the app is served from an origin not in CORS_ORIGINS, then signing in fails', async () => {
  await withContext(async (context) => {
    const page = await context.newPage();
    await signIn(page, user, `${elsewhere.origin}/`);
    await page.getByRole('alert').filter({ hasText: 'Could not reach the API' }).waitFor();
    expect(await context.cookies(apiOrigin())).toEqual([]);
  });
});

test('when a user follows the emailed reset link and chooses a new password, then they are signed in, the token leaves the address bar and the old password fails', async () => {
  const email = `${uniqueUsername('reset')}@example.test`;
  const owner = await createUser(api, ['USER'], { email });
  await withContext(async (context) => {
    const page = await context.newPage();
    await page.goto(appUrl());
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByPlaceholder('Email address').fill(email);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await page.getByRole('status').waitFor();

    const link = linkIn(
      await smtp.nextMailTo(email, { subject: 'Reset your password' }),
      '/reset-password',
    );
    await page.goto(link.url);
    await page.getByPlaceholder('New password').fill(strongPassword());
    expect(page.url()).toBe(`${appOrigin()}/reset-password`);
    await page.getByRole('button', { name: 'Set password' }).click();
    await signedInAs(page, owner);
    expect(page.url()).not.toContain(link.token);
  });
  await withContext(async (context) => {
    const page = await context.newPage();
    await signIn(page, owner);
    await refusal(page, 'BAD_CREDENTIALS');
  });
});

test('when someone signs up and follows the emailed link once, then the account is made and signs in', async () => {
  const newcomer = { username: uniqueUsername('signup'), password: strongPassword() };
  const email = `${newcomer.username}@example.test`;
  await withContext(async (context) => {
    const page = await context.newPage();
    await page.goto(appUrl());
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByPlaceholder('Username').fill(newcomer.username);
    await page.getByPlaceholder('Email address').fill(email);
    await page.getByPlaceholder('Password').fill(newcomer.password);
    await page.getByPlaceholder('Full name').fill('Web Newcomer');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('status').waitFor();

    const mail = await smtp.nextMailTo(email, { subject: 'Confirm your email address' });
    const link = linkIn(mail, '/verify-email');
    const verifyEmail = hashOf('mutation VerifyEmail');
    let verifications = 0;
    page.on('request', (request) => {
      if ((request.postData() ?? '').includes(verifyEmail)) verifications += 1;
    });
    await page.goto(link.url);
    await page.getByRole('heading', { name: 'Your address is confirmed' }).waitFor();
    expect(page.url()).toBe(`${appOrigin()}/verify-email`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByPlaceholder('Username').fill(newcomer.username);
    await page.getByPlaceholder('Password').fill(newcomer.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page
      .getByTestId('me')
      .filter({ hasText: `Signed in as ${newcomer.username}` })
      .waitFor();
    expect(verifications).toBe(1);
  });
});

/** A sign-up made through the service, and the confirmation link mailed for it. */
async function pendingSignUp(username: string) {
  const email = `${uniqueUsername('pending')}@example.test`;
  await api.app.services.signUps.signUp(
    { username, email, password: strongPassword() },
    SYSTEM_CALLER,
  );
  return linkIn(
    await smtp.nextMailTo(email, { subject: 'Confirm your email address' }),
    '/verify-email',
  );
}

test('when a used confirmation link is opened again, then the page says the link is invalid', async () => {
  const link = await pendingSignUp(uniqueUsername('used'));
  await api.app.services.signUps.verifyEmail(link.token, SYSTEM_CALLER);
  await withContext(async (context) => {
    const page = await context.newPage();
    await page.goto(link.url);
    await refusal(page, 'INVALID_TOKEN');
    expect(await page.getByRole('heading', { name: 'Your address is confirmed' }).count()).toBe(0);
  });
});

test('when a signed-in user opens an unusable confirmation link, then a new one can be sent and it confirms the address', async () => {
  const email = `${uniqueUsername('confirm')}@example.test`;
  const owner = await createUser(api, ['USER'], { email });
  await withContext(async (context) => {
    const page = await context.newPage();
    await signIn(page, owner);
    await signedInAs(page, owner);
    await page.goto(`${appOrigin()}/verify-email?token=${'A'.repeat(43)}`);
    await refusal(page, 'INVALID_TOKEN');
    await page.getByRole('button', { name: 'Send me a new link' }).click();
    await page.getByRole('status').waitFor();

    const mail = await smtp.nextMailTo(email, { subject: 'Confirm your email address' });
    await page.goto(linkIn(mail, '/verify-email').url);
    await page.getByRole('heading', { name: 'Your address is confirmed' }).waitFor();
  });
});

test('when the username was taken between sign-up and the link, then the page asks to sign up again', async () => {
  const username = uniqueUsername('contested');
  const first = await pendingSignUp(username);
  const second = await pendingSignUp(username);
  await api.app.services.signUps.verifyEmail(first.token, SYSTEM_CALLER);
  await withContext(async (context) => {
    const page = await context.newPage();
    await page.goto(second.url);
    await refusal(page, 'TAKEN');
    await page.getByRole('link', { name: 'Sign up' }).click();
    await page.getByRole('button', { name: 'Sign up' }).waitFor();
  });
});

test('when an administrator requires a new password, then the user sees only that form until they choose one', async () => {
  const owner = await createUser(api, ['USER'], { mustChangePassword: true });
  await withContext(async (context) => {
    const page = await context.newPage();
    await signIn(page, owner);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    expect(await page.getByRole('button', { name: 'Admin' }).count()).toBe(0);
    expect(await page.getByTestId('me').count()).toBe(0);

    await page.getByPlaceholder('Current password').fill(owner.password);
    await page.getByPlaceholder('New password').fill(strongPassword());
    await page.getByRole('button', { name: 'Change password' }).click();
    await signedInAs(page, owner);
    await page.getByRole('button', { name: 'Admin' }).waitFor();
    // The cookie holds the new session's refresh token.
    await page.reload();
    await signedInAs(page, owner);
  });
});

test('when an invited person follows the link and picks a username and password, then they are signed in', async () => {
  const email = `${uniqueUsername('invitee')}@example.test`;
  const inviter = await api.app.services.users.findById(admin.id);
  if (!inviter) throw new Error('the administrator is gone');
  const caller: SignedInCaller = { ...SYSTEM_CALLER, user: inviter, sessionId: 'x'.repeat(24) };
  await api.app.services.invitations.invite({ email, roles: ['USER'] }, caller);
  const mail = await smtp.nextMailTo(email, { subject: 'You are invited to create an account' });
  const link = linkIn(mail, '/accept-invitation');
  const invitee = { username: uniqueUsername('invited'), password: strongPassword() };
  await withContext(async (context) => {
    const page = await context.newPage();
    await page.goto(link.url);
    await page.getByPlaceholder('Username').fill(invitee.username);
    expect(page.url()).toBe(`${appOrigin()}/accept-invitation`);
    await page.getByPlaceholder('Password').fill(invitee.password);
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page
      .getByTestId('me')
      .filter({ hasText: `Signed in as ${invitee.username}` })
      .waitFor();
    expect(page.url()).toBe(appUrl());
  });
});

/**
 * A virtual authenticator in the page's tab, through Chromium's DevTools WebAuthn domain: a
 * platform authenticator that keeps discoverable credentials, verifies its user and answers every
 * ceremony at once, as a phone or laptop would after a fingerprint.
 */
async function addVirtualAuthenticator(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () =>
      (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
  };
}

const openSecurity = (page: Page) => page.getByRole('link', { name: 'Security' }).click();

/** The second factors the Security page lists, once `expected` are all there. */
async function secondFactorsShown(page: Page, expected: string): Promise<void> {
  await page.locator(`[data-testid="mfa-methods"][data-methods="${expected}"]`).waitFor();
}

/** One form of the Security page, by the button that sends it. */
const securityForm = (page: Page, button: string) =>
  page.locator('form').filter({ has: page.getByRole('button', { name: button }) });

async function addPasskey(page: Page, user: TestUser, name: string): Promise<void> {
  await openSecurity(page);
  const section = securityForm(page, 'Add a passkey');
  await section.getByPlaceholder('Passkey name').fill(name);
  await section.getByPlaceholder('Your password').fill(user.password);
  await section.getByRole('button', { name: 'Add a passkey' }).click();
  await page.getByTestId('passkeys').getByRole('listitem').filter({ hasText: name }).waitFor();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signInForm(page);
}

const secondStep = (page: Page) => page.getByRole('heading', { name: 'Second step' }).waitFor();

/** RFC 6238 as authenticator apps compute it, from the secret the Security page shows. */
const totpOf = (secret: string) =>
  new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });

/** Turns on an authenticator app on the Security page: its TOTP and the recovery codes shown. */
async function enrolTotp(
  page: Page,
  user: TestUser,
): Promise<{ totp: TOTP; recoveryCodes: string[] }> {
  await openSecurity(page);
  const section = securityForm(page, 'Set up an authenticator app');
  await section.getByPlaceholder('Your password').fill(user.password);
  await section.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secret = await page.getByTestId('totp-secret').textContent();
  expect(await page.getByRole('img').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
  const totp = totpOf(secret ?? '');
  await page.getByPlaceholder('Code from the app').fill(totp.generate());
  await page.getByRole('button', { name: 'Turn on' }).click();
  const shown = page.getByTestId('recovery-codes').getByRole('listitem');
  await shown.first().waitFor();
  const recoveryCodes = (await shown.allTextContents()).map((code) => code.trim());
  await secondFactorsShown(page, 'TOTP');
  return { totp, recoveryCodes };
}

/** Six digits that are none of the codes the API would accept now. */
function wrongCodeFor(totp: TOTP): string {
  const now = Date.now();
  const accepted = [-60_000, -30_000, 0, 30_000, 60_000].map((skew) =>
    totp.generate({ timestamp: now + skew }),
  );
  let code = 0;
  while (accepted.includes(String(code).padStart(6, '0'))) code += 1;
  return String(code).padStart(6, '0');
}

test('when a user adds a passkey on the Security page, then they can sign in with it alone, without a username', async () => {
  const owner = await createUser(api);
  await withContext(async (context) => {
    const page = await context.newPage();
    const authenticator = await addVirtualAuthenticator(context, page);
    await signIn(page, owner);
    await signedInAs(page, owner);
    await addPasskey(page, owner, 'Test laptop');
    await secondFactorsShown(page, 'PASSKEY');
    const credentials = await authenticator.credentials();
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });

    await signOut(page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await signedInAs(page, owner);
  });
});

test('when a user with a passkey signs in with the password, then the second step takes the passkey', async () => {
  const owner = await createUser(api);
  await withContext(async (context) => {
    const page = await context.newPage();
    await addVirtualAuthenticator(context, page);
    await signIn(page, owner);
    await signedInAs(page, owner);
    await addPasskey(page, owner, 'Phone');
    await signOut(page);

    await enterPassword(page, owner);
    await secondStep(page);
    // The passkey is the user's only factor; the code field is there for recovery codes.
    expect(await page.getByPlaceholder('Code', { exact: true }).count()).toBe(1);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await signedInAs(page, owner);
  });
});

test('when a user turns on an authenticator app, then signing in asks for its code, refuses a wrong one and takes the next one', async () => {
  const owner = await createUser(api);
  await withContext(async (context) => {
    const page = await context.newPage();
    await signIn(page, owner);
    await signedInAs(page, owner);
    const { totp, recoveryCodes } = await enrolTotp(page, owner);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    expect(await page.getByTestId('recovery-codes').count()).toBe(0);
    await signOut(page);

    await enterPassword(page, owner);
    await secondStep(page);
    await page.getByPlaceholder('Code', { exact: true }).fill(wrongCodeFor(totp));
    await page.getByRole('button', { name: 'Verify' }).click();
    await refusal(page, 'INCORRECT');
    // Setting up spent the current step's code: the next step's is the first one left.
    await page
      .getByPlaceholder('Code', { exact: true })
      .fill(totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.getByRole('button', { name: 'Verify' }).click();
    await signedInAs(page, owner);
  });
});

test('when a user signs in with a recovery code, then the app says how many are left; a dead challenge goes back to the password', async () => {
  const owner = await createUser(api);
  await withContext(async (context) => {
    const page = await context.newPage();
    await signIn(page, owner);
    await signedInAs(page, owner);
    const { recoveryCodes } = await enrolTotp(page, owner);
    await signOut(page);

    await enterPassword(page, owner);
    await secondStep(page);
    // The challenge dies (it expired, say) while the second step is open.
    const { deletedCount } = await api.connection
      .collection('mfaChallenges')
      .deleteMany({ userId: new Types.ObjectId(owner.id) });
    expect(deletedCount).toBe(1);
    await page.getByPlaceholder('Code', { exact: true }).fill(recoveryCodes[0] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
    await refusal(page, 'MFA_CHALLENGE_INVALID');
    await page.getByPlaceholder('Username').waitFor();

    await enterPassword(page, owner);
    await secondStep(page);
    await page.getByPlaceholder('Code', { exact: true }).fill(recoveryCodes[1] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
    await signedInAs(page, owner);
    await page.locator('[data-testid="recovery-codes-remaining"][data-count="9"]').waitFor();
  });
});

test('when a user with an authenticator app resets the password by the emailed link, then the second step comes before the session', async () => {
  const email = `${uniqueUsername('reset-mfa')}@example.test`;
  const owner = await createUser(api, ['USER'], { email });
  await withContext(async (context) => {
    const page = await context.newPage();
    await signIn(page, owner);
    await signedInAs(page, owner);
    const { totp } = await enrolTotp(page, owner);
    await signOut(page);

    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByPlaceholder('Email address').fill(email);
    await page.getByRole('button', { name: 'Send me a link' }).click();
    const mail = await smtp.nextMailTo(email, { subject: 'Reset your password' });
    await page.goto(linkIn(mail, '/reset-password').url);
    await page.getByPlaceholder('New password').fill(strongPassword());
    await page.getByRole('button', { name: 'Set password' }).click();
    await secondStep(page);
    expect(await page.getByTestId('me').count()).toBe(0);
    await page
      .getByPlaceholder('Code', { exact: true })
      .fill(totp.generate({ timestamp: Date.now() + 30_000 }));
    await page.getByRole('button', { name: 'Verify' }).click();
    await signedInAs(page, owner);
    expect(page.url()).toBe(appUrl());
  });
});
