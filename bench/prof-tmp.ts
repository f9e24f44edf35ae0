import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config';
import { connectDatabase } from '../src/db/connection';
import { startEmbeddedDatabase } from '../src/db/embedded';
import { createLogger } from '../src/logger';
import { createServices } from '../src/services';
import { SYSTEM_ACTOR } from '../src/users/service';
import { benchConfigEnv } from './settings';

(async () => {
  const variant = process.argv[2] ?? 'project';
  const db = await startEmbeddedDatabase(
    process.env.HOME + '/.cache/graphql-auth-api/ferretdb-v1.24.2/ferretdb',
  );
  const uri = `${db.uri}/prof`;
  const secret = randomBytes(32).toString('hex');
  const config = loadConfig(benchConfigEnv(uri, secret));
  const connection = await connectDatabase(uri);
  const { services } = await createServices(config, connection, createLogger('silent'));
  const user = await services.users.create(
    { username: 'bench-user', password: 'a long enough password here', roles: ['ADMIN'] },
    SYSTEM_ACTOR,
  );
  for (let i = 0; i < 50; i++)
    await services.users.create(
      { username: `filler-${i}`, password: 'a long enough password here' },
      SYSTEM_ACTOR,
    );
  const { session } = await services.sessions.start(user._id, 0, {
    ip: null,
    userAgent: null,
    requestId: null,
  });
  const token = services.tokens.issueAccessToken({
    userId: user._id.toHexString(),
    sessionId: session._id.toHexString(),
    tokenVersion: 0,
  }).token;
  const child = spawn(
    'taskset',
    [
      '-c',
      '0',
      process.execPath,
      '--cpu-prof',
      '--cpu-prof-dir=/tmp/prof',
      '--import',
      'tsx',
      '/work/main/bench/server.ts',
    ],
    {
      env: {
        ...process.env,
        BENCH_VARIANT: variant,
        BENCH_MONGODB_URI: uri,
        BENCH_JWT_SECRET: secret,
        BENCH_VIEWER_ID: user._id.toHexString(),
        NODE_ENV: 'production',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const port = await new Promise<number>((r) => child.once('message', (m: any) => r(m.port)));
  const q = process.argv[3] ?? '{ me { id username roles } }';
  const run = (d: number) =>
    autocannon({
      url: `http://127.0.0.1:${port}/graphql`,
      method: 'POST',
      connections: 10,
      duration: d,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: q }),
    });
  await run(2);
  const r = await run(5);
  console.log(variant, 'rps', r.requests.average, 'p99', r.latency.p99, 'non2xx', r.non2xx);
  child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 1500));
  await connection.close();
  await db.dispose();
  process.exit(0);
})();
