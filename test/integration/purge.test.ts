import { Types } from 'mongoose';
import { createLocks } from '../../src/db/locks';
import { createLogger } from '../../src/logger';
import { createServices } from '../../src/services';
import type { TestApi } from '../helpers/api';
import { createUser, sessionFor } from '../helpers/users';
import { startProxiedApi, type WireProxy } from '../helpers/wire-proxy';

// FerretDB 1.24 deletes by scanning the collection (a single delete by _id took 0.4 s beside
// 200,000 sessions, and one $in of 1000 ids over 3.5 s), so the backlog here is the largest that
// keeps the test quick there; the point is that every command stays small whatever the backlog.
const ENDED = 6_000;

let proxy: WireProxy;
let api: TestApi;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ proxy, api, close } = await startProxiedApi());
});
afterAll(() => close());

/** The most ids any one delete command sent, through `$in`. */
function largestDelete(since: number): number {
  return Math.max(
    0,
    ...proxy.commands
      .slice(since)
      .filter((command) => command.name === 'delete')
      .flatMap((command) => command.body.deletes as { q: Record<string, unknown> }[])
      .map((statement) => {
        const inList = Object.values(statement.q).find(
          (condition) => typeof condition === 'object' && condition !== null && '$in' in condition,
        ) as { $in: unknown[] } | undefined;
        return inList?.$in.length ?? 0;
      }),
  );
}

describe('the sweep over a large backlog', () => {
  test(`when ${ENDED} sessions ended long ago, then the sweep deletes them all in bounded batches and keeps live ones`, async () => {
    const live = await sessionFor(api, await createUser(api));
    // A backlog written directly, as years of sign-ins would have left it.
    const sessions = api.connection.db!.collection('sessions');
    const longAgo = new Date(Date.now() - 3 * 86_400_000);
    const userId = new Types.ObjectId();
    for (let written = 0; written < ENDED; written += 2_000) {
      await sessions.insertMany(
        Array.from({ length: 2_000 }, (_, i) => ({
          userId,
          tokenVersion: 0,
          createdAt: longAgo,
          expiresAt: new Date(Date.now() + 86_400_000),
          // Half revoked long ago, half past their absolute expiry.
          ...((written + i) % 2 === 0
            ? { revokedAt: longAgo, revokedReason: 'logout' }
            : { expiresAt: longAgo }),
        })),
        { ordered: false },
      );
    }
    const since = proxy.commands.length;
    const purged = await api.app.services.sessions.purgeEnded();
    expect(purged).toBe(ENDED);
    expect(await sessions.countDocuments({ userId })).toBe(0);
    expect(await api.app.services.sessions.findLive(live.sessionId)).not.toBeNull();
    expect(largestDelete(since)).toBeLessThanOrEqual(1000);
  }, 300_000);
});

describe('who sweeps', () => {
  test('when another instance is sweeping, then this one leaves it to that one', async () => {
    const { purge, close } = await createServices(
      api.config,
      api.connection,
      createLogger('silent'),
    );
    try {
      const other = createLocks(api.connection, createLogger('silent'));
      let release = () => undefined as void;
      const sweeping = other.withLock(
        'sweep',
        () => new Promise<void>((resolve) => (release = resolve)),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const since = proxy.commands.length;
      await purge();
      // Only its tries at the lock itself: no record was deleted.
      const sweeps = (from: number) =>
        proxy.commands
          .slice(from)
          .filter((command) => command.name === 'delete' && command.body.delete !== 'locks');
      expect(sweeps(since)).toEqual([]);
      release();
      await sweeping;
      const after = proxy.commands.length;
      await purge();
      expect(sweeps(after)).not.toEqual([]);
    } finally {
      close();
    }
  }, 20_000);
});
