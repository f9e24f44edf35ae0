import mongoose, { type Connection } from 'mongoose';

// Global by design: every connection of the process refuses operator injection and unknown
// query fields, whatever model is used.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', 'throw');

export const DEFAULT_DATABASE = 'graphql-auth';

/**
 * How long any one database operation may take on the server: maxTimeMS on every query (the
 * driver sends none with insert, update or delete) and wtimeout on every write's majority
 * acknowledgement.
 */
export const OPERATION_DEADLINE_MS = 3_000;
// On the client: waiting for a pooled connection, then for a reply on the socket (with a little
// slack over the server's own limit, so its refusal arrives first).
const POOL_WAIT_MS = 1_000;
const SOCKET_TIMEOUT_MS = OPERATION_DEADLINE_MS + 500;
const SERVER_SELECTION_MS = 5_000;
/**
 * The longest one operation can keep a request waiting once connected: two attempts (the driver
 * retries a read or a retryable write once after a network error), each bounded by the pool wait
 * and the socket timeout. Shorter than the 30 s lease of a lock (db/locks.ts), so no work under a
 * lock outlives it, and than GRAPHQL_TIMEOUT's default, so a stalled primary gives a prompt,
 * clean error.
 */
export const OPERATION_BOUND_MS = 2 * (POOL_WAIT_MS + SOCKET_TIMEOUT_MS);

mongoose.set('maxTimeMS', OPERATION_DEADLINE_MS);
// The global setting reaches reads only; writes get the same server-side deadline here, so a
// write that ran out of time on a stalled primary is aborted there rather than applied after the
// API answered (MongoDB honours maxTimeMS on update and delete).
mongoose.plugin((schema) => {
  schema.pre(
    ['updateOne', 'updateMany', 'deleteOne', 'deleteMany', 'findOneAndUpdate', 'findOneAndDelete'],
    function applyDeadline() {
      this.setOptions({ maxTimeMS: OPERATION_DEADLINE_MS });
    },
  );
});

/**
 * The guarantees every security decision rests on, pinned in code: reads from the primary with
 * majority read concern (a revoked token or session is never read back as live from a lagging
 * secondary or a write that may roll back), and writes acknowledged by a majority (a revocation
 * or a lock survives a failover). Retryable reads and writes ride out a failover.
 */
export const PINNED_GUARANTEES = Object.freeze({
  readPreference: 'primary',
  readConcern: Object.freeze({ level: 'majority' }),
  writeConcern: Object.freeze({ w: 'majority', journal: true, wtimeoutMS: OPERATION_DEADLINE_MS }),
  retryReads: true,
  retryWrites: true,
} as const);

/** URI options that would weaken PINNED_GUARANTEES, and what each must be. */
const PINNED_URI_OPTIONS: Readonly<Record<string, (value: string) => boolean>> = {
  readpreference: (value) => value === 'primary',
  readpreferencetags: () => false,
  maxstalenessseconds: () => false,
  readconcernlevel: (value) => value === 'majority' || value === 'linearizable',
  w: (value) => value === 'majority',
  journal: (value) => value === 'true',
  j: (value) => value === 'true' || value === '1',
  wtimeoutms: (value) => Number(value) > 0 && Number(value) <= OPERATION_DEADLINE_MS,
  wtimeout: (value) => Number(value) > 0 && Number(value) <= OPERATION_DEADLINE_MS,
  retrywrites: (value) => value === 'true',
  retryreads: (value) => value === 'true',
  sockettimeoutms: (value) => Number(value) > 0 && Number(value) <= SOCKET_TIMEOUT_MS,
  waitqueuetimeoutms: (value) => Number(value) > 0 && Number(value) <= POOL_WAIT_MS,
  serverselectiontimeoutms: (value) => Number(value) > 0 && Number(value) <= SERVER_SELECTION_MS,
};

/**
 * Why a MongoDB connection string may not be used: the URI options it sets that would weaken
 * the pinned guarantees or deadlines, each named. Empty when it is fine; every other option
 * (pool size, TLS, replica set name, app name...) is the operator's and is honoured.
 */
export function findUriProblems(uri: string): string[] {
  const query = /\?(.*)$/.exec(uri)?.[1] ?? '';
  const problems: string[] = [];
  for (const [name, value] of new URLSearchParams(query)) {
    const allowed = PINNED_URI_OPTIONS[name.toLowerCase()];
    if (allowed && !allowed(value)) {
      problems.push(
        `MONGODB_URI sets ${name}=${value}, which would weaken what the API relies on (reads from the primary with majority read concern, majority writes, retryable operations, deadlines of ${OPERATION_DEADLINE_MS} ms); remove it`,
      );
    }
  }
  return problems;
}

/**
 * Opens a dedicated connection (never mongoose's global one, so several app instances can share a
 * process), with the pinned guarantees and deadlines. Commands fail fast while the server is
 * unreachable instead of queueing without bound.
 */
export async function connectDatabase(uri: string): Promise<Connection> {
  const problems = findUriProblems(uri);
  if (problems.length > 0) throw new Error(problems.join('; '));
  // A URI without a database path would otherwise land in "test".
  const hasDatabase = /^mongodb(?:\+srv)?:\/\/[^/]+\/[^?]+/.test(uri);
  const connection = mongoose.createConnection(uri, {
    ...(hasDatabase ? {} : { dbName: DEFAULT_DATABASE }),
    ...PINNED_GUARANTEES,
    readConcern: { ...PINNED_GUARANTEES.readConcern },
    writeConcern: { ...PINNED_GUARANTEES.writeConcern },
    autoIndex: false,
    autoCreate: false,
    bufferCommands: false,
    serverSelectionTimeoutMS: SERVER_SELECTION_MS,
    connectTimeoutMS: SERVER_SELECTION_MS,
    socketTimeoutMS: SOCKET_TIMEOUT_MS,
    waitQueueTimeoutMS: POOL_WAIT_MS,
    heartbeatFrequencyMS: 2_000,
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
