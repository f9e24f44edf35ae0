import { createSecretKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { compile as compileProxyAddresses } from 'proxy-addr';
import { z } from 'zod';
import { isAsymmetricAlgorithm, JWT_ALGORITHMS, loadSigningKeys } from './auth/signing-keys';
import { findUriProblems } from './db/connection';
import { findOriginProblem } from './http/origins';
import type { AuditSettings } from './audit/service';
import type { SignUpMode } from './sign-up/service';
import type { TokenSettings } from './auth/tokens';
import type { QueryLimits } from './graphql/query-limits';
import {
  parseTrustedDocumentManifest,
  type TrustedDocumentSettings,
} from './graphql/trusted-documents';
import { LOG_LEVELS, type LogLevel } from './logger';
import type { MailSettings } from './mail/mailer';
import type { Argon2Settings } from './passwords/hasher';
import {
  findPasswordProblem,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH_FLOOR,
  type PasswordPolicy,
} from './passwords/policy';
import type { SessionSettings } from './sessions/service';
import type { ThrottleSettings } from './throttling/service';
import type { EmailVerificationSettings } from './users/email-verification';
import { findUsernameProblem } from './users/identity';
import { ROLES, type Role } from './users/roles';

/**
 * The configuration: assembled from the settings types each feature owns, so features never
 * import this module. Only index.ts reads it from the environment.
 */

export type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly http: {
    readonly port: number;
    readonly host: string;
    readonly bodyLimitBytes: number;
    /** Proxies whose X-Forwarded-For is believed; empty: the socket address is the client. */
    readonly trustProxy: readonly string[];
  };
  /** null means "start the embedded MongoDB-compatible server". */
  readonly mongodbUri: string | null;
  /** Where the embedded server's binary is, or null for the default build location. */
  readonly ferretdbBinary: string | null;
  readonly jwt: TokenSettings & {
    /** True when no JWT_SECRET was given and a random one was made for this process. */
    readonly secretIsEphemeral: boolean;
  };
  readonly sessions: SessionSettings;
  /**
   * Where refresh tokens travel: the response body and an argument (any client), or an
   * httpOnly cookie a browser keeps and page script cannot read.
   */
  /** Outgoing mail: null prints messages on the terminal (development) instead of sending. */
  readonly mail: MailSettings;
  readonly passwordReset: { readonly enabled: boolean; readonly ttlSeconds: number };
  /** Who may create an account: admins only, anyone (`open`), or whom an admin invites. */
  readonly signUpMode: SignUpMode;
  /** How long an invitation's link works: INVITATION_TTL. */
  readonly invitationTtlSeconds: number;
  /** Second factors: MFA_REQUIRED_ROLES and the name authenticator apps show (TOTP_ISSUER). */
  readonly mfa: {
    readonly requiredRoles: readonly Role[];
    readonly totpIssuer: string;
    /** How long a sign-in waits for its second factor: MFA_CHALLENGE_TTL. */
    readonly challengeTtlSeconds: number;
  };
  /**
   * Passkeys: the relying party (WEBAUTHN_RP_ID, WEBAUTHN_RP_NAME) and the web origins that may
   * use them (WEBAUTHN_ORIGINS); null turns passkeys off (production without the variables).
   */
  readonly webauthn: {
    readonly rpId: string;
    readonly rpName: string;
    readonly origins: readonly string[];
  } | null;
  /** Requests that send mail (sign-up, password reset) one client address may make an hour. */
  readonly mailMaxPerIpPerHour: number;
  readonly emailVerification: EmailVerificationSettings;
  readonly refreshTokenTransport:
    | { readonly kind: 'body' }
    | {
        readonly kind: 'cookie';
        readonly sameSite: 'strict' | 'lax' | 'none';
        readonly secure: boolean;
      };
  readonly passwords: PasswordPolicy & { readonly argon2: Argon2Settings };
  /** The administrator to create at start-up when no user has that username. */
  readonly initialAdmin: { readonly username: string; readonly password: string } | null;
  /** Development only: create an admin with a random password when none was configured. */
  readonly generateInitialAdmin: boolean;
  readonly graphql: QueryLimits & {
    /** Documents with more lexical tokens are refused by the parser itself (400). */
    readonly maxTokens: number;
    /** The heap that parsed, validated documents kept for reuse may hold; 0 keeps none. */
    readonly documentCacheBytes: number;
    /** A request still running after this long is answered with a timeout error. */
    readonly timeoutMs: number;
    readonly introspection: boolean;
    readonly landingPage: boolean;
    readonly stackTraces: boolean;
    /** The manifest a frontend was built with (TRUSTED_DOCUMENTS), or null. */
    readonly trustedDocuments: TrustedDocumentSettings | null;
  };
  readonly throttling: ThrottleSettings;
  readonly audit: AuditSettings;
  /** At most this many argon2 hashes at once; further ones wait in a short queue or are shed. */
  readonly argon2Concurrency: number;
  /**
   * How long this instance may reuse a user or session it looked up for a request. Changes made
   * through this instance apply at once; changes made through another one within this bound.
   */
  readonly authCacheTtlMs: number;
  /** Origins allowed by CORS (exact, or `*.` subdomain patterns); `['*']` allows any, `[]` none. */
  readonly corsOrigins: readonly string[];
  /** Request headers a cross-origin request may send (lower case). */
  readonly corsAllowedHeaders: readonly string[];
  readonly logLevel: LogLevel;
}

