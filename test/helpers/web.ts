import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const ROOT = join(__dirname, '..', '..');
export const WEB = join(ROOT, 'examples', 'web');

/** Runs a package's command-line entry with this Node, in `cwd`; fails with its output. */
export async function runTool(
  entry: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [join(ROOT, 'node_modules', entry), ...args], {
      cwd,
      env: { ...process.env, ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${entry} ${args.join(' ')} failed:\n${stdout}\n${stderr}`, { cause: error });
  }
}

/**
 * A copy of the example app to generate and build in, so tests never write into the source tree.
 * It sits inside examples/web (git-ignored) so that it resolves the example's packages as the
 * example itself does.
 */
export function scratchCopyOfWeb(): string {
  const scratch = mkdtempSync(join(WEB, '.scratch-'));
  for (const entry of readdirSync(WEB)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.scratch-')) continue;
    cpSync(join(WEB, entry), join(scratch, entry), {
      recursive: true,
      filter: (path) => !path.endsWith(join('src', 'gql')),
    });
  }
  return scratch;
}

export const CODEGEN = '@graphql-codegen/cli/cjs/bin.js';
export const TSC = 'typescript/bin/tsc';
export const VITE = 'vite/bin/vite.js';

/** The browser the end-to-end tests drive: Debian's Chromium unless CHROMIUM_PATH names another. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `no Chromium at ${path}: install it (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  return path;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * `url` with `localhost` for its host. Browsers resolve `localhost` to the loopback addresses, so
 * it reaches what listens on 127.0.0.1; unlike an IP address it can be a WebAuthn relying party
 * ID, and it is a secure context over plain HTTP.
 */
export function onLocalhost(url: string): string {
  const named = new URL(url);
  named.hostname = 'localhost';
  return named.href.replace(/\/$/, '');
}

/**
 * Serves a built single-page app on 127.0.0.1 (index.html for every unknown path), opened at
 * `origin`: http://localhost and its port, where passkeys work.
 */
export async function serveStatic(
  dir: string,
): Promise<{ port: number; origin: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = normalize(decodeURIComponent((request.url ?? '/').split('?', 1)[0] ?? '/'));
    const file = join(dir, path);
    const target =
      file.startsWith(dir) && existsSync(file) && extname(file) ? file : join(dir, 'index.html');
    response.writeHead(200, {
      'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
    });
    response.end(readFileSync(target));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: onLocalhost(`http://127.0.0.1:${port}`),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
