import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { ConfigError, loadConfig, parseDurationSeconds } from '../../src/config';

const SECRET = 'q3J9xv0Lr8Tz2Wm5Bn7Ck1Ys4Hd6Fg0P';
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

describe('CORS settings', () => {
  test('when CORS_ORIGINS holds something that is not an origin or a subdomain pattern, then start-up is refused', () => {
    for (const entry of [
      'https://app.example.com/',
      'app.example.com',
      'https://*.com',
      '*.example.com',
      'https://*.example.com/path',
      'https://a.*.example.com',
      'ftp://files.example.com',
      'https://App.Example.com',
    ]) {
      expect(problemsOf({ CORS_ORIGINS: entry }).join('\n')).toContain('CORS_ORIGINS');
    }
  });

  test('when CORS_ORIGINS holds origins and patterns, then they are accepted as written', () => {
    const origins = 'https://app.example.com, http://localhost:5173, https://*.vercel.app';
    expect(loadConfig({ CORS_ORIGINS: origins }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
      'https://*.vercel.app',
    ]);
  });

  test('when CORS_ALLOWED_HEADERS is not a list of header names, then start-up is refused', () => {
    for (const value of [' , ', 'x-ok, bad header']) {
      expect(problemsOf({ CORS_ALLOWED_HEADERS: value }).join('\n')).toContain(
        'CORS_ALLOWED_HEADERS',
      );
    }
  });
});

describe('the refresh-token cookie transport', () => {
  const COOKIE = { REFRESH_TOKEN_TRANSPORT: 'cookie', CORS_ORIGINS: 'https://app.example.com' };

  test('when it is not set, then refresh tokens travel in the body', () => {
    expect(loadConfig({}).refreshTokenTransport).toEqual({ kind: 'body' });
  });

  test('when the cookie is chosen, then it is Secure and SameSite=Strict unless told otherwise', () => {
    expect(loadConfig(COOKIE).refreshTokenTransport).toEqual({
      kind: 'cookie',
      secure: true,
      sameSite: 'strict',
    });
    expect(
      loadConfig({ ...COOKIE, REFRESH_TOKEN_COOKIE_SAMESITE: 'none' }).refreshTokenTransport,
    ).toMatchObject({ sameSite: 'none' });
  });

  test('when the cookie is chosen without exact CORS origins, then start-up is refused', () => {
    for (const origins of [{}, { CORS_ORIGINS: '*' }] as Record<string, string>[]) {
      const problems = problemsOf({ REFRESH_TOKEN_TRANSPORT: 'cookie', ...origins });
      expect(problems.join('\n')).toContain('REFRESH_TOKEN_TRANSPORT=cookie needs CORS_ORIGINS');
    }
    const patterned = problemsOf({
      REFRESH_TOKEN_TRANSPORT: 'cookie',
      CORS_ORIGINS: 'https://app.example.com,https://*.example.com',
    });
    expect(patterned.join('\n')).toContain('needs exact CORS_ORIGINS');
  });

  test('when Secure is dropped outside development on loopback, or with SameSite=None, then start-up is refused', () => {
    const insecure = { ...COOKIE, REFRESH_TOKEN_COOKIE_SECURE: 'false' };
    expect(problemsOf({ ...PRODUCTION, ...insecure, HOST: '127.0.0.1' }).join('\n')).toContain(
      'REFRESH_TOKEN_COOKIE_SECURE=false is for development',
    );
    expect(problemsOf({ ...insecure, HOST: '0.0.0.0' }).join('\n')).toContain(
      'REFRESH_TOKEN_COOKIE_SECURE=false is for development',
    );
    expect(problemsOf({ ...insecure, REFRESH_TOKEN_COOKIE_SAMESITE: 'none' }).join('\n')).toContain(
      'REFRESH_TOKEN_COOKIE_SAMESITE=none needs',
    );
    expect(loadConfig(insecure).refreshTokenTransport).toMatchObject({ secure: false });
  });

  test('when the transport or a cookie attribute is misspelt, then start-up is refused', () => {
    expect(problemsOf({ REFRESH_TOKEN_TRANSPORT: 'cookies' })).toContain(
      'REFRESH_TOKEN_TRANSPORT must be body or cookie',
    );
    expect(problemsOf({ ...COOKIE, REFRESH_TOKEN_COOKIE_SAMESITE: 'Lax!' })).toContain(
      'REFRESH_TOKEN_COOKIE_SAMESITE must be strict, lax or none',
    );
  });
});

