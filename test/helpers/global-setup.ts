import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded';
import { ensureFerretdbBinary } from '../../src/db/ferretdb-binary';

declare global {
  var embeddedDatabase: EmbeddedDatabase | undefined;
}

/**
 * Starts one embedded FerretDB for the whole run (each test file then uses a database of its
 * own), unless MONGODB_URI points the suite at a real MongoDB. Jest requires a default export.
 */
export default async function globalSetup(): Promise<void> {
  // Always needed: some tests start the API without MONGODB_URI, or stop a database of their own.
  const binary = await ensureFerretdbBinary(process.env.FERRETDB_BIN || null, (line) =>
    process.stderr.write(`${line}\n`),
  );
  process.env.TEST_FERRETDB_BIN = binary;
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  globalThis.embeddedDatabase = await startEmbeddedDatabase(binary);
  process.env.TEST_MONGODB_URI = globalThis.embeddedDatabase.uri;
}
