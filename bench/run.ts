import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import argon2 from 'argon2';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config';
import { connectDatabase } from '../src/db/connection';
import { startEmbeddedDatabase } from '../src/db/embedded';
import { ensureFerretdbBinary } from '../src/db/ferretdb-binary';
import { createLogger } from '../src/logger';
import { migrate } from '../src/migrate';
import { createServices } from '../src/services';
import { SYSTEM_CALLER } from '../src/caller';
import { printReport, type Measurement, type Report } from './report';
import { ensureVenv, startFastapi } from './fastapi';
import {
  exchangeFor,
  SCENARIOS,
  sha256Hex,
  TRUSTED_DOCUMENTS,
  type Exchange,
  type Request,
  type Scenario,
  type Tokens,
} from './scenarios';
import { benchConfigEnv, type ServerStats } from './settings';
import { startFlags } from '../test/helpers/process';
import { VARIANTS, type NodeVariant, type Variant } from './variants';

/**
 * `npm run bench`: starts the embedded database and one server per variant, runs every scenario
 * against every variant in 3 rounds (variant order rotated each round), prints medians and the
 * goals, and writes the raw results. `--quick` runs one short round: a smoke check for CI.
 */

const QUICK = process.argv.includes('--quick');
/** `--only=project,bare` runs a subset of the variants (the goals then show what they can). */
const ONLY = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const ROUNDS = QUICK ? 1 : 3;
const DURATION_S = QUICK ? 1 : 4;
const WARMUP_S = QUICK ? 0.3 : 1;
const LIST_USERS = 50;
const RESULTS_DIR = join(__dirname, 'results');

interface RunningServer {
  readonly variant: Variant;
  readonly child: ChildProcess;
  /** `http://127.0.0.1:port`; each request names its path. */
  readonly origin: string;
  stats(): Promise<ServerStats>;
}

/** Server on the first core, load generator on the last, when there are two or more. */
function pinning(): { server: string[]; pinned: boolean } {
  const cores = availableParallelism();
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
  } catch {
    return { server: [], pinned: false };
  }
  if (cores < 2) return { server: [], pinned: false };
  execFileSync('taskset', ['-a', '-cp', String(cores - 1), String(process.pid)], {
    stdio: 'ignore',
  });
  return { server: ['taskset', '-c', '0'], pinned: true };
}

/**
 * The API hashes passwords in a worker process of its own at idle priority, which in production
 * takes whatever core is free. Pinning the server for the HTTP comparisons pins that worker too
 * (it inherits the affinity), so it is given every core back: the server's own process stays on
 * its core, and sign-in capacity is the machine's, as the goal asks.
 */
function releaseHashWorkers(server: RunningServer, cores: number): void {
  const pid = server.child.pid;
  if (pid === undefined) return;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  if (children === '') throw new Error('the project server has no hash worker to release');
  for (const child of children.split(/\s+/)) {
    execFileSync('taskset', ['-a', '-cp', `0-${cores - 1}`, child], { stdio: 'ignore' });
  }
}

function startServer(
  variant: NodeVariant,
  prefix: string[],
  env: Record<string, string>,
): Promise<RunningServer> {
  // Every Node server runs with the runtime flags `npm start` gives the API, peers included.
  const command = [
    ...prefix,
    process.execPath,
    ...startFlags(),
    '--import',
    'tsx',
    join(__dirname, 'server.ts'),
  ];
  const child = spawn(command[0] ?? process.execPath, command.slice(1), {
    env: { ...process.env, ...env, BENCH_VARIANT: variant, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stats = () =>
    new Promise<ServerStats>((resolve) => {
      child.once('message', (message) => resolve(message as ServerStats));
      child.send('stats');
    });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${variant} server exited with ${code}`)));
    child.once('message', (message) => {
      const { port } = message as { port: number };
      resolve({ variant, child, origin: `http://127.0.0.1:${port}`, stats });
    });
  });
}

/** Headers and body as sent: a JSON content type only where there is a body. */
function sent(request: Request) {
  const bodies = request.bodies ?? [];
  let next = 0;
  return {
    method: request.method,
    headers: {
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...request.headers,
    },
    body: request.body,
    ...(bodies.length > 0
      ? {
          requests: [
            {
              setupRequest: (sending: autocannon.Request) => ({
                ...sending,
                body: bodies[(next += 1) % bodies.length],
              }),
            },
          ],
        }
      : {}),
  };
}