describe('mail and password reset', () => {
  test('when production turns password reset on without a mail server, sender and app URL, then start-up lists what is missing', () => {
    const problems = problemsOf({ ...PRODUCTION, PASSWORD_RESET: 'on' }).join('\n');
    expect(problems).toContain('set SMTP_URL, MAIL_FROM, APP_URL');
    expect(
      problemsOf({ ...PRODUCTION, SMTP_URL: 'smtps://u:p@mail.example.com' }).join('\n'),
    ).toContain('set MAIL_FROM, APP_URL');
  });

  test('when production has no mail server, then password reset is off; elsewhere it is on', () => {
    expect(loadConfig(PRODUCTION).passwordReset.enabled).toBe(false);
    expect(loadConfig({}).passwordReset).toEqual({ enabled: true, ttlSeconds: 30 * 60 });
    const mailing = loadConfig({
      ...PRODUCTION,
      SMTP_URL: 'smtps://u:p@mail.example.com',
      MAIL_FROM: 'Accounts <accounts@example.com>',
      APP_URL: 'https://app.example.com/',
    });
    expect(mailing.passwordReset.enabled).toBe(true);
    expect(mailing.mail.appUrl).toBe('https://app.example.com');
  });

  test('when SMTP_URL or APP_URL is not a URL of its kind, then start-up is refused', () => {
    expect(problemsOf({ SMTP_URL: 'http://mail.example.com' }).join('\n')).toContain('SMTP_URL');
    expect(problemsOf({ APP_URL: 'app.example.com' }).join('\n')).toContain('APP_URL');
  });
});

