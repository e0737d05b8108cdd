import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { openDb } from '../src/db/knex.js';
import { runReport } from '../src/reports/engine.js';
import { writeReport } from '../src/reports/output.js';

/** Streams the call list of a period to /dev/null as CSV and prints rows, seconds and peak RSS (JSON). */
const { values } = parseArgs({ options: { db: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
const db = openDb(values.db!);
const t0 = performance.now();
const r = await runReport({ db, report: 'call-list', options: { period: { from: values.from!, to: values.to! }, timezone: 'UTC', maxRows: 10_000_000 } });
const out = createWriteStream('/dev/null');
const { rows } = await writeReport(r, 'csv', out);
out.end();
await db.destroy();
process.stdout.write(JSON.stringify({ rows, seconds: (performance.now() - t0) / 1000, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
