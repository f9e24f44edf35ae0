import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { ServerStats } from './settings';

/**
 * The FastAPI peer's Python side: a virtual environment of its own (bench/.venv, made once from
 * bench/fastapi/requirements.txt and reused while that file is unchanged), the uvicorn process,
 * and its CPU time and peak RSS read from /proc, as the kernel counts them.
 */

const VENV = join(__dirname, '.venv');
const PYTHON = join(VENV, 'bin', 'python');
const REQUIREMENTS = join(__dirname, 'fastapi', 'requirements.txt');
/** What the venv was installed from; a different requirements file means a fresh install. */
const INSTALLED = join(VENV, '.installed-requirements.txt');

/** A user as the tutorial's dict holds it, keyed by id (the tokens' `sub`). */
export interface FastapiUser {
  readonly id: string;
  readonly username: string;
  readonly roles: readonly string[];
  readonly disabled: boolean;
}

export interface FastapiServer {
  readonly child: ChildProcess;
  readonly port: number;
  stats(): Promise<ServerStats>;
}

/** Makes bench/.venv when needed; fails with what to install when Python cannot make one. */
export function ensureVenv(log: (line: string) => void): string {
  const wanted = readFileSync(REQUIREMENTS, 'utf8');
  if (existsSync(PYTHON) && existsSync(INSTALLED) && readFileSync(INSTALLED, 'utf8') === wanted) {
    return PYTHON;
  }
  log(`making the FastAPI peer's virtual environment in ${VENV}...\n`);
  try {
    execFileSync('python3', ['-m', 'venv', '--clear', VENV], { stdio: 'inherit' });
  } catch (error) {
    throw new Error(
      'the fastapi variant needs python3 with venv (e.g. apt-get install python3-venv)',
      { cause: error },
    );
  }
  execFileSync(PYTHON, ['-m', 'pip', 'install', '--quiet', '--requirement', REQUIREMENTS], {
    stdio: 'inherit',
  });
  writeFileSync(INSTALLED, wanted);
  return PYTHON;
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** utime + stime from /proc/<pid>/stat (fields 14 and 15), and VmHWM from /proc/<pid>/status. */
function procStats(pid: number): ServerStats {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses; the fields after it start with field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const peak = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  return {
    cpuMicros: (ticks / CLOCK_TICKS_PER_SECOND) * 1e6,
    maxRssKb: Number(peak ?? NaN),
  };
}

/** Starts uvicorn (one process, one worker) under `prefix` (taskset), resolving once it listens. */
export function startFastapi(
  python: string,
  prefix: readonly string[],
  secret: string,
  users: readonly FastapiUser[],
): Promise<FastapiServer> {
  const command = [...prefix, python, join(__dirname, 'fastapi', 'app.py')];
  const child = spawn(command[0] ?? python, command.slice(1), {
    env: {
      ...process.env,
      BENCH_JWT_SECRET: secret,
      BENCH_FASTAPI_USERS: JSON.stringify(Object.fromEntries(users.map((u) => [u.id, u]))),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = child.pid;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fastapi server exited with ${code}`)));
    if (pid === undefined) return;
    createInterface({ input: child.stdout }).once('line', (line) => {
      const { port } = JSON.parse(line) as { port: number };
      resolve({ child, port, stats: () => Promise.resolve(procStats(pid)) });
    });
  });
}
