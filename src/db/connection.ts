import mongoose, { type Connection } from 'mongoose';

// Global by design: every connection of the process refuses operator injection and unknown
// query fields, whatever model is used.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

export const DEFAULT_DATABASE = 'graphql-auth';

/**
 * Opens a dedicated connection (never mongoose's global one, so several app instances can share a
 * process). Commands fail fast while the server is unreachable instead of queueing without bound.
 */
export async function connectDatabase(uri: string): Promise<Connection> {
  // A URI without a database path would otherwise land in "test".
  const hasDatabase = /^mongodb(?:\+srv)?:\/\/[^/]+\/[^?]+/.test(uri);
  const connection = mongoose.createConnection(uri, {
    ...(hasDatabase ? {} : { dbName: DEFAULT_DATABASE }),
    autoIndex: false,
    autoCreate: false,
    bufferCommands: false,
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    heartbeatFrequencyMS: 2_000,
    maxPoolSize: 50,
  });
  await connection.asPromise();
  return connection;
}

/** True while the database answers a ping within `timeoutMs`. */
export async function isDatabaseReady(connection: Connection, timeoutMs = 1_000): Promise<boolean> {
  if (connection.readyState !== mongoose.ConnectionStates.connected || !connection.db) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, false);
  });
  try {
    return await Promise.race([
      connection.db
        .admin()
        .ping()
        .then(() => true),
      timeout,
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
