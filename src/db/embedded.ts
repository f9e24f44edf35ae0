import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/** A FerretDB process on loopback with SQLite storage in its own fresh directory. */
export interface EmbeddedDatabase {
  /** A connection string without a database name; append `/<name>` to choose one. */
  readonly uri: string;
  readonly port: number;
  /** The running process's id, while it runs. */
  readonly pid: number | undefined;
  /** Stops the process and keeps the data, so start() brings the same database back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the process and deletes its data. */
  dispose(): Promise<void>;
}

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
  // Unreferenced, so a pending timeout never keeps the process alive after the exit.
  return Promise.race([exited, delay(timeoutMs, false, { ref: false })]);
}

export async function startEmbeddedDatabase(binary: string): Promise<EmbeddedDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ferretdb-data-'));
  const port = await findFreePort();
  let child: ChildProcess | null = null;
  // The database must not outlive the process that started it, even on a crash.
  const killOnExit = () => child?.kill('SIGKILL');

  async function start(): Promise<void> {
    if (child) return;
    let stderr = '';
    const spawned = spawn(
      binary,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${dataDir}/`,
        `--listen-addr=${HOST}:${port}`,
        `--state-dir=${dataDir}`,
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    spawned.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    spawned.once('exit', () => {
      if (child === spawned) child = null;
    });
    child = spawned;
    process.once('exit', killOnExit);

    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child !== spawned) {
        throw new Error(`FerretDB exited during start-up: ${stderr.trim() || 'no output'}`);
      }
      if (await canConnect(port)) return;
      await delay(50);
    }
    spawned.kill('SIGKILL');
    throw new Error(`FerretDB did not accept connections within ${READY_TIMEOUT_MS} ms`);
  }

  async function stop(): Promise<void> {
    const running = child;
    if (!running) return;
    process.removeListener('exit', killOnExit);
    running.kill('SIGTERM');
    if (!(await waitForExit(running, STOP_TIMEOUT_MS))) {
      running.kill('SIGKILL');
      await waitForExit(running, STOP_TIMEOUT_MS);
    }
    child = null;
  }

  try {
    await start();
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }

  return {
    uri: `mongodb://${HOST}:${port}`,
    port,
    get pid() {
      return child?.pid;
    },
    stop,
    start,
    async dispose() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
