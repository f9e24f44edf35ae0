import { randomBytes, randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type ExecutionResult } from 'graphql';
import type { Connection } from 'mongoose';
import { createApp, type App } from '../../src/http/app';
import { loadConfig, type Config } from '../../src/config';
import { connectDatabase } from '../../src/db/connection';
import { createLogger } from '../../src/logger';
import { migrate } from '../../src/migrate';

/** The cheapest argon2 parameters the configuration accepts: tests need speed, not strength. */
export const FAST_ARGON2_ENV = {
  ARGON2_MEMORY_KIB: '19456',
  ARGON2_TIME_COST: '2',
  ARGON2_PARALLELISM: '1',
} as const;

export interface TestApi {
  readonly url: string;
  readonly config: Config;
  readonly app: App;
  readonly connection: Connection;
  /** Every log line written so far, parsed. */
  logs(): Record<string, unknown>[];
  /** The raw log output, for asserting that no secret was ever written. */
  rawLogs(): string;
  /** What the app printed on its terminal (development mail without SMTP_URL). */
  terminal(): string;
  close(): Promise<void>;
}

/** Puts `database` into a MongoDB URI, replacing any database already named there. */
export function withDatabase(uri: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/?([^?]*)(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`not a MongoDB URI: ${uri}`);
  return `${match[1]}/${database}${match[3] ?? ''}`;
}

/** A database name no other test uses. */
export function freshDatabaseName(): string {
  return `test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

/** The test server's address, as jest's global set-up started (or was given) it. */
export function testServerUri(): string {
  const base = process.env.TEST_MONGODB_URI;
  if (!base) throw new Error('TEST_MONGODB_URI is not set: run the tests through jest');
  return base;
}

export function testDatabaseUri(): string {
  return withDatabase(testServerUri(), freshDatabaseName());
}

/** The environment a test instance starts from; `overrides` win. */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    JWT_SECRET: randomBytes(32).toString('hex'),
    MONGODB_URI: testDatabaseUri(),
    LOG_LEVEL: 'info',
    ...FAST_ARGON2_ENV,
    // Every test signs in from 127.0.0.1, often on purpose with wrong passwords; the throttling
    // tests set these back to the defaults they check.
    LOGIN_MAX_PER_IP_PER_MINUTE: '100000',
    MAIL_MAX_PER_IP_PER_HOUR: '100000',
    // Reuse detection is tested strictly; the grace tests set the default window back.
    REFRESH_TOKEN_REUSE_GRACE: '0s',
    LOGIN_LOCKOUT_THRESHOLD: '100',
    ...overrides,
  };
}

/**
 * Starts the real app (real config parsing, real database, real HTTP on an ephemeral port) with a
 * fresh database of its own. Logs are captured in memory instead of printed.
 */
export async function startTestApi(overrides: Record<string, string> = {}): Promise<TestApi> {
  const config = loadConfig(testEnv(overrides));
  let raw = '';
  const logger = createLogger(config.logLevel, {
    write: (line: string) => {
      raw += line;
    },
  });
  const connection = await connectDatabase(config.mongodbUri ?? '');
  // As `npm start` does outside production: the indexes match the schemas before anything runs.
  await migrate(connection, config);
  let terminal = '';
  const app = await createApp(config, {
    connection,
    logger,
    terminal: (text) => {
      terminal += text;
    },
  });
  const url = await app.listen();
  return {
    url,
    config,
    app,
    connection,
    logs: () =>
      raw
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    rawLogs: () => raw,
    terminal: () => terminal,
    async close() {
      await app.stop();
      await connection.dropDatabase();
      await connection.close();
    },
  };
}

/** Runs `work` against an instance of its own, closed (and its database dropped) afterwards. */
export async function withTestApi<T>(
  overrides: Record<string, string>,
  work: (api: TestApi) => Promise<T>,
): Promise<T> {
  const api = await startTestApi(overrides);
  try {
    return await work(api);
  } finally {
    await api.close();
  }
}

export interface GraphQLResponse<TData> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: ExecutionResult<TData> & {
    errors?: { message: string; path?: unknown; extensions?: Record<string, unknown> }[];
  };
}

export interface RequestOptions {
  readonly token?: string;
  readonly headers?: Record<string, string>;
}

/** Sends one operation over real HTTP, the way any GraphQL client would. */
export async function execute<TData, TVariables>(
  api: Pick<TestApi, 'url'>,
  document: TypedDocumentNode<TData, TVariables> | string,
  variables?: TVariables,
  options: RequestOptions = {},
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({
      query: typeof document === 'string' ? document : print(document),
      ...(variables === undefined ? {} : { variables }),
    }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLResponse<TData>['body'],
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly body: Record<string, unknown> & {
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

/** Sends a raw POST body (JSON unless `headers` say otherwise), for what typed clients cannot send. */
export async function post(
  api: Pick<TestApi, 'url'>,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  let parsed: RawResponse['body'] | undefined;
  try {
    parsed = JSON.parse(text) as RawResponse['body'];
  } catch {
    parsed = undefined;
  }
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: parsed as RawResponse['body'],
  };
}

/** The codes of a response's errors, in order. */
export function errorCodes(response: {
  body?: { errors?: readonly { extensions?: Record<string, unknown> }[] };
}): unknown[] {
  return (response.body?.errors ?? []).map((error) => error.extensions?.code);
}

/** Waits until `check` gives a value: for what the API does after it has answered. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