function load(
  server: RunningServer,
  connections: number,
  exchange: Pick<Exchange, 'expect'>,
  request: Request,
  durationS: number,
): Promise<autocannon.Result> {
  return autocannon({
    url: server.origin + request.path,
    connections,
    duration: durationS,
    ...sent(request),
    // Answers that are not the expected one (a shed login, say) are mismatches, not throughput.
    verifyBody: (body) => typeof body === 'string' && body.includes(exchange.expect),
  });
}

/** Throughput that counts only the expected answers. */
function summarize(
  server: RunningServer,
  scenario: string,
  round: number,
  result: autocannon.Result,
) {
  const good = result.requests.total - result.mismatches;
  return {
    variant: server.variant,
    scenario,
    round,
    requestsPerSecond: good / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts + result.mismatches,
  };
}

async function measure(
  server: RunningServer,
  scenario: Scenario,
  tokens: Tokens,
  round: number,
): Promise<Measurement> {
  const exchange = exchangeFor(scenario, server.variant);
  const request = exchange.request(tokens);
  await load(server, scenario.connections, exchange, request, WARMUP_S);
  const before = await server.stats();
  const result = await load(server, scenario.connections, exchange, request, DURATION_S);
  const after = await server.stats();
  return {
    ...summarize(server, scenario.id, round, result),
    cpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / Math.max(1, result.requests.total),
  };
}

/** One request per variant and scenario, checked, so a fast error never counts as a fast answer. */
async function validate(server: RunningServer, scenario: Scenario, tokens: Tokens): Promise<void> {
  const exchange = exchangeFor(scenario, server.variant);
  const request = exchange.request(tokens);
  const response = await fetch(server.origin + request.path, sent(request));
  const text = await response.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  const problem =
    exchange.check(response.status, body, server.variant) ??
    (text.includes(exchange.expect) ? null : `expected the body to contain ${exchange.expect}`);
  if (problem) {
    throw new Error(`${server.variant} / ${scenario.id}: ${problem}: ${JSON.stringify(body)}`);
  }
}

/**
 * `me` latency with and without a 16-connection login storm on the same server. `me` runs at two
 * connections both times, so the load generator (which shares its core with the database) is
 * not what saturates: the comparison shows what the storm does to the server's request path.
 */
async function measureStorm(server: RunningServer, tokens: Tokens, round: number) {
  const login = SCENARIOS.find((scenario) => scenario.id === 'login-c16');
  const me = SCENARIOS.find((scenario) => scenario.id === 'me');
  if (!login || !me) throw new Error('missing scenarios');
  const idle = await load(server, 2, me, me.request(tokens), DURATION_S);
  const storm = load(
    server,
    login.connections,
    login,
    login.request(tokens),
    DURATION_S + WARMUP_S + 1,
  );
  await new Promise((resolve) => setTimeout(resolve, WARMUP_S * 1000));
  const during = await load(server, 2, me, me.request(tokens), DURATION_S);
  const logins = await storm;
  return [
    { ...summarize(server, 'me-c2-idle', round, idle), cpuMicrosPerRequest: NaN },
    { ...summarize(server, 'me-c2-during-login-storm', round, during), cpuMicrosPerRequest: NaN },
    { ...summarize(server, 'login-storm-beside-me', round, logins), cpuMicrosPerRequest: NaN },
  ] satisfies Measurement[];
}