/** Thrown by loadConfig with every problem found, so an operator fixes them in one pass. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const JWT_SECRET_MIN_BYTES = 32;
// RFC 8725 section 3.5: a human-chosen string is no key. 128 bits by a crude but conservative
// estimate (length x log2 of the distinct characters) rejects "xxxx..." and repeated words while
// any random 32-byte hex or base64 string passes easily.
const JWT_SECRET_MIN_ESTIMATED_BITS = 128;
const PASSWORD_MIN_LENGTH_DEFAULT = 15;
/**
 * What browsers may send cross-origin by default: credentials and JSON, Apollo's CSRF and
 * operation headers, Apollo Client's clientAwareness headers, our request id, and the W3C trace
 * context, baggage and Sentry tracing headers that instrumented frontends add.
 */
const DEFAULT_CORS_ALLOWED_HEADERS: readonly string[] = [
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
  'traceparent',
  'tracestate',
  'baggage',
  'sentry-trace',
];

/** A crude upper bound on a string's entropy in bits, enough to refuse obviously weak secrets. */
export function estimateSecretBits(secret: string): number {
  const characters = [...secret];
  const distinct = new Set(characters).size;
  return distinct < 2 ? 0 : characters.length * Math.log2(distinct);
}
// OWASP's password storage cheat sheet: argon2id with 19 MiB, t=2, p=1 is its first listed
// configuration. It is also the default: about 19 ms of CPU a hash here, so two cores sign in
// about 80 users a second, where the argon2 package's 64 MiB, t=3, p=4 managed five.
const ARGON2_FLOOR: Argon2Settings = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
const ARGON2_DEFAULTS: Argon2Settings = ARGON2_FLOOR;

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** Parses `900`, `900s`, `15m`, `1h` or `7d` into seconds; returns null for anything else. */
export function parseDurationSeconds(value: string): number | null {
  const match = /^(\d{1,7})\s*([smhd]?)$/.exec(value.trim());
  if (!match) return null;
  return Number(match[1]) * (DURATION_UNITS[match[2] ?? ''] ?? 1);
}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

function integer(name: string, fallback: number, min: number, max: number) {
  return optionalString.transform((value, ctx) => {
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      ctx.addIssue({ code: 'custom', message: `${name} must be an integer from ${min} to ${max}` });
      return z.NEVER;
    }
    return parsed;
  });
}

