import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { importFiles } from '../src/cli/import-files.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { openRuntime } from '../src/runtime.js';
import { BENCH_SITE, benchPlan, createBenchSite } from './bench-site.js';

/**
 * Child process of `bench/ingest.ts`: loads the bench users and gateways into a fresh database,
 * then imports one CDR file through the same code as `tollgate import` (spool.receive, then the
 * miner until idle) and prints one JSON line: timings, counts and the process's peak RSS.
 *
 *   node --import tsx bench/ingest-child.ts --db <url> --data-dir <dir> --file <cdr file> [--rating on|off]
 */

const { values } = parseArgs({ options: { db: { type: 'string' }, 'data-dir': { type: 'string' }, file: { type: 'string' }, rating: { type: 'string' } } });
if (!values.db || !values['data-dir'] || !values.file) {
  process.stderr.write('usage: ingest-child.ts --db <url> --data-dir <dir> --file <cdr file>\n');
  process.exit(2);
}

const config = loadConfig({ TOLLGATE_DATA_DIR: values['data-dir'], TOLLGATE_DB: values.db, TOLLGATE_LOG_LEVEL: 'warn', TOLLGATE_RATING: values.rating ?? 'on' });
const log = createLogger({ level: 'warn', destination: 2 });
const t0 = performance.now();
const rt = await openRuntime(config, { log });
try {
  await rt.db.transaction((tx) => createBenchSite(tx, benchPlan()));
  const t1 = performance.now();
  const summary = await importFiles(rt, { site: BENCH_SITE, files: [values.file] });
  const t2 = performance.now();
  const counted = await rt.db('calls').count({ n: '*' }).first();
  process.stdout.write(JSON.stringify({
    setupSeconds: (t1 - t0) / 1000,
    importSeconds: (t2 - t1) / 1000,
    rows: summary.rows,
    stored: summary.stored,
    discarded: summary.discarded,
    duplicates: summary.duplicates,
    errors: summary.errors,
    callsInDb: Number(counted?.n ?? 0),
    maxRssKb: process.resourceUsage().maxRSS,
  }) + '\n');
} finally {
  await rt.close();
  log.flush();
}
