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
