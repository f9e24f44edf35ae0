import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
  type Response,
} from 'playwright-core';
import { startTestApi, type TestApi } from '../helpers/api';
import { SYSTEM_CALLER } from '../../src/caller';
import type { Role } from '../../src/users/roles';
import { strongPassword, uniqueUsername, type TestUser } from '../helpers/users';
import {
  chromiumPath,
  CODEGEN,
  ROOT,
  runTool,
  scratchCopyOfWeb,
  serveStatic,
  VITE,
} from '../helpers/web';

/**
 * The example web app (examples/web), built as its team would build it, served from its own
 * origin, driven in Chromium against the API with the cookie transport and enforced trusted
 * documents.
 */

jest.setTimeout(180_000);

let scratch: string;
let api: TestApi;
let browser: Browser;
let app: Awaited<ReturnType<typeof serveStatic>>;
let elsewhere: Awaited<ReturnType<typeof serveStatic>>;
let admin: TestUser;
let user: TestUser;
const ACCESS_TOKEN_TTL_S = 30;
/** Past the token's lifetime and the 5 s of clock skew that verification tolerates. */
const EXPIRED_AFTER_MS = (ACCESS_TOKEN_TTL_S + 6) * 1000;

/** Made through the services: with trusted documents enforced, only the app's documents run. */
async function createUser(on: TestApi, roles: Role[] = ['USER']): Promise<TestUser> {
  const username = uniqueUsername();
  const password = strongPassword();
  const record = await on.app.services.users.create({ username, password, roles }, SYSTEM_CALLER);
  return { id: record._id.toHexString(), username, password, roles };
}

beforeAll(async () => {
  scratch = scratchCopyOfWeb();
  await runTool(CODEGEN, ['--config', 'codegen.ts'], scratch, {
    GRAPHQL_SCHEMA: join(ROOT, 'schema', '*.graphql'),
  });

  const dist = join(scratch, 'dist');
  app = await serveStatic(dist);
  elsewhere = await serveStatic(dist);
  api = await startTestApi({
    REFRESH_TOKEN_TRANSPORT: 'cookie',
    CORS_ORIGINS: `http://127.0.0.1:${app.port}`,
    TRUSTED_DOCUMENTS: join(scratch, 'src', 'gql', 'persisted-documents.json'),
    TRUSTED_DOCUMENTS_MODE: 'enforce',
    ACCESS_TOKEN_TTL: `${ACCESS_TOKEN_TTL_S}s`,
    REFRESH_TOKEN_REUSE_GRACE: '10s',
  });
  await runTool(VITE, ['build', '--outDir', dist, '--emptyOutDir'], scratch, {
    VITE_API_URL: `${api.url}/graphql`,
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
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const appUrl = () => `http://127.0.0.1:${app.port}/`;

async function signIn(page: Page, who: TestUser, url = appUrl()) {
  await page.goto(url);
  await page.getByPlaceholder('Username').fill(who.username);
  await page.getByPlaceholder('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
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

    const cookies = await context.cookies(api.url);
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
  const manifest = JSON.parse(
    readFileSync(join(scratch, 'src', 'gql', 'persisted-documents.json'), 'utf8'),
  ) as Record<string, string>;
  const hashOf = (prefix: string) =>
    Object.keys(manifest).find((hash) => manifest[hash]?.startsWith(prefix)) ?? prefix;
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
    await signIn(page, user, `http://localhost:${elsewhere.port}/`);
    await page.getByRole('alert').filter({ hasText: 'Could not reach the API' }).waitFor();
    expect(await context.cookies(api.url)).toEqual([]);
  });
});
