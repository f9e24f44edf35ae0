/** Stops the embedded database started by global-setup.ts. Jest requires a default export. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.embeddedDatabase?.dispose();
}
