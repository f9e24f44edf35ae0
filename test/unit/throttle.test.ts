import { createPasswordHasher } from '../../src/passwords/hasher';
import type { ThrottleSettings } from '../../src/throttling/service';
import { isClientError } from '../../src/errors';
import { accountWaitSeconds } from '../../src/throttling/service';

const DEFAULTS: ThrottleSettings = {
  lockoutThreshold: 5,
  lockoutBaseSeconds: 60,
  lockoutMaxSeconds: 900,
  maxFailuresPerHour: 100,
  failureResetSeconds: 12 * 3600,
  maxAttemptsPerAddressPerMinute: 10,
};
const now = Date.UTC(2026, 0, 1, 12);
type Outcome = 'pending' | 'success' | 'failure' | 'refused';

/** Attempts newest first, `secondsAgo` each. */
function history(...entries: [number, Outcome][]) {
  return entries.map(([secondsAgo, outcome]) => ({
    at: new Date(now - secondsAgo * 1000),
    outcome,
  }));
}
const failures = (count: number, spacingSeconds = 1) =>
  history(
    ...Array.from(
      { length: count },
      (_, i) => [i * spacingSeconds, 'failure'] as [number, Outcome],
    ),
  );

describe('account lockout policy', () => {
  test('when fewer than 5 consecutive failures happened, then there is no wait', () => {
    expect(accountWaitSeconds(failures(4), now, DEFAULTS)).toBe(0);
  });

  test('when the 5th consecutive failure happened, then the account waits 60 s, doubling to 15 min', () => {
    expect(accountWaitSeconds(failures(5), now, DEFAULTS)).toBe(60);
    expect(accountWaitSeconds(failures(6), now, DEFAULTS)).toBe(120);
    expect(accountWaitSeconds(failures(7), now, DEFAULTS)).toBe(240);
    expect(accountWaitSeconds(failures(20), now, DEFAULTS)).toBe(900);
  });

  test('when time passes since the last failure, then the wait shrinks and ends', () => {
    const old = history(...failures(5).map((a, i) => [30 + i, a.outcome] as [number, Outcome]));
    expect(accountWaitSeconds(old, now, DEFAULTS)).toBe(30);
    const older = history(...failures(5).map((a, i) => [61 + i, a.outcome] as [number, Outcome]));
    expect(accountWaitSeconds(older, now, DEFAULTS)).toBe(0);
  });

  test('when a success came in between, then the streak starts again', () => {
    expect(
      accountWaitSeconds(
        history(
          [1, 'failure'],
          [2, 'failure'],
          [3, 'success'],
          [4, 'failure'],
          [5, 'failure'],
          [6, 'failure'],
        ),
        now,
        DEFAULTS,
      ),
    ).toBe(0);
  });

  test('when 12 hours passed without failures, then the earlier ones are forgotten', () => {
    const gap = history(
      [1, 'failure'],
      [43_202, 'failure'],
      [43_203, 'failure'],
      [43_204, 'failure'],
      [43_205, 'failure'],
    );
    expect(accountWaitSeconds(gap, now, DEFAULTS)).toBe(0);
  });

  test('when attempts are still pending, then they count as failures', () => {
    expect(
      accountWaitSeconds(
        history(...failures(5).map((_, i) => [i, 'pending'] as [number, Outcome])),
        now,
        DEFAULTS,
      ),
    ).toBe(60);
  });

  test('when the hourly cap is reached, then the account waits until the oldest leaves the hour', () => {
    const settings = { ...DEFAULTS, lockoutThreshold: 1000, maxFailuresPerHour: 3 };
    expect(accountWaitSeconds(failures(2, 600), now, settings)).toBe(0);
    expect(accountWaitSeconds(failures(3, 600), now, settings)).toBe(3600 - 1200);
  });
});

describe('the password-work limiter', () => {
  test('when more hashes arrive than can run or wait, then the excess is shed at once with RATE_LIMITED', async () => {
    const hasher = await createPasswordHasher(
      { memoryCost: 19_456, timeCost: 2, parallelism: 1 },
      { concurrency: 1, queueLength: 2, maxWaitMs: 10_000 },
    );
    const started = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        hasher.withPermit((permit) => hasher.hash(permit, 'a password long enough')),
      ),
    );
    const shed = results.filter((result) => result.status === 'rejected');
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
    expect(shed).toHaveLength(7);
    for (const result of shed) {
      const reason: unknown = result.reason;
      expect(isClientError(reason) && reason.extensions).toMatchObject({
        code: 'RATE_LIMITED',
        retryAfter: 1,
      });
    }
    expect(performance.now() - started).toBeLessThan(5_000);
    hasher.close();
  });

  test('when a hash waits longer than allowed, then it is shed instead of queueing on', async () => {
    const hasher = await createPasswordHasher(
      { memoryCost: 65_536, timeCost: 6, parallelism: 1 },
      { concurrency: 1, queueLength: 10, maxWaitMs: 1 },
    );
    const results = await Promise.allSettled([
      hasher.withPermit((permit) => hasher.hash(permit, 'first one runs')),
      hasher.withPermit((permit) => hasher.hash(permit, 'second waits')),
    ]);
    hasher.close();
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
  });

  test('when a waiting client hangs up, then its place is freed at once', async () => {
    const hasher = await createPasswordHasher(
      { memoryCost: 65_536, timeCost: 4, parallelism: 1 },
      { concurrency: 1, queueLength: 1, maxWaitMs: 10_000 },
    );
    const running = hasher.withPermit((permit) => hasher.hash(permit, 'the first one runs'));
    const hangUp = new AbortController();
    const abandoned = hasher.withPermit((permit) => hasher.hash(permit, 'gone'), hangUp.signal);
    // The queue (one place) is full: a newcomer is shed...
    await expect(hasher.withPermit((permit) => hasher.hash(permit, 'shed'))).rejects.toMatchObject({
      extensions: { code: 'RATE_LIMITED' },
    });
    // ...until the waiting client hangs up, which frees the place without waiting its turn.
    hangUp.abort();
    await expect(abandoned).rejects.toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    const next = hasher.withPermit((permit) => hasher.hash(permit, 'now it fits'));
    await expect(Promise.all([running, next])).resolves.toHaveLength(2);
    hasher.close();
  });
});
