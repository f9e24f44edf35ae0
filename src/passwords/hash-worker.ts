import { execFileSync } from 'node:child_process';
import { setPriority } from 'node:os';
import argon2 from 'argon2';

/**
 * The argon2 worker process. Hashing runs here, at the lowest CPU priority, so a login storm
 * cannot take the cores from authenticated traffic: the scheduler serves the API first and gives
 * the hashes what is left (all of an idle core; a few percent of a busy one, per argon2 lane).
 * Started by passwords.ts; speaks only over the IPC channel.
 */

export interface HashRequest {
  readonly id: number;
  readonly op: 'hash' | 'verify';
  readonly password: string;
  readonly hash?: string;
  readonly options: { memoryCost: number; timeCost: number; parallelism: number };
}

export interface HashResponse {
  readonly id: number;
  readonly hash?: string;
  readonly valid?: boolean;
  readonly failed?: true;
}

/**
 * Nice 19: a weight of 15 against the API's 1024 when both want the same core. Each argon2 lane
 * is a thread of its own, so with the default parallelism of 4 the hashes weigh 60: nice 10
 * (4 x 110) measured `me` p99 at 4.5 times its idle value during a login storm.
 */
export const HASH_WORKER_NICE = 19;

async function answer(request: HashRequest): Promise<HashResponse> {
  try {
    if (request.op === 'hash') {
      return {
        id: request.id,
        hash: await argon2.hash(request.password, { type: argon2.argon2id, ...request.options }),
      };
    }
    return { id: request.id, valid: await argon2.verify(request.hash ?? '', request.password) };
  } catch {
    // A malformed stored hash verifies as false; anything else is reported as a failure.
    return request.op === 'verify'
      ? { id: request.id, valid: false }
      : { id: request.id, failed: true };
  }
}

if (process.send) {
  // Before any hashing: threads created from now on (libuv's pool, argon2's lanes) inherit it.
  try {
    setPriority(HASH_WORKER_NICE);
  } catch {
    // Not permitted (some containers): hashing still works, only without the lower priority.
  }
  try {
    // Linux SCHED_IDLE: any ordinary thread that wakes up takes the core at once.
    execFileSync('chrt', ['--idle', '--pid', '0', String(process.pid)], { stdio: 'ignore' });
  } catch {
    // No chrt, or not Linux: the nice value above still applies.
  }
  process.on('message', (request: HashRequest) => {
    void answer(request).then((response) => process.send?.(response));
  });
  // The parent going away (even by SIGKILL) closes the channel: leave with it.
  process.on('disconnect', () => process.exit(0));
}
