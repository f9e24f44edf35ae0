import { connectDatabase } from '../../src/db/connection';
import { OPERATION_BOUND_MS } from '../../src/db/connection';
import { createLocks, LockLostError, LockTimeoutError } from '../../src/db/locks';
import { createLogger } from '../../src/logger';
import { testDatabaseUri } from '../helpers/api';

/** A logger that keeps its lines, to see what was logged. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', {
    write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines };
}

describe('locks shared by instances', () => {
  test('when an instance’s clock runs a minute ahead, then it still waits for a live lock', async () => {
    const uri = testDatabaseUri();
    const [first, second] = await Promise.all([connectDatabase(uri), connectDatabase(uri)]);
    try {
      const honest = createLocks(first, capturedLogger().logger);
      const ahead = createLocks(second, capturedLogger().logger, {
        clock: () => Date.now() + 60_000,
      });
      let release = () => undefined as void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let holding = false;
      const holder = honest.withLock('shared', async () => {
        holding = true;
        await held;
        holding = false;
      });
      while (!holding) await new Promise((resolve) => setTimeout(resolve, 10));
      let overlapped = false;
      const contender = ahead.withLock('shared', () => {
        overlapped = holding;
        return Promise.resolve();
      });
      await expect(contender).rejects.toBeInstanceOf(LockTimeoutError);
      expect(overlapped).toBe(false);
      release();
      await holder;
      // Once released, the instance with the wrong clock takes it at once.
      await expect(ahead.withLock('shared', () => Promise.resolve('taken'))).resolves.toBe('taken');
    } finally {
      await first.dropDatabase();
      await Promise.all([first.close(), second.close()]);
    }
  }, 20_000);

  test('when releasing fails, then the work’s result stands and the failure is logged', async () => {
    const connection = await connectDatabase(testDatabaseUri());
    const { logger, lines } = capturedLogger();
    const locks = createLocks(connection, logger);
    const result = await locks.withLock('fragile', async () => {
      // The database goes away after the work is done, before the lock is released.
      await connection.close();
      return 'committed';
    });
    expect(result).toBe('committed');
    expect(lines.some((line) => line.lock === 'fragile' && line.level === 40)).toBe(true);
  });

  test('when a holder is still working as its lease runs short, then it gives up before its final write', async () => {
    const connection = await connectDatabase(testDatabaseUri());
    try {
      // A lease 300 ms longer than one bounded operation: after 400 ms no write is safe.
      const locks = createLocks(connection, capturedLogger().logger, {
        leaseMs: OPERATION_BOUND_MS + 300,
      });
      let wrote = false;
      const slow = locks.withLock('short', async (lease) => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        lease.assertHeld();
        wrote = true;
      });
      await expect(slow).rejects.toBeInstanceOf(LockLostError);
      expect(wrote).toBe(false);
      // A holder inside its lease writes as usual.
      await expect(
        locks.withLock('short', (lease) => {
          lease.assertHeld();
          return Promise.resolve('written');
        }),
      ).resolves.toBe('written');
    } finally {
      await connection.dropDatabase();
      await connection.close();
    }
  });
});