function duration(name: string, fallback: string, min: number, max: number, range: string) {
  return optionalString.transform((value, ctx) => {
    const seconds = parseDurationSeconds(value ?? fallback);
    if (seconds === null || seconds < min || seconds > max) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be a duration from ${range}, e.g. 900, 900s, 15m, 1h or 7d`,
      });
      return z.NEVER;
    }
    return seconds;
  });
}

function boolean(name: string) {
  return optionalString.transform((value, ctx) => {
    if (value === undefined) return undefined;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    ctx.addIssue({ code: 'custom', message: `${name} must be true or false` });
    return z.NEVER;
  });
}

const envSchema = z.object({
  NODE_ENV: optionalString.pipe(
    z
      .enum(['development', 'production', 'test'], {
        error: 'NODE_ENV must be development, production or test',
      })
      .default('development'),
  ),
  PORT: integer('PORT', 4000, 0, 65_535),
  HOST: optionalString,
  MONGODB_URI: optionalString.refine(
    (v) => v === undefined || /^mongodb(\+srv)?:\/\/\S+$/.test(v),
    'MONGODB_URI must be a mongodb:// or mongodb+srv:// connection string',
  ),
  FERRETDB_BIN: optionalString,
  JWT_SECRET: optionalString,
  JWT_ISSUER: optionalString.transform((v) => v ?? 'graphql-auth-api'),
  JWT_AUDIENCE: optionalString.transform((v) => v ?? 'graphql-auth-api'),
  ACCESS_TOKEN_TTL: duration('ACCESS_TOKEN_TTL', '15m', 30, 86_400, '30s to 24h'),
  REFRESH_TOKEN_TTL: duration('REFRESH_TOKEN_TTL', '7d', 300, 90 * 86_400, '5m to 90d'),
  REFRESH_TOKEN_IDLE_TTL: duration('REFRESH_TOKEN_IDLE_TTL', '24h', 60, 90 * 86_400, '1m to 90d'),
  REFRESH_TOKEN_REUSE_GRACE: duration('REFRESH_TOKEN_REUSE_GRACE', '10s', 0, 60, '0s to 60s'),
  REFRESH_TOKEN_TRANSPORT: optionalString.pipe(
    z
      .enum(['body', 'cookie'], { error: 'REFRESH_TOKEN_TRANSPORT must be body or cookie' })
      .default('body'),
  ),
  REFRESH_TOKEN_COOKIE_SAMESITE: optionalString.pipe(
    z
      .enum(['strict', 'lax', 'none'], {
        error: 'REFRESH_TOKEN_COOKIE_SAMESITE must be strict, lax or none',
      })
      .default('strict'),
  ),
  REFRESH_TOKEN_COOKIE_SECURE: optionalString.pipe(
    z
      .enum(['true', 'false'], { error: 'REFRESH_TOKEN_COOKIE_SECURE must be true or false' })
      .default('true')
      .transform((value) => value === 'true'),
  ),
  JWT_ALGORITHM: optionalString.pipe(
    z
      .enum(JWT_ALGORITHMS, { error: `JWT_ALGORITHM must be one of ${JWT_ALGORITHMS.join(', ')}` })
      .default('HS256'),
  ),
  JWT_PRIVATE_KEY: optionalString,
  JWT_PRIVATE_KEY_FILE: optionalString,
  JWT_PREVIOUS_PUBLIC_KEYS: optionalString,
  JWT_PREVIOUS_PUBLIC_KEYS_FILE: optionalString,
  TRUST_PROXY: optionalString.transform((value, ctx) => {
    const entries = (value ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0 && entry !== 'false');
    try {
      compileProxyAddresses(entries);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message:
          'TRUST_PROXY must be a comma-separated list of proxy addresses or subnets (or loopback, linklocal, uniquelocal)',
      });
      return z.NEVER;
    }
    return entries;
  }),
  ADMIN_USERNAME: optionalString,
  ADMIN_PASSWORD: optionalString,
  PASSWORD_MIN_LENGTH: integer(
    'PASSWORD_MIN_LENGTH',
    PASSWORD_MIN_LENGTH_DEFAULT,
    PASSWORD_MIN_LENGTH_FLOOR,
    PASSWORD_MAX_LENGTH,
  ),
  ARGON2_MEMORY_KIB: integer(
    'ARGON2_MEMORY_KIB',
    ARGON2_DEFAULTS.memoryCost,
    ARGON2_FLOOR.memoryCost,
    4_194_304,
  ),
  ARGON2_TIME_COST: integer(
    'ARGON2_TIME_COST',
    ARGON2_DEFAULTS.timeCost,
    ARGON2_FLOOR.timeCost,
    20,
  ),
  ARGON2_PARALLELISM: integer(
    'ARGON2_PARALLELISM',
    ARGON2_DEFAULTS.parallelism,
    ARGON2_FLOOR.parallelism,
    16,
  ),
  GRAPHQL_INTROSPECTION: boolean('GRAPHQL_INTROSPECTION'),
  SMTP_URL: optionalString.refine(
    (v) => v === undefined || /^smtps?:\/\/[^\s/]+/.test(v),
    'SMTP_URL must be an smtp:// or smtps:// URL (with credentials if the server needs them)',
  ),
  MAIL_FROM: optionalString,
  APP_URL: optionalString.refine(
    (v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v),
    'APP_URL must be the http(s) base URL of the frontend the emailed links open',
  ),
  PASSWORD_RESET: optionalString.pipe(
    z.enum(['on', 'off'], { error: 'PASSWORD_RESET must be on or off' }).optional(),
  ),
  PASSWORD_RESET_TTL: duration('PASSWORD_RESET_TTL', '30m', 1, 86_400, '1s to 24h'),
  MAIL_MAX_PER_IP_PER_HOUR: integer('MAIL_MAX_PER_IP_PER_HOUR', 10, 1, 100_000),
  SIGNUP_MODE: optionalString.pipe(
    z
      .enum(['closed', 'open', 'invite'], { error: 'SIGNUP_MODE must be closed, open or invite' })
      .default('closed'),
  ),
  REQUIRE_VERIFIED_EMAIL: boolean('REQUIRE_VERIFIED_EMAIL'),
  EMAIL_VERIFICATION_TTL: duration('EMAIL_VERIFICATION_TTL', '24h', 1, 30 * 86_400, '1s to 30d'),
  INVITATION_TTL: duration('INVITATION_TTL', '7d', 1, 30 * 86_400, '1s to 30d'),
  MFA_REQUIRED_ROLES: optionalString.transform((value, ctx) => {
    const roles = (value ?? '')
      .split(',')
      .map((role) => role.trim())
      .filter((role) => role !== '');
    const unknown = roles.filter((role) => !(ROLES as readonly string[]).includes(role));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `MFA_REQUIRED_ROLES must list roles from ${ROLES.join(', ')}: not ${unknown.join(', ')}`,
      });
      return z.NEVER;
    }
    return [...new Set(roles as Role[])];
  }),
  WEBAUTHN_RP_ID: optionalString.refine(
    // A registrable domain: browsers refuse an IP address as a relying party.
    (v) => v === undefined || (/^[a-z0-9.-]+$/.test(v) && !/^[0-9.]+$/.test(v)),
    'WEBAUTHN_RP_ID must be a domain name in lower case (app.example.com, or localhost)',
  ),
  WEBAUTHN_RP_NAME: optionalString.pipe(z.string().max(64).default('graphql-auth-api')),
  WEBAUTHN_ORIGINS: optionalString.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const origins = value.split(',').map((origin) => origin.trim());
    const bad = origins.filter((origin) => !/^https?:\/\/[a-z0-9.-]+(:\d+)?$/.test(origin));
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `WEBAUTHN_ORIGINS must list origins like https://app.example.com: ${bad.join(', ')}`,
      });
      return z.NEVER;
    }
    return origins;
  }),
  MFA_CHALLENGE_TTL: duration('MFA_CHALLENGE_TTL', '5m', 1, 600, '1s to 10m'),
  TOTP_ISSUER: optionalString.pipe(
    z
      .string()
      .max(64, 'TOTP_ISSUER must be at most 64 characters')
      .regex(/^[^:]+$/, 'TOTP_ISSUER must not contain a colon')
      .default('graphql-auth-api'),
  ),
  TRUSTED_DOCUMENTS: optionalString,
  TRUSTED_DOCUMENTS_MODE: optionalString.pipe(
    z
      .enum(['allow', 'enforce'], { error: 'TRUSTED_DOCUMENTS_MODE must be allow or enforce' })
      .optional(),
  ),
  GRAPHQL_MAX_TOKENS: integer('GRAPHQL_MAX_TOKENS', 1000, 50, 100_000),
  GRAPHQL_DOCUMENT_CACHE_MIB: integer('GRAPHQL_DOCUMENT_CACHE_MIB', 16, 0, 4096),
  GRAPHQL_MAX_DEPTH: integer('GRAPHQL_MAX_DEPTH', 8, 2, 100),
  GRAPHQL_MAX_ALIASES: integer('GRAPHQL_MAX_ALIASES', 15, 0, 1000),
  GRAPHQL_MAX_DIRECTIVES: integer('GRAPHQL_MAX_DIRECTIVES', 5, 0, 100),
  GRAPHQL_MAX_COST: integer('GRAPHQL_MAX_COST', 5000, 10, 1_000_000),
  GRAPHQL_MAX_LIST_LENGTH: integer('GRAPHQL_MAX_LIST_LENGTH', 100, 1, 10_000),
  GRAPHQL_TIMEOUT: duration('GRAPHQL_TIMEOUT', '10s', 1, 300, '1s to 5m'),
  LOGIN_LOCKOUT_THRESHOLD: integer('LOGIN_LOCKOUT_THRESHOLD', 5, 1, 100),
  LOGIN_LOCKOUT_BASE_DELAY: duration('LOGIN_LOCKOUT_BASE_DELAY', '60s', 1, 3600, '1s to 1h'),
  LOGIN_LOCKOUT_MAX_DELAY: duration('LOGIN_LOCKOUT_MAX_DELAY', '15m', 1, 86_400, '1s to 24h'),
  LOGIN_MAX_FAILURES_PER_HOUR: integer('LOGIN_MAX_FAILURES_PER_HOUR', 100, 1, 100_000),
  LOGIN_FAILURE_RESET: duration('LOGIN_FAILURE_RESET', '12h', 60, 7 * 86_400, '1m to 7d'),
  LOGIN_MAX_PER_IP_PER_MINUTE: integer('LOGIN_MAX_PER_IP_PER_MINUTE', 10, 1, 100_000),
  AUDIT_RETENTION: duration('AUDIT_RETENTION', '90d', 86_400, 3650 * 86_400, '1d to 3650d'),
  ARGON2_MAX_CONCURRENCY: integer('ARGON2_MAX_CONCURRENCY', availableParallelism(), 1, 256),
  AUTH_CACHE_TTL: duration('AUTH_CACHE_TTL', '1s', 0, 60, '0s (off) to 60s'),
  CORS_ORIGINS: optionalString.transform((value, ctx) => {
    const origins = (value ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0);
    const bad = origins.flatMap((origin) => {
      const problem = findOriginProblem(origin);
      return problem ? [`${origin} ${problem}`] : [];
    });
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `CORS_ORIGINS must list origins like https://app.example.com, patterns like https://*.example.com, or *: ${bad.join('; ')}`,
      });
      return z.NEVER;
    }
    return value === undefined ? undefined : origins;
  }),
  CORS_ALLOWED_HEADERS: optionalString.transform((value, ctx) => {
    if (value === undefined) return undefined;
    const headers = value
      .split(',')
      .map((header) => header.trim().toLowerCase())
      .filter((header) => header.length > 0);
    const bad = headers.filter((header) => !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(header));
    if (headers.length === 0 || bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `CORS_ALLOWED_HEADERS must list header names separated by commas; not ${bad.join(', ') || 'an empty list'}`,
      });
      return z.NEVER;
    }
    return headers;
  }),
  LOG_LEVEL: optionalString.pipe(
    z.enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  ),
});

