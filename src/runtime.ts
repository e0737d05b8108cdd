import type { Logger } from 'pino';
import { createMiner, type Miner, type MinerOptions } from './billing/miner.js';
import type { Config } from './config.js';
import { migrateLatest, openDb, type Db } from './db/knex.js';
import { createLogger } from './logger.js';
import { createSpool, type Spool } from './recorder/spool.js';

/** What the server and the CLI share: config, logger, migrated database, spool and miner. */
export interface Runtime {
  config: Config;
  log: Logger;
  db: Db;
  spool: Spool;
  miner: Miner;
  close(): Promise<void>;
}

export async function openRuntime(
  config: Config,
  options: { log?: Logger; onBatch?: MinerOptions['onBatch']; onFile?: MinerOptions['onFile'] } = {},
): Promise<Runtime> {
  const log = options.log ?? createLogger({ level: config.logLevel });
  const db = openDb(config.db);
  try {
    const applied = await migrateLatest(db);
    if (applied.length > 0) log.info({ migrations: applied }, 'database migrated');
  } catch (err) {
    await db.destroy();
    throw err;
  }
  let miner: Miner | undefined;
  const spool = createSpool({
    dataDir: config.dataDir, db, log: log.child({ component: 'spool' }), maxFileBytes: config.maxFileBytes,
    onAccepted: () => miner?.kick(),
  });
  miner = createMiner({
    db, log, spool, batchSize: config.batchSize, pollMs: config.minerPollMs, rating: config.rating,
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    ...(options.onFile ? { onFile: options.onFile } : {}),
  });
  return {
    config, log, db, spool, miner,
    async close() {
      await miner!.stop();
      await db.destroy();
    },
  };
}
