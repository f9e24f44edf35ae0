import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { createConnection } from 'node:net';
import { FAST_ARGON2_ENV, testDatabaseUri } from '../helpers/api';
import { connectDatabase } from '../../src/db/connection';
import { runMigrate, spawnApi } from '../helpers/process';
import { login as signIn } from '../helpers/users';

/** Signs in at the GraphQL URL a spawned process reported. */
const login = async (graphqlUrl: string, username: string, password: string) =>
  (await signIn({ url: graphqlUrl.replace(/\/graphql$/, '') }, username, password)).body;

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const baseEnv = { PORT: '0', LOG_LEVEL: 'info', ...FAST_ARGON2_ENV };

describe('the API process', () => {
  test('when MONGODB_URI is unset in development, then it runs on the embedded database with a printed admin and stops cleanly', async () => {
    const api = spawnApi({
      ...baseEnv,
      NODE_ENV: 'development',
      FERRETDB_BIN: process.env.TEST_FERRETDB_BIN ?? '',
    });
    const url = await api.ready();
    const databasePort = Number(/"uri":"mongodb:\/\/127\.0\.0\.1:(\d+)\//.exec(api.stdout())?.[1]);
    const password = /administrator "admin" with password: (\S+)/.exec(api.stdout())?.[1] ?? '';
    expect(api.stdout()).toContain('JWT_SECRET is not set: using a random secret');
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(api.stdout().split(password)).toHaveLength(2);

    expect((await login(url, 'admin', password)).data?.login.user.roles).toEqual(['ADMIN']);
    expect(await isListening(databasePort)).toBe(true);

    api.child.kill('SIGTERM');
    expect(await api.exited()).toBe(0);
    expect(await isListening(databasePort)).toBe(false);
  });

  test('when SIGTERM arrives during start-up, then the embedded database is stopped too', async () => {
    const api = spawnApi({
      ...baseEnv,
      NODE_ENV: 'development',
      FERRETDB_BIN: process.env.TEST_FERRETDB_BIN ?? '',
    });
    const started = /"uri":"mongodb:\/\/127\.0\.0\.1:(\d+)\/[^"]*","msg":"MONGODB_URI is not set/;
    const port = await new Promise<number>((resolve) => {
      const timer = setInterval(() => {
        const match = started.exec(api.stdout());
        if (match) {
          clearInterval(timer);
          resolve(Number(match[1]));
        }
      }, 5);
    });
    api.child.kill('SIGTERM');
    expect(await api.exited()).toBe(0);
    expect(api.stdout()).not.toContain('GraphQL API ready');
    expect(await isListening(port)).toBe(false);
  });

  test('when ADMIN_USERNAME and ADMIN_PASSWORD are set, then that admin is created once and never changed', async () => {
    const env = {
      ...baseEnv,
      NODE_ENV: 'test',
      MONGODB_URI: testDatabaseUri(),
      JWT_SECRET: randomBytes(32).toString('hex'),
      ADMIN_USERNAME: 'Operator',
      ADMIN_PASSWORD: 'first configured admin passphrase',
    };
    const first = spawnApi(env);
    const firstUrl = await first.ready();
    expect((await login(firstUrl, 'operator', env.ADMIN_PASSWORD)).data?.login.user.roles).toEqual([
      'ADMIN',
    ]);
    expect(first.stdout()).not.toContain(env.ADMIN_PASSWORD);
    first.child.kill('SIGINT');
    expect(await first.exited()).toBe(0);

    const second = spawnApi({ ...env, ADMIN_PASSWORD: 'a different passphrase entirely' });
    const secondUrl = await second.ready();
    expect((await login(secondUrl, 'operator', env.ADMIN_PASSWORD)).data).not.toBeNull();
    expect((await login(secondUrl, 'operator', 'a different passphrase entirely')).data).toBeNull();
    second.child.kill('SIGTERM');
    expect(await second.exited()).toBe(0);
  });

  test('when production starts on a database without its indexes, then it exits 1 naming them; after db:migrate it starts', async () => {
    const env = {
      ...baseEnv,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      MONGODB_URI: testDatabaseUri(),
      JWT_SECRET: randomBytes(32).toString('hex'),
      ADMIN_USERNAME: 'operator',
      ADMIN_PASSWORD: 'a long unusual operator passphrase',
    };
    const refused = spawnApi(env);
    expect(await refused.exited()).toBe(1);
    expect(refused.stderr()).toContain('users.{"usernameNormalized":1}');
    expect(refused.stderr()).toContain('npm run db:migrate');

    const migrated = await runMigrate(env);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/Indexes created: .*sessions\.\{"revokedAt":1\}/);

    const started = spawnApi(env);
    await started.ready();
    started.child.kill('SIGTERM');
    expect(await started.exited()).toBe(0);
  });

  test('when an index changed or is no longer declared, then db:migrate rebuilds or drops it', async () => {
    const uri = testDatabaseUri();
    const env = { ...baseEnv, NODE_ENV: 'test', MONGODB_URI: uri };
    expect((await runMigrate(env)).code).toBe(0);
    const connection = await connectDatabase(uri);
    try {
      const users = connection.db!.collection('users');
      // An index no schema declares, and a declared one whose options drifted (no longer unique).
      await users.createIndex({ fullName: 1 }, { name: 'fullName_1' });
      await users.dropIndex('usernameNormalized_1');
      await users.createIndex({ usernameNormalized: 1 }, { name: 'usernameNormalized_1' });
      const migrated = await runMigrate(env);
      expect(migrated.code).toBe(0);
      expect(migrated.stdout).toContain('users.fullName_1');
      const indexes = await users.indexes();
      expect(indexes.map((index) => index.name)).not.toContain('fullName_1');
      expect(indexes.find((index) => index.name === 'usernameNormalized_1')?.unique).toBe(true);
    } finally {
      await connection.dropDatabase();
      await connection.close();
    }
  });

  test('when production configuration is missing, then it exits 1 listing every problem', async () => {
    const api = spawnApi({ NODE_ENV: 'production', ACCESS_TOKEN_TTL: 'forever' });
    expect(await api.exited()).toBe(1);
    for (const name of ['ACCESS_TOKEN_TTL', 'JWT_SECRET', 'MONGODB_URI', 'ADMIN_USERNAME']) {
      expect(api.stderr()).toContain(name);
    }
    expect(api.stderr()).not.toMatch(/\bat .*\.js:\d+/);
  });

  test('when SIGTERM arrives during a request, then the request completes and the exit code is 0', async () => {
    const api = spawnApi({
      ...baseEnv,
      NODE_ENV: 'test',
      MONGODB_URI: testDatabaseUri(),
      JWT_SECRET: randomBytes(32).toString('hex'),
    });
    const url = await api.ready();
    const body = JSON.stringify({ query: '{ health }' });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      // Half the body now, the rest after the signal: the request is in flight when it lands.
      req.write(body.slice(0, 5));
      setTimeout(() => {
        api.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(5)), 300);
      }, 200);
    });
    const completed = await response;
    expect(completed.status).toBe(200);
    expect(completed.text).toContain('"health":true');
    expect(await api.exited()).toBe(0);
  });
});