type Env = z.infer<typeof envSchema>;

/**
 * Rules that span variables. They read the raw strings so they can run, and report, even when
 * some other variable failed to parse.
 */
function findCrossFieldProblems(source: Readonly<Record<string, string | undefined>>): string[] {
  const problems: string[] = [];
  const present = (name: string) => (source[name] ?? '').trim() !== '';
  const production = source.NODE_ENV?.trim() === 'production';
  const asymmetric = isAsymmetricAlgorithm(source.JWT_ALGORITHM?.trim() ?? '');
  const env = {
    JWT_SECRET: present('JWT_SECRET') ? source.JWT_SECRET : undefined,
    MONGODB_URI: present('MONGODB_URI') ? source.MONGODB_URI : undefined,
    ADMIN_USERNAME: present('ADMIN_USERNAME') ? source.ADMIN_USERNAME : undefined,
    ADMIN_PASSWORD: present('ADMIN_PASSWORD') ? source.ADMIN_PASSWORD : undefined,
  };
  const minLength = Number(source.PASSWORD_MIN_LENGTH?.trim() || PASSWORD_MIN_LENGTH_DEFAULT);
  if (env.JWT_SECRET !== undefined) {
    if (Buffer.byteLength(env.JWT_SECRET, 'utf8') < JWT_SECRET_MIN_BYTES) {
      problems.push(`JWT_SECRET must be at least ${JWT_SECRET_MIN_BYTES} bytes long`);
    } else if (estimateSecretBits(env.JWT_SECRET) < JWT_SECRET_MIN_ESTIMATED_BITS) {
      problems.push(
        'JWT_SECRET is too predictable; use random bytes, e.g. `openssl rand -base64 48`',
      );
    }
  } else if (production && !asymmetric) {
    problems.push(
      `JWT_SECRET is required in production (at least ${JWT_SECRET_MIN_BYTES} random bytes, e.g. \`openssl rand -base64 48\`)`,
    );
  }
  if (env.MONGODB_URI !== undefined) problems.push(...findUriProblems(env.MONGODB_URI));
  if (production && env.MONGODB_URI === undefined) {
    problems.push(
      'MONGODB_URI is required in production (the embedded database is for development)',
    );
  }
  if ((env.ADMIN_USERNAME === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_USERNAME and ADMIN_PASSWORD must be set together');
  } else if (production && env.ADMIN_USERNAME === undefined) {
    problems.push('ADMIN_USERNAME and ADMIN_PASSWORD are required in production');
  }
  if (env.ADMIN_USERNAME !== undefined) {
    const problem = findUsernameProblem(env.ADMIN_USERNAME);
    if (problem) problems.push(`ADMIN_USERNAME ${problem.message}`);
  }
  if (env.ADMIN_PASSWORD !== undefined && production) {
    const problem = findPasswordProblem(env.ADMIN_PASSWORD, {
      minLength: Number.isSafeInteger(minLength) ? minLength : PASSWORD_MIN_LENGTH_DEFAULT,
      maxLength: PASSWORD_MAX_LENGTH,
    });
    if (problem) problems.push(`ADMIN_PASSWORD ${problem.message}`);
  }
  return problems;
}

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * The refresh-token cookie is credentialed CORS: it needs the exact origins of the web apps (a
 * wildcard would hand the cookie's use to any site), and it may drop `Secure` only on a
 * developer's loopback instance, where browsers do not all accept it over plain HTTP.
 */
function findCookieProblems(env: Env): string[] {
  if (env.REFRESH_TOKEN_TRANSPORT !== 'cookie') return [];
  const problems: string[] = [];
  const origins = env.CORS_ORIGINS ?? [];
  if (origins.length === 0 || origins.includes('*')) {
    problems.push(
      'REFRESH_TOKEN_TRANSPORT=cookie needs CORS_ORIGINS to list the web apps that may use the cookie (not *)',
    );
  } else if (origins.some((origin) => origin.includes('*'))) {
    // Any subdomain could then spend the cookie and read the tokens it buys.
    problems.push(
      'REFRESH_TOKEN_TRANSPORT=cookie needs exact CORS_ORIGINS: a *. pattern would let every matching subdomain use the session cookie',
    );
  }
  if (!env.REFRESH_TOKEN_COOKIE_SECURE) {
    const host = env.HOST ?? (env.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1');
    if (env.NODE_ENV !== 'development' || !LOOPBACK_HOSTS.has(host)) {
      problems.push('REFRESH_TOKEN_COOKIE_SECURE=false is for development on a loopback HOST only');
    }
    if (env.REFRESH_TOKEN_COOKIE_SAMESITE === 'none') {
      problems.push('REFRESH_TOKEN_COOKIE_SAMESITE=none needs REFRESH_TOKEN_COOKIE_SECURE=true');
    }
  }
  return problems;
}

/** Password reset is on outside production, and in production when mail is configured. */
function passwordResetOn(env: Env): boolean {
  return env.PASSWORD_RESET === undefined
    ? env.NODE_ENV !== 'production' || env.SMTP_URL !== undefined
    : env.PASSWORD_RESET === 'on';
}

/**
 * Passkeys need the relying party's domain and the origins of the apps that use them. Outside
 * production they default to the example app on a developer's machine; in production they are
 * off until both are set.
 */
function webauthnOf(env: Env, production: boolean): Config['webauthn'] {
  const rpId = env.WEBAUTHN_RP_ID ?? (production ? undefined : 'localhost');
  const origins = env.WEBAUTHN_ORIGINS ?? (production ? undefined : ['http://localhost:5173']);
  if (rpId === undefined || origins === undefined) return null;
  return Object.freeze({ rpId, rpName: env.WEBAUTHN_RP_NAME, origins: Object.freeze(origins) });
}

/** Every passkey origin must be the relying party's domain or one of its subdomains. */
function findWebauthnProblems(env: Env): string[] {
  const production = env.NODE_ENV === 'production';
  const settings = webauthnOf(env, production);
  if (settings === null) {
    return (env.WEBAUTHN_RP_ID === undefined) === (env.WEBAUTHN_ORIGINS === undefined)
      ? []
      : ['WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS go together: set both to turn passkeys on'];
  }
  const insecure = production
    ? settings.origins.filter((origin) => origin.startsWith('http://'))
    : [];
  if (insecure.length > 0) {
    return [`WEBAUTHN_ORIGINS must be https in production: not ${insecure.join(', ')}`];
  }
  const outside = settings.origins.filter((origin) => {
    const host = new URL(origin).hostname;
    return host !== settings.rpId && !host.endsWith(`.${settings.rpId}`);
  });
  return outside.length === 0
    ? []
    : [
        `WEBAUTHN_ORIGINS must be on WEBAUTHN_RP_ID (${settings.rpId}) or its subdomains: not ${outside.join(', ')}`,
      ];
}

/** In production, a feature that sends mail needs a mail server, a sender and the app's URL. */
function findMailProblems(env: Env): string[] {
  const problems: string[] = [];
  const mailing = [
    ...(passwordResetOn(env) ? ['PASSWORD_RESET=on'] : []),
    ...(env.SIGNUP_MODE === 'closed' ? [] : [`SIGNUP_MODE=${env.SIGNUP_MODE}`]),
    ...(env.REQUIRE_VERIFIED_EMAIL === true ? ['REQUIRE_VERIFIED_EMAIL=true'] : []),
  ];
  if (env.NODE_ENV !== 'production' || mailing.length === 0) return problems;
  const missing = (['SMTP_URL', 'MAIL_FROM', 'APP_URL'] as const).filter(
    (name) => env[name] === undefined,
  );
  if (missing.length > 0) {
    problems.push(`${mailing.join(', ')} sends mail: set ${missing.join(', ')}`);
  }
  return problems;
}

type FileReader = (path: string) => string;

function readTrustedDocuments(
  env: Env,
  readFile: FileReader,
  problems: string[],
): TrustedDocumentSettings | null {
  const path = env.TRUSTED_DOCUMENTS;
  if (path === undefined) {
    if (env.TRUSTED_DOCUMENTS_MODE !== undefined) {
      problems.push('TRUSTED_DOCUMENTS_MODE needs TRUSTED_DOCUMENTS, the manifest to enforce');
    }
    return null;
  }
  let json: string;
  try {
    json = readFile(path);
  } catch {
    problems.push(`TRUSTED_DOCUMENTS: cannot read ${path}`);
    return null;
  }
  const manifest = parseTrustedDocumentManifest(json);
  if ('problems' in manifest) {
    problems.push(...manifest.problems.map((problem) => `TRUSTED_DOCUMENTS ${path}: ${problem}`));
    return null;
  }
  return Object.freeze({
    mode: env.TRUSTED_DOCUMENTS_MODE ?? 'allow',
    documents: manifest.documents,
  });
}

/** Reads a PEM from a variable or from the file another variable names, never both. */
function readPem(
  env: Env,
  name: 'JWT_PRIVATE_KEY' | 'JWT_PREVIOUS_PUBLIC_KEYS',
  readFile: FileReader,
  problems: string[],
): string | undefined {
  const inline = env[name];
  const path = env[`${name}_FILE`];
  if (inline !== undefined && path !== undefined) {
    problems.push(`set ${name} or ${name}_FILE, not both`);
    return undefined;
  }
  if (path === undefined) return inline?.replaceAll('\\n', '\n');
  try {
    return readFile(path);
  } catch {
    problems.push(`${name}_FILE: cannot read ${path}`);
    return undefined;
  }
}

/**
 * Parses the environment once into a frozen, typed Config. Every problem is reported together;
 * nothing else in the code base reads process.env.
 */
export function loadConfig(
  source: Readonly<Record<string, string | undefined>>,
  readFile: FileReader = (path) => readFileSync(path, 'utf8'),
): Config {
  const parsed = envSchema.safeParse(source);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => issue.message)),
    ...findCrossFieldProblems(source),
  ];
  const keys = parsed.success
    ? loadSigningKeys(
        parsed.data.JWT_ALGORITHM,
        readPem(parsed.data, 'JWT_PRIVATE_KEY', readFile, problems),
        readPem(parsed.data, 'JWT_PREVIOUS_PUBLIC_KEYS', readFile, problems),
        problems,
      )
    : null;
  if (parsed.success && parsed.data.REFRESH_TOKEN_IDLE_TTL > parsed.data.REFRESH_TOKEN_TTL) {
    problems.push('REFRESH_TOKEN_IDLE_TTL must not be longer than REFRESH_TOKEN_TTL');
  }
  if (parsed.success) problems.push(...findCookieProblems(parsed.data));
  if (parsed.success) problems.push(...findMailProblems(parsed.data));
  if (parsed.success) problems.push(...findWebauthnProblems(parsed.data));
  const trustedDocuments = parsed.success
    ? readTrustedDocuments(parsed.data, readFile, problems)
    : null;
  if (!parsed.success || keys === null || problems.length > 0) throw new ConfigError(problems);
  const env: Env = parsed.data;

  const production = env.NODE_ENV === 'production';
  const development = env.NODE_ENV === 'development';
  const hmac = env.JWT_ALGORITHM === 'HS256';
  return Object.freeze({
    nodeEnv: env.NODE_ENV,
    http: Object.freeze({
      port: env.PORT,
      // Production runs behind a load balancer; a developer's instance stays on loopback.
      host: env.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
      bodyLimitBytes: 100 * 1024,
      trustProxy: Object.freeze(env.TRUST_PROXY),
    }),
    mongodbUri: env.MONGODB_URI ?? null,
    ferretdbBinary: env.FERRETDB_BIN ?? null,
    jwt: Object.freeze({
      algorithm: env.JWT_ALGORITHM,
      secret: hmac
        ? createSecretKey(
            env.JWT_SECRET === undefined ? randomBytes(48) : Buffer.from(env.JWT_SECRET, 'utf8'),
          )
        : null,
      secretIsEphemeral: hmac && env.JWT_SECRET === undefined,
      privateKey: keys.privateKey,
      publicKeys: Object.freeze([...keys.publicKeys]),
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL,
    }),
    sessions: Object.freeze({
      refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL,
      refreshTokenIdleTtlSeconds: env.REFRESH_TOKEN_IDLE_TTL,
      reuseGraceSeconds: env.REFRESH_TOKEN_REUSE_GRACE,
    }),
    mail: Object.freeze({
      smtpUrl: env.SMTP_URL ?? null,
      // A production instance never prints a message (and its link) on its output.
      printWithoutServer: !production,
      from: env.MAIL_FROM ?? 'graphql-auth-api <no-reply@localhost>',
      appUrl: (env.APP_URL ?? 'http://localhost:5173').replace(/\/+$/, ''),
    }),
    passwordReset: Object.freeze({
      enabled: passwordResetOn(env),
      ttlSeconds: env.PASSWORD_RESET_TTL,
    }),
    signUpMode: env.SIGNUP_MODE,
    invitationTtlSeconds: env.INVITATION_TTL,
    mfa: Object.freeze({
      requiredRoles: Object.freeze(env.MFA_REQUIRED_ROLES),
      totpIssuer: env.TOTP_ISSUER,
      challengeTtlSeconds: env.MFA_CHALLENGE_TTL,
    }),
    webauthn: webauthnOf(env, production),
    mailMaxPerIpPerHour: env.MAIL_MAX_PER_IP_PER_HOUR,
    emailVerification: Object.freeze({
      ttlSeconds: env.EMAIL_VERIFICATION_TTL,
      required: env.REQUIRE_VERIFIED_EMAIL ?? false,
    }),
    refreshTokenTransport: Object.freeze(
      env.REFRESH_TOKEN_TRANSPORT === 'cookie'
        ? {
            kind: 'cookie' as const,
            sameSite: env.REFRESH_TOKEN_COOKIE_SAMESITE,
            secure: env.REFRESH_TOKEN_COOKIE_SECURE,
          }
        : { kind: 'body' as const },
    ),
    passwords: Object.freeze({
      minLength: env.PASSWORD_MIN_LENGTH,
      maxLength: PASSWORD_MAX_LENGTH,
      argon2: Object.freeze({
        memoryCost: env.ARGON2_MEMORY_KIB,
        timeCost: env.ARGON2_TIME_COST,
        parallelism: env.ARGON2_PARALLELISM,
      }),
    }),
    initialAdmin:
      env.ADMIN_USERNAME !== undefined && env.ADMIN_PASSWORD !== undefined
        ? Object.freeze({ username: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD })
        : null,
    generateInitialAdmin: development && env.ADMIN_USERNAME === undefined,
    graphql: Object.freeze({
      maxTokens: env.GRAPHQL_MAX_TOKENS,
      documentCacheBytes: env.GRAPHQL_DOCUMENT_CACHE_MIB * 1024 * 1024,
      maxDepth: env.GRAPHQL_MAX_DEPTH,
      maxAliases: env.GRAPHQL_MAX_ALIASES,
      maxDirectivesPerField: env.GRAPHQL_MAX_DIRECTIVES,
      maxCost: env.GRAPHQL_MAX_COST,
      maxListLength: env.GRAPHQL_MAX_LIST_LENGTH,
      timeoutMs: env.GRAPHQL_TIMEOUT * 1000,
      introspection: env.GRAPHQL_INTROSPECTION ?? !production,
      landingPage: development,
      stackTraces: development,
      trustedDocuments,
    }),
    throttling: Object.freeze({
      lockoutThreshold: env.LOGIN_LOCKOUT_THRESHOLD,
      lockoutBaseSeconds: env.LOGIN_LOCKOUT_BASE_DELAY,
      lockoutMaxSeconds: env.LOGIN_LOCKOUT_MAX_DELAY,
      maxFailuresPerHour: env.LOGIN_MAX_FAILURES_PER_HOUR,
      failureResetSeconds: env.LOGIN_FAILURE_RESET,
      maxAttemptsPerAddressPerMinute: env.LOGIN_MAX_PER_IP_PER_MINUTE,
    }),
    audit: Object.freeze({ retentionSeconds: env.AUDIT_RETENTION }),
    argon2Concurrency: env.ARGON2_MAX_CONCURRENCY,
    authCacheTtlMs: env.AUTH_CACHE_TTL * 1000,
    // Closed by default in production; a developer's local frontend may call from anywhere.
    corsOrigins: Object.freeze(env.CORS_ORIGINS ?? (production ? [] : ['*'])),
    corsAllowedHeaders: Object.freeze(env.CORS_ALLOWED_HEADERS ?? DEFAULT_CORS_ALLOWED_HEADERS),
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
  });
}
