import type { InsertManyOptions } from 'mongoose';
import { OPERATION_DEADLINE_MS } from './connection';

// mongoose passes insertMany's options to the driver, maxTimeMS included, though its types do
// not declare it.
const WITH_DEADLINE = { maxTimeMS: OPERATION_DEADLINE_MS } as InsertManyOptions;

/** What insertOne needs of a mongoose model. */
interface InsertableModel {
  readonly modelName: string;
  hydrate(...args: never[]): unknown;
  insertMany(documents: never[], options: InsertManyOptions): Promise<unknown>;
}

/**
 * Inserts one document with the server-side deadline every other operation carries: mongoose's
 * `create` sends none (its save passes no maxTimeMS to the driver), `insertMany` does. Validation,
 * defaults and timestamps apply as with `create`.
 */
export async function insertOne<M extends InsertableModel>(
  model: M,
  document: Record<string, unknown>,
): Promise<ReturnType<M['hydrate']>> {
  const inserted = (await model.insertMany([document] as never[], WITH_DEADLINE)) as
    ReturnType<M['hydrate']>[] | undefined;
  const first = inserted?.[0];
  if (first === undefined) throw new Error(`insertMany returned nothing for ${model.modelName}`);
  return first;
}
