import { loadConfig } from '../../src/config';
import { declaredIndexes, expiryRules } from '../../src/migrate';

const config = loadConfig({ NODE_ENV: 'test', AUDIT_RETENTION: '30d', LOGIN_FAILURE_RESET: '6h' });
const rules = expiryRules(config);

describe('expiry on each engine', () => {
  test('when the engine is MongoDB, then expiring fields get TTL indexes from the settings', () => {
    expect(Object.fromEntries(rules)).toEqual({
      'sessions.expiresAt': 86_400,
      'sessions.revokedAt': 86_400,
      'refreshTokens.expiresAt': 86_400,
      'loginAttempts.at': 7 * 3600,
      'auditEvents.at': 30 * 86_400,
      'devices.expiresAt': 0,
      'accountTokens.expiresAt': 0,
      'accountTokenUses.expiresAt': 0,
      'mailRequests.at': 3600,
      'pendingSignUps.expiresAt': 0,
      'invitations.expiresAt': 0,
      'totpEnrollments.expiresAt': 0,
      'mfaChallenges.expiresAt': 0,
      'mfaUses.expiresAt': 0,
    });
    const indexes = declaredIndexes(
      'auditEvents',
      [
        [{ at: 1 }, {}],
        [{ at: -1, _id: -1 }, {}],
      ],
      'mongodb',
      rules,
    );
    expect(indexes[0]).toMatchObject({ key: { at: 1 }, expireAfterSeconds: 30 * 86_400 });
    // Compound indexes are never TTL indexes.
    expect(indexes[1]).not.toHaveProperty('expireAfterSeconds');
  });

  test('when the engine is FerretDB, then no index is a TTL index: the sweep expires instead', () => {
    const indexes = declaredIndexes(
      'sessions',
      [[{ revokedAt: 1 }, { sparse: true }]],
      'ferretdb',
      rules,
    );
    expect(indexes).toEqual([
      { name: 'revokedAt_1', key: { revokedAt: 1 }, unique: false, sparse: true },
    ]);
  });
});
