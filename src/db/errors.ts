import { mongo } from 'mongoose';

/** True for a unique-index violation (E11000), on MongoDB and FerretDB alike. */
export function isDuplicateKeyError(
  error: unknown,
): error is InstanceType<typeof mongo.MongoServerError> {
  return error instanceof mongo.MongoServerError && error.code === 11000;
}
