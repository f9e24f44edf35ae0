import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApi, type TestApi } from '../helpers/api';
import { CODEGEN, ROOT, runTool, scratchCopyOfWeb, TSC, WEB } from '../helpers/web';

/**
 * The README's codegen set-up for frontends, taken from the README as written, run against a
 * running API in a stock Vite React-TS project (examples/web: `verbatimModuleSyntax`, operations
 * in `.ts` and `.tsx` files, DateTime fields used as strings), then type-checked.
 */

jest.setTimeout(120_000);

let api: TestApi;
let scratch: string;

beforeAll(async () => {
  api = await startTestApi();
  scratch = scratchCopyOfWeb();
});

afterAll(async () => {
  await api.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The first ```ts block after the README's "Save this as `codegen.ts`". */
function readmeSnippet(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const match = /Save this as `codegen\.ts`[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme);
  if (!match?.[1]) throw new Error('the README has no codegen.ts snippet');
  return match[1];
}

test('when a frontend team follows the README, then codegen runs against the API and the app type-checks', async () => {
  const snippet = readmeSnippet();
  // The example app is built with the very configuration the README shows.
  expect(readFileSync(join(WEB, 'codegen.ts'), 'utf8')).toBe(snippet);

  writeFileSync(join(scratch, 'codegen.ts'), snippet);

  await runTool(CODEGEN, ['--config', 'codegen.ts'], scratch, {
    GRAPHQL_SCHEMA: `${api.url}/graphql`,
  });
  const generated = readFileSync(join(scratch, 'src', 'gql', 'graphql.ts'), 'utf8');
  // DateTime fields are strings, not `unknown`.
  expect(generated).toContain('lastUsedAt: string');
  const manifest = JSON.parse(
    readFileSync(join(scratch, 'src', 'gql', 'persisted-documents.json'), 'utf8'),
  ) as Record<string, string>;
  expect(Object.values(manifest).some((d) => d.startsWith('mutation SignIn'))).toBe(true);

  // Strict, with verbatimModuleSyntax, as `npm create vite` makes it: any error fails the test.
  await runTool(TSC, ['-p', 'tsconfig.json'], scratch);
});
