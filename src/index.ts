import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { connectDatabase, DEFAULT_DATABASE } from './db/connection';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded';
import { ensureFerretdbBinary } from './db/ferretdb-binary';
import { createLogger } from './logger';
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

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  if (config.jwt.secretIsEphemeral) {
    logger.warn('JWT_SECRET is not set: using a random secret; tokens will not survive a restart');
  }

  let embedded: EmbeddedDatabase | null = null;
  let uri = config.mongodbUri;
  if (uri === null) {
    const binary = await ensureFerretdbBinary(config.ferretdbBinary, (line) =>
      process.stderr.write(`${line}\n`),
    );
    embedded = await startEmbeddedDatabase(binary);
    uri = `${embedded.uri}/${DEFAULT_DATABASE}`;
    logger.info(
      { uri },
      'MONGODB_URI is not set: started the embedded FerretDB (data is temporary)',
    );
  }

  const connection = await connectDatabase(uri);
  const app = await createApp(config, { connection, logger });
  const admin = await ensureInitialAdmin(app.services.users, config);
  if (admin?.generatedPassword) {
    // Shown once, on the terminal only, never through the logger.
    process.stdout.write(
      `\nCreated development administrator "${admin.username}" with password: ${admin.generatedPassword}\n\n`,
    );
  } else if (admin) {
    logger.info({ username: admin.username }, 'created the initial administrator');
  }
  const url = await app.listen();
  logger.info({ url: `${url}/graphql` }, 'GraphQL API ready');

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    void (async () => {
      try {
        await app.stop();
        await connection.close();
        await embedded?.dispose();
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
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
