import { createApp } from './http/app';
import { ConfigError, loadConfig, type Config } from './config';
import { connectDatabase, DEFAULT_DATABASE } from './db/connection';
import { startEmbeddedDatabase } from './db/embedded';
import { ensureFerretdbBinary } from './db/ferretdb-binary';
import { createLogger } from './logger';
import { findMissingIndexes, migrate } from './migrate';
import { ensureInitialAdmin } from './users/bootstrap';

/** The only module with process I/O: environment, terminal, signals and exit codes. */

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

class StartupAborted extends Error {}
class MigrationDone extends Error {}

/** `node dist/index.js migrate` (npm run db:migrate): make the indexes match, then exit. */
const command = process.argv[2] === 'migrate' ? 'migrate' : 'serve';

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const abort = new AbortController();
  // Released in reverse order on shutdown: the HTTP server, then the database, then FerretDB.
  const releases: (() => Promise<void>)[] = [];

  /** Creates a resource unless shutdown began, and registers how to release it. */
  async function acquire<T>(create: () => Promise<T>, release: (resource: T) => Promise<void>) {
    const resource = await create();
    if (abort.signal.aborted) {
      await release(resource);
      throw new StartupAborted();
    }
    releases.push(() => release(resource));
    return resource;
  }

  const startup = (async () => {
    if (config.jwt.secretIsEphemeral) {
      logger.warn(
        'JWT_SECRET is not set: using a random secret; tokens will not survive a restart',
      );
    }
    let uri = config.mongodbUri;
    if (uri === null) {
      const binary = await ensureFerretdbBinary(
        config.ferretdbBinary,
        (line) => process.stderr.write(`${line}\n`),
        abort.signal,
      );
      const embedded = await acquire(
        () => startEmbeddedDatabase(binary),
        (database) => database.dispose(),
      );
      uri = `${embedded.uri}/${DEFAULT_DATABASE}`;
      logger.info(
        { uri },
        'MONGODB_URI is not set: started the embedded FerretDB (data is temporary)',
      );
    }
    const databaseUri = uri;
    const connection = await acquire(
      () => connectDatabase(databaseUri),
      (opened) => opened.close(),
    );
    if (command === 'migrate') {
      const report = await migrate(connection, config);
      process.stdout.write(
        `Indexes created: ${report.created.join(', ') || 'none'}\nIndexes dropped: ${report.dropped.join(', ') || 'none'}\n`,
      );
      throw new MigrationDone();
    }
    if (config.nodeEnv === 'production' && config.mongodbUri !== null) {
      // Building or dropping indexes is the operator's step (npm run db:migrate), never a side
      // effect of starting an instance.
      const missing = await findMissingIndexes(connection, config);
      if (missing.length > 0) {
        throw new Error(
          `the database lacks indexes the API needs: ${missing.join(', ')}; run \`npm run db:migrate\` against it first`,
        );
      }
    } else {
      await migrate(connection, config);
    }
    const app = await acquire(
      () =>
        createApp(config, {
          connection,
          logger,
          terminal: (text) => process.stdout.write(text),
        }),
      (created) => created.stop(),
    );
    const admin = await ensureInitialAdmin(app.services.users, config);
    if (admin?.generatedPassword) {
      // Shown once, on the terminal only, never through the logger.
      process.stdout.write(
        `\nCreated development administrator "${admin.username}" with password: ${admin.generatedPassword}\n\n`,
      );
    } else if (admin) {
      logger.info({ username: admin.username }, 'created the initial administrator');
    }
    if (abort.signal.aborted) throw new StartupAborted();
    const url = await app.listen();
    logger.info({ url: `${url}/graphql` }, 'GraphQL API ready');
  })();

  // Signals are handled from the first moment, so even a start-up cut short stops FerretDB.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    abort.abort();
    void (async () => {
      try {
        await startup.catch(() => undefined);
        for (const release of releases.reverse()) await release();
        logger.info('stopped');
        process.exit(0);
      } catch (error) {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      }
    })();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  try {
    await startup;
  } catch (error) {
    if (error instanceof StartupAborted || abort.signal.aborted) return;
    if (error instanceof MigrationDone) {
      for (const release of releases.reverse()) await release();
      process.exit(0);
    }
    for (const release of releases.reverse()) await release().catch(() => undefined);
    throw error;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