async function main() {
  // Counted before pinning narrows what this process may see.
  const cores = availableParallelism();
  const pin = pinning();
  const selected = VARIANTS.filter((v) => !ONLY || ONLY.includes(v));
  // Before anything else starts: without Python the run fails here, saying what is missing.
  const python = selected.includes('fastapi')
    ? ensureVenv((line) => process.stderr.write(line))
    : null;
  const binary = await ensureFerretdbBinary(process.env.FERRETDB_BIN || null, console.error);
  const database = await startEmbeddedDatabase(binary);
  // The database shares the load generator's core, so the server under test has its own.
  if (pin.pinned && database.pid !== undefined) {
    execFileSync(
      'taskset',
      ['-a', '-cp', String(availableParallelism() - 1), String(database.pid)],
      {
        stdio: 'ignore',
      },
    );
  }
  const servers: RunningServer[] = [];
  // The manifest codegen's client preset would write for the benchmark's documents.
  const trustedManifest = join(mkdtempSync(join(tmpdir(), 'bench-')), 'persisted-documents.json');
  writeFileSync(
    trustedManifest,
    JSON.stringify(Object.fromEntries(TRUSTED_DOCUMENTS.map((d) => [sha256Hex(d), d]))),
  );
  try {
    const uri = `${database.uri}/bench`;
    const secret = randomBytes(32).toString('hex');
    const env = benchConfigEnv(uri, secret);
    const config = loadConfig(env);
    const connection = await connectDatabase(uri);
    await migrate(connection, config);
    const logger = createLogger('silent');
    const { services } = await createServices(config, connection, logger);

    process.stderr.write(`seeding ${LIST_USERS} users...\n`);
    const password = 'a benchmark user passphrase';
    const admin = await services.users.create(
      { username: 'bench-admin-user', password, roles: ['ADMIN'] },
      SYSTEM_CALLER,
    );
    const user = await services.users.create(
      { username: 'bench-user', password, roles: ['USER'] },
      SYSTEM_CALLER,
    );
    for (let i = 0; i < LIST_USERS; i += 1) {
      await services.users.create({ username: `bench-filler-${i}`, password }, SYSTEM_CALLER);
    }
    const tokenOf = async (record: typeof admin) => {
      const { session } = await services.sessions.start(
        record,
        {
          ...SYSTEM_CALLER,
          userAgent: 'bench',
        },
        ['pwd'],
      );
      return services.tokens.issueAccessToken({
        userId: record._id.toHexString(),
        sessionId: session._id.toHexString(),
        tokenVersion: record.tokenVersion,
        authMethods: ['pwd'],
        authTime: Math.floor(session.createdAt.getTime() / 1000),
      }).token;
    };
    const tokens: Tokens = {
      admin: await tokenOf(admin),
      user: await tokenOf(user),
      username: user.username,
      signInUsernames: Array.from({ length: LIST_USERS }, (_, i) => `bench-filler-${i}`),
      password,
    };

    // Argon2 capacity: CPU time of one verify with the shipped parameters (measured here, in
    // process, where the CPU clock sees it), times the cores the server may use.
    const options = { ...config.passwords.argon2, type: argon2.argon2id } as const;
    const hash = await argon2.hash(password, options);
    const cpuBefore = process.cpuUsage();
    const samples = QUICK ? 3 : 10;
    for (let i = 0; i < samples; i += 1) await argon2.verify(hash, password);
    const cpu = process.cpuUsage(cpuBefore);
    const hashCpuMs = (cpu.user + cpu.system) / 1000 / samples;
    // The hash worker may use every core (see releaseHashWorkers).
    const serverCores = cores;

    process.stderr.write('starting servers...\n');
    for (const variant of selected) {
      if (variant === 'fastapi') {
        if (python === null) throw new Error('no virtual environment for fastapi');
        const users = [admin, user].map((record) => ({
          id: record._id.toHexString(),
          username: record.username,
          roles: record.roles,
          disabled: record.disabled,
        }));
        const fastapi = await startFastapi(python, pin.server, secret, users);
        servers.push({ ...fastapi, variant, origin: `http://127.0.0.1:${fastapi.port}` });
        continue;
      }
      const server = await startServer(variant, pin.server, {
        BENCH_MONGODB_URI: uri,
        BENCH_TRUSTED_DOCUMENTS: trustedManifest,
        BENCH_JWT_SECRET: secret,
        BENCH_VIEWER_ID: admin._id.toHexString(),
        // Pinned, the server counts one core; its hash worker gets them all (see below).
        BENCH_HASH_CONCURRENCY: String(cores),
      });
      if (pin.pinned && variant === 'project') releaseHashWorkers(server, cores);
      servers.push(server);
    }

    const measurements: Measurement[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = [
        ...servers.slice(round % servers.length),
        ...servers.slice(0, round % servers.length),
      ];
      for (const server of order) {
        for (const scenario of SCENARIOS.filter((s) => s.variants.includes(server.variant))) {
          if (round === 0) await validate(server, scenario, tokens);
          process.stderr.write(`round ${round + 1}/${ROUNDS} ${server.variant} ${scenario.id}\n`);
          measurements.push(await measure(server, scenario, tokens, round));
        }
        if (server.variant === 'project') {
          measurements.push(...(await measureStorm(server, tokens, round)));
        }
      }
    }
    const peakRssKb: Partial<Record<Variant, number>> = {};
    for (const server of servers) peakRssKb[server.variant] = (await server.stats()).maxRssKb;

    const report: Report = {
      when: new Date().toISOString(),
      quick: QUICK,
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        pinned: pin.pinned,
      },
      rounds: ROUNDS,
      durationSeconds: DURATION_S,
      argon2: { ...config.passwords.argon2, hashCpuMs, serverCores },
      measurements,
      peakRssKb,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    printReport(report);
    await connection.close();
  } finally {
    for (const server of servers) server.child.kill('SIGKILL');
    await database.dispose();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
