import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const ENTRY = join(ROOT, 'dist', 'index.js');

/** The runtime flags `npm start` gives node (its `start` script: `node <flags> dist/index.js`). */
export function startFlags(): string[] {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const match = /^node((?: --[\w-]+(?:=\S+)?)*) dist\/index\.js$/.exec(manifest.scripts.start);
  if (!match) throw new Error(`unexpected start script: ${manifest.scripts.start}`);
  return (match[1] ?? '').split(' ').filter(Boolean);
}

export interface RunningApi {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the GraphQL URL once the API logs that it is ready. */
  ready(): Promise<string>;
  exited(): Promise<number | null>;
}

/**
 * Runs the built API as `npm start` does (`node <its flags> dist/index.js`) as a child process
 * with exactly the given environment, plus PATH and HOME.
 */
export function spawnApi(env: Record<string, string>, args: readonly string[] = []): RunningApi {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [...startFlags(), ENTRY, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    ready: () =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = /"url":"(http:[^"]+)","msg":"GraphQL API ready"/.exec(out);
          if (match?.[1]) {
            clearInterval(timer);
            resolve(match[1]);
          }
        };
        const timer = setInterval(check, 25);
        void exit.then((code) => {
          clearInterval(timer);
          reject(new Error(`API exited with ${code} before it was ready:\n${out}\n${err}`));
        });
      }),
  };
}

/**
 * Runs `node dist/index.js migrate` (what `npm run db:migrate` runs after building) with exactly
 * the given environment; resolves with its exit code and output.
 */
export async function runMigrate(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = spawnApi(env, ['migrate']);
  const code = await run.exited();
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
