import { mongo } from 'mongoose';

// FerretDB 1.24 (SQLite) reports a unique-index violation by an update as an InternalError
// (code 1) quoting SQLite's constraint message; inserts get MongoDB's 11000 like everywhere else.
const FERRETDB_UNIQUE_VIOLATION = /UNIQUE constraint failed/;

/** True for a unique-index violation (E11000), on MongoDB and FerretDB alike. */
export function isDuplicateKeyError(
  error: unknown,
): error is InstanceType<typeof mongo.MongoServerError> {
  return (
    error instanceof mongo.MongoServerError &&
    (error.code === 11000 || (error.code === 1 && FERRETDB_UNIQUE_VIOLATION.test(error.message)))
  );
}

/**
 * True for failures after which the same write may be sent again: the network dropped (the
 * write may or may not have landed), the majority acknowledgement did not come in time (it
 * landed on the primary), or the driver marked it retryable (a failover).
 */
export function isTransientError(error: unknown): boolean {
  return (
    error instanceof mongo.MongoNetworkError ||
    error instanceof mongo.MongoWriteConcernError ||
    (error instanceof mongo.MongoError && error.hasErrorLabel('RetryableWriteError'))
  );
}

/**
 * Runs an idempotent write, sending it once more after a transient failure (see
 * isTransientError). `retried` is true on the second try, so the caller can recognise its own
 * first write in what it finds.
 */
export async function withOneRetry<T>(write: (retried: boolean) => Promise<T>): Promise<T> {
  try {
    return await write(false);
  } catch (error) {
    if (!isTransientError(error)) throw error;
    return write(true);
  }
}
