import { ConfigError, loadConfig, parseDurationSeconds } from '../../src/config';

const SECRET = 'x'.repeat(32);
const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: SECRET,
  MONGODB_URI: 'mongodb://db.internal:27017/auth',
  ADMIN_USERNAME: 'root',
  ADMIN_PASSWORD: 'a long and unusual admin passphrase',
};

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  test('when the environment is empty, then development defaults apply', () => {
    const config = loadConfig({});
    expect(config.nodeEnv).toBe('development');
    expect(config.http).toEqual({
      port: 4000,
      host: '127.0.0.1',
      bodyLimitBytes: 102_400,
      trustProxy: [],
    });
    expect(config.mongodbUri).toBeNull();
    expect(config.jwt.secretIsEphemeral).toBe(true);
    expect(config.jwt.secret?.symmetricKeySize).toBeGreaterThanOrEqual(32);
    expect(config.jwt.accessTokenTtlSeconds).toBe(900);
    expect(config.passwords).toMatchObject({ minLength: 15, maxLength: 128 });
    expect(config.passwords.argon2).toEqual({ memoryCost: 65_536, timeCost: 3, parallelism: 4 });
    expect(config.generateInitialAdmin).toBe(true);
    expect(config.graphql).toEqual({
      maxTokens: 1000,
      introspection: true,
      landingPage: true,
      stackTraces: true,
    });
  });

  test('when production is fully configured, then it is hardened', () => {
    const config = loadConfig(PRODUCTION);
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.jwt.secretIsEphemeral).toBe(false);
    expect(config.initialAdmin).toEqual({ username: 'root', password: PRODUCTION.ADMIN_PASSWORD });
    expect(config.generateInitialAdmin).toBe(false);
    expect(config.graphql).toMatchObject({
      introspection: false,
      landingPage: false,
      stackTraces: false,
    });
  });

  test('when production lacks everything, then every problem is listed at once', () => {
    const problems = problemsOf({ NODE_ENV: 'production', PORT: 'eighty' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('PORT'),
        expect.stringContaining('JWT_SECRET is required'),
        expect.stringContaining('MONGODB_URI is required'),
        expect.stringContaining('ADMIN_USERNAME and ADMIN_PASSWORD are required'),
      ]),
    );
  });

  test('when JWT_SECRET is shorter than 32 bytes, then start-up fails in any environment', () => {
    expect(problemsOf({ ...PRODUCTION, JWT_SECRET: 'short' })).toEqual([
      expect.stringContaining('JWT_SECRET must be at least 32 bytes'),
    ]);
    expect(problemsOf({ JWT_SECRET: 'x'.repeat(31) })).toHaveLength(1);
  });

  test('when the production admin password breaks the policy, then start-up fails', () => {
    expect(problemsOf({ ...PRODUCTION, ADMIN_PASSWORD: 'short' })).toEqual([
      expect.stringContaining('ADMIN_PASSWORD must be at least 15'),
    ]);
    expect(problemsOf({ ...PRODUCTION, ADMIN_PASSWORD: '123456789987654321' })).toEqual([
      expect.stringContaining('ADMIN_PASSWORD is too common'),
    ]);
  });

  test('when only one admin credential is set, then start-up fails', () => {
    expect(problemsOf({ ADMIN_USERNAME: 'root' })).toEqual([
      expect.stringContaining('must be set together'),
    ]);
  });

  test('when limits go below their safe floors, then start-up fails', () => {
    const problems = problemsOf({
      PASSWORD_MIN_LENGTH: '7',
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      ARGON2_PARALLELISM: '0',
      ACCESS_TOKEN_TTL: '10s',
      MONGODB_URI: 'postgres://nope',
      NODE_ENV: 'staging',
    });
    expect(problems).toHaveLength(7);
  });

  test('when ACCESS_TOKEN_TTL is given in seconds, minutes or hours, then it is parsed', () => {
    expect(loadConfig({ ACCESS_TOKEN_TTL: '1h' }).jwt.accessTokenTtlSeconds).toBe(3600);
    expect(parseDurationSeconds('900')).toBe(900);
    expect(parseDurationSeconds('90s')).toBe(90);
    expect(parseDurationSeconds('15m')).toBe(900);
    expect(parseDurationSeconds('15 minutes')).toBeNull();
  });

  test('when the config is loaded, then it cannot be changed', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(Object.isFrozen(config.jwt)).toBe(true);
  });
});
