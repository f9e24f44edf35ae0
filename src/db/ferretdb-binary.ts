import { execFile } from 'node:child_process';
import {
  access,
  chmod,
  constants,
  cp,
  mkdir,
  mkdtemp,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
export const FERRETDB_VERSION = 'v1.24.2';

/** Outside the checkout on purpose: a fresh clone on the same machine finds it again. */
export function defaultFerretdbPath(): string {
  return join(homedir(), '.cache', 'graphql-auth-api', `ferretdb-${FERRETDB_VERSION}`, 'ferretdb');
}

export class EmbeddedDatabaseUnavailableError extends Error {
  override name = 'EmbeddedDatabaseUnavailableError';
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function hasGo(): Promise<boolean> {
  try {
    await run('go', ['version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds FerretDB from Go's module proxy. A plain `go install ...@v1.24.2` produces a binary that
 * panics at start-up (the module ships without build/version/version.txt), so the module source is
 * copied, the version file written, and the command built from that copy.
 */
async function buildFerretdb(
  target: string,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  log(
    `Building FerretDB ${FERRETDB_VERSION} into ${target} (first time only; takes a few minutes)...`,
  );
  const { stdout } = await run(
    'go',
    ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!moduleDir) throw new Error('go mod download did not report a module directory');

  const workDir = await mkdtemp(join(tmpdir(), 'ferretdb-src-'));
  try {
    await cp(moduleDir, workDir, { recursive: true });
    const versionDir = join(workDir, 'build', 'version');
    await chmod(versionDir, 0o755);
    await writeFile(join(versionDir, 'version.txt'), `${FERRETDB_VERSION}\n`);
    await mkdir(dirname(target), { recursive: true });
    // Build beside the target, then rename: concurrent starts never see a half-written binary.
    const partial = `${target}.${process.pid}.partial`;
    await run('go', ['build', '-trimpath', '-buildvcs=false', '-o', partial, './cmd/ferretdb'], {
      cwd: workDir,
      maxBuffer: 16 * 1024 * 1024,
      signal,
    });
    await rename(partial, target);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  log(`FerretDB ${FERRETDB_VERSION} is ready at ${target}`);
}

/** Returns a runnable FerretDB binary, building it once when it is missing. */
export async function ensureFerretdbBinary(
  explicitPath: string | null,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<string> {
  if (explicitPath !== null) {
    if (await isExecutable(explicitPath)) return explicitPath;
    throw new EmbeddedDatabaseUnavailableError(
      `FERRETDB_BIN points at ${explicitPath}, which is not an executable file`,
    );
  }
  const target = defaultFerretdbPath();
  if (await isExecutable(target)) return target;
  if (!(await hasGo())) {
    throw new EmbeddedDatabaseUnavailableError(
      'No database is configured and the embedded one cannot be built. Either set MONGODB_URI ' +
        'to a MongoDB 6+ server, install Go (https://go.dev/dl/) so FerretDB can be built, or set ' +
        'FERRETDB_BIN to an existing FerretDB 1.24 binary.',
    );
  }
  await buildFerretdb(target, log, signal);
  return target;
}
