/** What the orchestrator and its servers share. */

export interface ServerStats {
  readonly cpuMicros: number;
  readonly maxRssKb: number;
}

export function benchConfigEnv(databaseUri: string, secret: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    MONGODB_URI: databaseUri,
    JWT_SECRET: secret,
    ADMIN_USERNAME: 'bench-admin',
    ADMIN_PASSWORD: 'a benchmark admin passphrase',
    // As shipped: a log line per request (written to /dev/null by the benchmark servers).
    LOG_LEVEL: 'info',
    // Every load comes from one address, signing in as one user.
    LOGIN_MAX_PER_IP_PER_MINUTE: '100000',
    LOGIN_LOCKOUT_THRESHOLD: '100',
    GRAPHQL_TIMEOUT: '60s',
    // Tokens are made once, before a run that can take several minutes.
    ACCESS_TOKEN_TTL: '1h',
  };
}
