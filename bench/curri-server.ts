import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import Koa from 'koa';
import pino from 'pino';
import { encodeCurriResponse } from '../curri/index.js';
import { createApp, requestListener } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDb } from '../src/db/knex.js';
import { createPhoneLockServices } from '../src/phone-lock/create.js';

/**
 * One server of the CURRI benchmark, in its own process: `--mode curri` is tollgate's app with
 * Phone Lock over the prepared database; `--mode bare` is a Koa route that reads the body and
 * answers a constant XACML response. Prints `PORT <n>` when listening.
 */
const { values } = parseArgs({ options: { mode: { type: 'string' }, db: { type: 'string' } } });
const log = pino({ level: 'silent' });

let app: Koa;
if (values.mode === 'bare') {
  const xml = encodeCurriResponse({ decision: 'Permit' });
  app = new Koa();
  app.use(async (ctx) => {
    const chunks: Buffer[] = [];
    for await (const c of ctx.req as AsyncIterable<Buffer>) chunks.push(c);
    Buffer.concat(chunks);
    ctx.type = 'text/xml; charset=utf-8';
    ctx.body = xml;
  });
} else {
  // The lock poll and directory refresh intervals may be set (bench:curri-instructions slows them).
  const config = loadConfig({
    TOLLGATE_DB: `sqlite:${values.db}`, TOLLGATE_LOG_LEVEL: 'silent',
    TOLLGATE_LOCK_POLL_MS: process.env.TOLLGATE_LOCK_POLL_MS, TOLLGATE_LOCK_DIRECTORY_REFRESH_MS: process.env.TOLLGATE_LOCK_DIRECTORY_REFRESH_MS,
  });
  const db = openDb(config.db);
  const lock = createPhoneLockServices(config, db, log, { push: false });
  await lock.phoneLock.start();
  app = createApp({ db, log, lock: { ...lock, settings: config } });
}
const server = http.createServer(requestListener(app));
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`));
// A clean exit on SIGTERM, so that --cpu-prof writes its profile.
process.on('SIGTERM', () => process.exit(0));
// The parent asks for CPU time over IPC (CPU per request is steadier than req/s on a shared machine).
process.on('message', () => process.send?.(process.cpuUsage()));
