import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { connectDatabase } from '../src/db/connection';
import { createLogger } from '../src/logger';
import { migrate } from '../src/migrate';
import { benchConfigEnv, type ServerStats } from './settings';
import { NODE_VARIANTS, startVariant, type NodeVariant } from './variants';

/**
 * One benchmark server in a process of its own (so its CPU time and peak RSS are its own, and it
 * can sit on its own core). Started by run.ts, which talks to it over IPC.
 */

async function main() {
  const variant = process.env.BENCH_VARIANT as NodeVariant;
  if (!NODE_VARIANTS.includes(variant)) throw new Error(`unknown variant ${variant}`);
  const secret = process.env.BENCH_JWT_SECRET ?? randomBytes(32).toString('hex');
  const config = loadConfig({
    ...benchConfigEnv(process.env.BENCH_MONGODB_URI ?? '', secret),
    // Pinned to one core, the server would allow one hash at a time; its worker may use them all.
    // The project trusts the benchmark's own documents (the `*-trusted` scenarios).
    ...(variant === 'project' && process.env.BENCH_TRUSTED_DOCUMENTS
      ? { TRUSTED_DOCUMENTS: process.env.BENCH_TRUSTED_DOCUMENTS }
      : {}),
    ...(process.env.BENCH_HASH_CONCURRENCY
      ? { ARGON2_MAX_CONCURRENCY: process.env.BENCH_HASH_CONCURRENCY }
      : {}),
  });
  const connection = await connectDatabase(config.mongodbUri ?? '');
  await migrate(connection, config);
  const port = await startVariant(variant, {
    config,
    connection,
    logger: createLogger(config.logLevel, pino.destination({ dest: '/dev/null', sync: false })),
    fixedViewerId: process.env.BENCH_VIEWER_ID ?? '',
  });
  process.on('message', (message) => {
    if (message !== 'stats') return;
    const usage = process.cpuUsage();
    const stats: ServerStats = {
      cpuMicros: usage.user + usage.system,
      maxRssKb: process.resourceUsage().maxRSS,
    };
    process.send?.(stats);
  });
  // Exiting normally lets `node --cpu-prof` write its profile.
  process.once('SIGINT', () => process.exit(0));
  process.send?.({ port });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${String(error)}\n`);
  process.exit(1);
});
