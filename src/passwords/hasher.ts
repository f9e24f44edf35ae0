import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { rateLimited } from '../errors';
import type { HashRequest, HashResponse } from './hash-worker';

export interface Argon2Settings {
  /** KiB of memory per hash. */
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

/**
 * Password hashing, with argon2id and its parameters pinned here (hash-worker.ts, which this
 * module starts, is the only importer of argon2). Hashes run in a worker process at a lower CPU
 * priority, behind one limiter, so a login storm neither queues without bound nor starves the
 * requests of signed-in users.
 */

declare const permitBrand: unique symbol;

/** Proof of holding a hashing slot: only `withPermit` hands one out. */
export interface HashPermit {
  readonly [permitBrand]: true;
}

export interface PasswordHasher {
  /**
   * Runs a piece of password work (a whole sign-in, say: its database reads as well as its
   * hash) in one of the limited slots. When every slot is taken and the short queue is full, or
   * the wait is too long, it throws RATE_LIMITED before doing anything.
   */
  withPermit<T>(work: (permit: HashPermit) => Promise<T>, gone?: AbortSignal): Promise<T>;
  hash(permit: HashPermit, password: string): Promise<string>;
  /** False for a wrong password and for a malformed hash alike; never throws for either. */
  verify(permit: HashPermit, hash: string, password: string): Promise<boolean>;
  /**
   * Burns the same work as verifying a real hash, for callers that have no user to check
   * against, so an unknown username takes as long as a wrong password.
   */
  verifyAgainstDummy(permit: HashPermit, password: string): Promise<void>;
  /** True when `hash` is weaker than the configured parameters (or not argon2id v1.3 at all). */
  needsRehash(hash: string): boolean;
  /** Stops the worker process. */
  close(): void;
}

export interface HashLimits {
  /** Password work done at once; about one per core keeps the cores busy without starving I/O. */
  readonly concurrency: number;
  /** Work allowed to wait for a slot; more is shed at once. */
  readonly queueLength?: number;
  /** How long work may wait for a slot before it is shed. */
  readonly maxWaitMs?: number;
}

// The PHC string argon2 writes, e.g. $argon2id$v=19$m=65536,t=3,p=4$salt$hash (any order of m, t, p).
const PHC_PARAMETERS =
  /^\$argon2id\$v=19\$(?=[^$]*\bm=(?<m>\d+))(?=[^$]*\bt=(?<t>\d+))(?=[^$]*\bp=(?<p>\d+))[mtp=\d,]+\$/;

/** A counting semaphore with a short, bounded queue: excess work is refused, not stacked up. */
function createLimiter(limits: HashLimits) {
  // Long enough that a burst of sign-ins waits its turn rather than bouncing straight back.
  const queueLength = limits.queueLength ?? Math.max(16, limits.concurrency * 8);
  const maxWaitMs = limits.maxWaitMs ?? 2_000;
  let active = 0;
  const waiting: { resolve: () => void; timer: NodeJS.Timeout }[] = [];

  function release() {
    const next = waiting.shift();
    if (next) {
      // The slot passes straight to the next waiter; `active` does not change.
      clearTimeout(next.timer);
      next.resolve();
    } else {
      active -= 1;
    }
  }

  return async function limit<T>(work: () => Promise<T>, gone?: AbortSignal): Promise<T> {
    if (gone?.aborted) throw rateLimited(1);
    if (active < limits.concurrency) {
      active += 1;
    } else {
      if (waiting.length >= queueLength) throw rateLimited(1);
      await new Promise<void>((resolve, reject) => {
        const leave = () => {
          clearTimeout(entry.timer);
          gone?.removeEventListener('abort', leave);
          const index = waiting.indexOf(entry);
          if (index >= 0) waiting.splice(index, 1);
          reject(rateLimited(1));
        };
        const entry = {
          resolve: () => {
            gone?.removeEventListener('abort', leave);
            resolve();
          },
          timer: setTimeout(leave, maxWaitMs),
        };
        // A client that hung up frees its place at once instead of holding it until its turn.
        gone?.addEventListener('abort', leave, { once: true });
        waiting.push(entry);
      });
    }
    try {
      return await work();
    } finally {
      release();
    }
  };
}

type Pending = { resolve: (response: HashResponse) => void; reject: (error: Error) => void };

/** The worker process, started on first use and again after a crash. */
function createWorker() {
  let child: ChildProcess | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  // Built: hash-worker.js beside this file. From source (tests, the benchmark): through tsx.
  const fromSource = __filename.endsWith('.ts');
  const entry = join(__dirname, fromSource ? 'hash-worker.ts' : 'hash-worker.js');

  function spawn(): ChildProcess {
    const started = fork(entry, [], {
      execArgv: fromSource ? ['--import', 'tsx'] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    started.on('message', (response: HashResponse) => {
      const waiting = pending.get(response.id);
      pending.delete(response.id);
      if (pending.size === 0) started.channel?.unref();
      waiting?.resolve(response);
    });
    started.on('exit', () => {
      if (child === started) child = null;
      for (const waiting of pending.values()) waiting.reject(new Error('the hash worker exited'));
      pending.clear();
    });
    // Idle, the worker must not keep the process alive; busy, it must.
    started.unref();
    started.channel?.unref();
    return started;
  }

  return {
    request(request: Omit<HashRequest, 'id'>): Promise<HashResponse> {
      child ??= spawn();
      const id = nextId++;
      const target = child;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        target.channel?.ref();
        target.send({ ...request, id } satisfies HashRequest);
      });
    },
    close() {
      child?.disconnect();
      child?.kill();
      child = null;
    },
  };
}

export async function createPasswordHasher(
  settings: Argon2Settings,
  limits: HashLimits,
): Promise<PasswordHasher> {
  const options = {
    memoryCost: settings.memoryCost,
    timeCost: settings.timeCost,
    parallelism: settings.parallelism,
  };
  const limit = createLimiter(limits);
  const worker = createWorker();

  async function hash(password: string): Promise<string> {
    const response = await worker.request({ op: 'hash', password, options });
    if (response.hash === undefined) throw new Error('the hash worker could not hash');
    return response.hash;
  }

  async function verify(stored: string, password: string): Promise<boolean> {
    const response = await worker.request({ op: 'verify', password, hash: stored, options });
    return response.valid === true;
  }

  const dummyHash = await hash(randomBytes(32).toString('base64url'));
  const permit = {} as HashPermit;

  return {
    withPermit: (work, gone) => limit(() => work(permit), gone),
    hash: (_permit, password) => hash(password),
    verify: (_permit, stored, password) => verify(stored, password),
    async verifyAgainstDummy(_permit, password) {
      await verify(dummyHash, password);
    },
    needsRehash(stored) {
      const match = PHC_PARAMETERS.exec(stored);
      if (!match) return true;
      // Any change counts: raising the cost strengthens stored hashes, and lowering it (within
      // OWASP's floor, which config enforces) is how an operator buys back sign-in capacity,
      // which hashes made at the old cost would otherwise keep paying for.
      return (
        Number(match.groups?.m) !== settings.memoryCost ||
        Number(match.groups?.t) !== settings.timeCost ||
        Number(match.groups?.p) !== settings.parallelism
      );
    },
    close: () => worker.close(),
  };
}