describe('sign-up, invitations and second factors', () => {
  test('when SIGNUP_MODE is invite or open in production without mail, then start-up says what is missing', () => {
    expect(problemsOf({ ...PRODUCTION, SIGNUP_MODE: 'invite' }).join('\n')).toContain(
      'SIGNUP_MODE=invite sends mail: set SMTP_URL, MAIL_FROM, APP_URL',
    );
    expect(loadConfig({ SIGNUP_MODE: 'invite', INVITATION_TTL: '2d' })).toMatchObject({
      signUpMode: 'invite',
      invitationTtlSeconds: 2 * 86_400,
    });
    expect(problemsOf({ SIGNUP_MODE: 'anyone' }).join('\n')).toContain('SIGNUP_MODE');
  });

  test('when MFA_REQUIRED_ROLES lists roles, then they are kept; an unknown role is refused', () => {
    expect(loadConfig({ MFA_REQUIRED_ROLES: 'ADMIN, USER' }).mfa.requiredRoles).toEqual([
      'ADMIN',
      'USER',
    ]);
    expect(loadConfig({}).mfa).toEqual({
      requiredRoles: [],
      totpIssuer: 'graphql-auth-api',
      challengeTtlSeconds: 300,
    });
    expect(problemsOf({ MFA_REQUIRED_ROLES: 'ADMIN,ROOT' }).join('\n')).toContain('not ROOT');
    expect(problemsOf({ TOTP_ISSUER: 'a:b' }).join('\n')).toContain('TOTP_ISSUER');
  });

  test('when passkeys are not configured, then they default to the example app outside production and are off in production', () => {
    expect(loadConfig({}).webauthn).toEqual({
      rpId: 'localhost',
      rpName: 'graphql-auth-api',
      origins: ['http://localhost:5173'],
    });
    expect(loadConfig(PRODUCTION).webauthn).toBeNull();
    expect(
      loadConfig({
        ...PRODUCTION,
        WEBAUTHN_RP_ID: 'example.com',
        WEBAUTHN_ORIGINS: 'https://app.example.com,https://example.com',
      }).webauthn,
    ).toEqual({
      rpId: 'example.com',
      rpName: 'graphql-auth-api',
      origins: ['https://app.example.com', 'https://example.com'],
    });
    expect(problemsOf({ WEBAUTHN_ORIGINS: 'app.example.com' }).join('\n')).toContain(
      'WEBAUTHN_ORIGINS',
    );
    expect(problemsOf({ WEBAUTHN_RP_ID: 'https://example.com' }).join('\n')).toContain(
      'WEBAUTHN_RP_ID',
    );
    expect(
      problemsOf({ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://evil.test' }).join(
        '\n',
      ),
    ).toContain('not https://evil.test');
    expect(problemsOf({ ...PRODUCTION, WEBAUTHN_RP_ID: 'example.com' }).join('\n')).toContain(
      'go together',
    );
    expect(
      problemsOf({
        ...PRODUCTION,
        WEBAUTHN_RP_ID: 'example.com',
        WEBAUTHN_ORIGINS: 'http://app.example.com',
      }).join('\n'),
    ).toContain('must be https in production');
  });
});

describe('trusted documents', () => {
  const readOnly = (files: Record<string, string>) => (path: string) => {
    const text = files[path];
    if (text === undefined) throw new Error('ENOENT');
    return text;
  };

  test('when the manifest is unreadable, not JSON, or holds a hash that is not its text, then start-up is refused', () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'cannot read'],
      [{ '/m.json': '{' }, 'is not JSON'],
      [{ '/m.json': '["x"]' }, 'must be a JSON object'],
      [{ '/m.json': JSON.stringify({ abc: '{ health }' }) }, 'is not a sha256 hex hash'],
      [{ '/m.json': JSON.stringify({ ['0'.repeat(64)]: '{ health }' }) }, 'not the hash of'],
    ];
    for (const [files, problem] of cases) {
      const problems = (() => {
        try {
          loadConfig({ TRUSTED_DOCUMENTS: '/m.json' }, readOnly(files));
        } catch (error) {
          if (error instanceof ConfigError) return error.problems;
          throw error;
        }
        return [];
      })();
      expect(problems.join('\n')).toContain(problem);
    }
  });

  test('when a mode is set without a manifest, or misspelt, then start-up is refused', () => {
    expect(problemsOf({ TRUSTED_DOCUMENTS_MODE: 'enforce' }).join('\n')).toContain(
      'TRUSTED_DOCUMENTS_MODE needs TRUSTED_DOCUMENTS',
    );
    expect(problemsOf({ TRUSTED_DOCUMENTS_MODE: 'strict' })).toContain(
      'TRUSTED_DOCUMENTS_MODE must be allow or enforce',
    );
  });
});

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
    expect(config.passwords.argon2).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    expect(config.generateInitialAdmin).toBe(true);
    expect(config.throttling).toEqual({
      lockoutThreshold: 5,
      lockoutBaseSeconds: 60,
      lockoutMaxSeconds: 900,
      maxFailuresPerHour: 100,
      failureResetSeconds: 43_200,
      maxAttemptsPerAddressPerMinute: 10,
    });
    expect(config.corsOrigins).toEqual(['*']);
    expect(config.graphql).toMatchObject({
      maxTokens: 1000,
      maxDepth: 8,
      maxAliases: 15,
      maxDirectivesPerField: 5,
      maxListLength: 100,
      timeoutMs: 10_000,
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
    expect(config.corsOrigins).toEqual([]);
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

  test('when JWT_SECRET is long but predictable, then start-up fails', () => {
    for (const weak of ['x'.repeat(64), 'ab'.repeat(32), 'passwordpasswordpasswordpassword']) {
      expect(problemsOf({ ...PRODUCTION, JWT_SECRET: weak })).toEqual([
        expect.stringContaining('JWT_SECRET is too predictable'),
      ]);
    }
    expect(() => loadConfig({ JWT_SECRET: randomBytes(32).toString('hex') })).not.toThrow();
    expect(() => loadConfig({ JWT_SECRET: randomBytes(32).toString('base64') })).not.toThrow();
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

  describe('asymmetric signing keys', () => {
    const ed25519 = generateKeyPairSync('ed25519');
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = (key: KeyObject, type: 'pkcs8' | 'spki') =>
      key.export({ format: 'pem', type }).toString();

    test('when EdDSA is chosen with a key in a variable, then it needs no JWT_SECRET, even in production', () => {
      const { JWT_SECRET: _secret, ...rest } = PRODUCTION;
      const config = loadConfig({
        ...rest,
        JWT_ALGORITHM: 'EdDSA',
        // Escaped newlines, as many secret stores hand a PEM over.
        JWT_PRIVATE_KEY: pem(ed25519.privateKey, 'pkcs8').replaceAll('\n', '\\n'),
        JWT_PREVIOUS_PUBLIC_KEYS: pem(p256.publicKey, 'spki'),
      });
      expect(config.jwt).toMatchObject({ algorithm: 'EdDSA', secret: null });
      expect(config.jwt.publicKeys.map((key) => key.asymmetricKeyType)).toEqual(['ed25519', 'ec']);
    });

    test('when the key comes from a file, then it is read from there', () => {
      const files: Record<string, string> = { '/keys/signing.pem': pem(p256.privateKey, 'pkcs8') };
      const config = loadConfig(
        { JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: '/keys/signing.pem' },
        (path) => {
          const content = files[path];
          if (content === undefined) throw new Error('ENOENT');
          return content;
        },
      );
      expect(config.jwt.privateKey?.asymmetricKeyType).toBe('ec');
      expect(() =>
        loadConfig({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY_FILE: '/missing.pem' }, () => {
          throw new Error('ENOENT');
        }),
      ).toThrow('JWT_PRIVATE_KEY_FILE: cannot read /missing.pem');
    });

    test.each([
      ['no key', { JWT_ALGORITHM: 'RS256' }, 'needs JWT_PRIVATE_KEY'],
      [
        'the wrong kind of key',
        { JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: pem(ed25519.privateKey, 'pkcs8') },
        'it is an EdDSA key',
      ],
      ['garbage', { JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: 'not a pem' }, 'contains no PEM key'],
      [
        'a key with HS256',
        { JWT_PRIVATE_KEY: pem(ed25519.privateKey, 'pkcs8') },
        'need JWT_ALGORITHM',
      ],
      ['an unknown algorithm', { JWT_ALGORITHM: 'none' }, 'JWT_ALGORITHM must be one of'],
      [
        'both a variable and a file',
        { JWT_ALGORITHM: 'EdDSA', JWT_PRIVATE_KEY: 'x', JWT_PRIVATE_KEY_FILE: '/x' },
        'not both',
      ],
    ])('when the configuration has %s, then start-up fails saying so', (_case, env, message) => {
      expect(problemsOf(env).join('\n')).toContain(message);
    });
  });

  test('when TRUST_PROXY lists addresses, then they are kept; nonsense is refused', () => {
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).http.trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
    expect(problemsOf({ TRUST_PROXY: 'everyone' }).join()).toContain('TRUST_PROXY');
  });

  test('when refresh lifetimes are set, then idle may not exceed absolute', () => {
    expect(loadConfig({ REFRESH_TOKEN_TTL: '30d' }).sessions.refreshTokenTtlSeconds).toBe(
      2_592_000,
    );
    expect(problemsOf({ REFRESH_TOKEN_TTL: '1h', REFRESH_TOKEN_IDLE_TTL: '2h' }).join()).toContain(
      'REFRESH_TOKEN_IDLE_TTL must not be longer',
    );
  });
});
