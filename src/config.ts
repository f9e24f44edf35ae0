import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import {
  findPasswordProblem,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH_FLOOR,
} from './auth/password-policy';
import { findUsernameProblem } from './users/identity';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Argon2Settings {
  /** KiB of memory per hash. */
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly http: { readonly port: number; readonly host: string; readonly bodyLimitBytes: number };
  /** null means "start the embedded MongoDB-compatible server". */
  readonly mongodbUri: string | null;
  /** Where the embedded server's binary is, or null for the default build location. */
  readonly ferretdbBinary: string | null;
  readonly jwt: {
    readonly secret: KeyObject;
    /** True when no JWT_SECRET was given and a random one was made for this process. */
    readonly secretIsEphemeral: boolean;
    readonly issuer: string;
    readonly audience: string;
    readonly accessTokenTtlSeconds: number;
  };
  readonly passwords: {
    readonly minLength: number;
    readonly maxLength: number;
    readonly argon2: Argon2Settings;
  };
  /** The administrator to create at start-up when no user has that username. */
  readonly initialAdmin: { readonly username: string; readonly password: string } | null;
  /** Development only: create an admin with a random password when none was configured. */
  readonly generateInitialAdmin: boolean;
  readonly graphql: {
    readonly introspection: boolean;
    readonly landingPage: boolean;
    readonly stackTraces: boolean;
  };
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
const ARGON2_FLOOR: Argon2Settings = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
// The argon2 package's own defaults.
const ARGON2_DEFAULTS: Argon2Settings = { memoryCost: 65_536, timeCost: 3, parallelism: 4 };

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };

/** Parses `900`, `900s`, `15m` or `1h` into seconds; returns null for anything else. */
export function parseDurationSeconds(value: string): number | null {
  const match = /^(\d{1,7})\s*([smh]?)$/.exec(value.trim());
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
  ACCESS_TOKEN_TTL: optionalString.transform((value, ctx) => {
    const seconds = parseDurationSeconds(value ?? '15m');
    if (seconds === null || seconds < 30 || seconds > 86_400) {
      ctx.addIssue({
        code: 'custom',
        message: 'ACCESS_TOKEN_TTL must be a duration from 30s to 24h, e.g. 900, 900s, 15m or 1h',
      });
      return z.NEVER;
    }
    return seconds;
  }),
  ADMIN_USERNAME: optionalString,
  ADMIN_PASSWORD: optionalString,
  PASSWORD_MIN_LENGTH: integer(
    'PASSWORD_MIN_LENGTH',
    15,
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
  LOG_LEVEL: optionalString.pipe(
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .optional(),
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
  const env = {
    JWT_SECRET: present('JWT_SECRET') ? source.JWT_SECRET : undefined,
    MONGODB_URI: present('MONGODB_URI') ? source.MONGODB_URI : undefined,
    ADMIN_USERNAME: present('ADMIN_USERNAME') ? source.ADMIN_USERNAME : undefined,
    ADMIN_PASSWORD: present('ADMIN_PASSWORD') ? source.ADMIN_PASSWORD : undefined,
  };
  const minLength = Number(source.PASSWORD_MIN_LENGTH?.trim() || 15);
  if (env.JWT_SECRET !== undefined) {
    if (Buffer.byteLength(env.JWT_SECRET, 'utf8') < JWT_SECRET_MIN_BYTES) {
      problems.push(`JWT_SECRET must be at least ${JWT_SECRET_MIN_BYTES} bytes long`);
    }
  } else if (production) {
    problems.push(
      `JWT_SECRET is required in production (at least ${JWT_SECRET_MIN_BYTES} random bytes, e.g. \`openssl rand -base64 48\`)`,
    );
  }
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
    if (problem) problems.push(`ADMIN_USERNAME ${problem}`);
  }
  if (env.ADMIN_PASSWORD !== undefined && production) {
    const problem = findPasswordProblem(env.ADMIN_PASSWORD, {
      minLength: Number.isSafeInteger(minLength) ? minLength : 15,
      maxLength: PASSWORD_MAX_LENGTH,
    });
    if (problem) problems.push(`ADMIN_PASSWORD ${problem}`);
  }
  return problems;
}

/**
 * Parses the environment once into a frozen, typed Config. Every problem is reported together;
 * nothing else in the code base reads process.env.
 */
export function loadConfig(source: Readonly<Record<string, string | undefined>>): Config {
  const parsed = envSchema.safeParse(source);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => issue.message)),
    ...findCrossFieldProblems(source),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env: Env = parsed.data;

  const production = env.NODE_ENV === 'production';
  const development = env.NODE_ENV === 'development';
  const config: Config = {
    nodeEnv: env.NODE_ENV,
    http: {
      port: env.PORT,
      // Production runs behind a load balancer; a developer's instance stays on loopback.
      host: env.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
      bodyLimitBytes: 100 * 1024,
    },
    mongodbUri: env.MONGODB_URI ?? null,
    ferretdbBinary: env.FERRETDB_BIN ?? null,
    jwt: Object.freeze({
      secret: createSecretKey(
        env.JWT_SECRET === undefined ? randomBytes(48) : Buffer.from(env.JWT_SECRET, 'utf8'),
      ),
      secretIsEphemeral: env.JWT_SECRET === undefined,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL,
    }),
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
      introspection: env.GRAPHQL_INTROSPECTION ?? !production,
      landingPage: development,
      stackTraces: development,
    }),
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
  };
  return Object.freeze({ ...config, http: Object.freeze(config.http) });
}
