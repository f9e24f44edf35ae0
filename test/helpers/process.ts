import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ENTRY = join(__dirname, '..', '..', 'dist', 'index.js');

export interface RunningApi {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the GraphQL URL once the API logs that it is ready. */
  ready(): Promise<string>;
  exited(): Promise<number | null>;
}

/**
 * Runs the built API (`dist/index.js`, what `npm start` runs) as a child process with exactly
 * the given environment, plus PATH and HOME.
 */
export function spawnApi(env: Record<string, string>, args: readonly string[] = []): RunningApi {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [ENTRY, ...args], {
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
