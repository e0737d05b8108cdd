import { mkdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createApp, requestListener } from './app.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { startFtpReceiver } from './recorder/ftp-receiver.js';
import { startSftpReceiver } from './recorder/sftp-receiver.js';
import type { Receiver } from './recorder/pending.js';
import { startWatchFolder } from './recorder/watch-folder.js';
import { createMetrics } from './http/metrics.js';
import { createPhoneLockServices, type PhoneLockServices } from './phone-lock/create.js';
import { openRuntime, type Runtime } from './runtime.js';
import { createBudgetEngine, type BudgetEngine, type BudgetLocker } from './budget/engine.js';
import { createMailer, type SmtpSettings } from './mail/mailer.js';
import { createScheduler } from './reports/scheduler.js';

/** Budget Control's way to Phone Lock: the `budget` reason of a line (Phone Lock pushes the change to the phones). */
export function budgetLockerOf(lock: PhoneLockServices): BudgetLocker {
  return {
    async setBudgetLock(line, on) {
      await lock.phoneLock.setLock({ line, reason: 'budget', locked: on, who: 'budget control', channel: 'budget' });
    },
    pushNotice(line, title, text) {
      lock.phoneLock.pushNotice(line, title, text);
    },
  };
}

/** The SMTP settings of the config, or null when no SMTP host is set. */
export function smtpSettings(config: Config): SmtpSettings | null {
  if (!config.smtpHost) return null;
  return { host: config.smtpHost, port: config.smtpPort, secure: config.smtpSecure, user: config.smtpUser, password: config.smtpPassword, from: config.mailFrom };
}

import { ensureAdmin } from './auth/bootstrap-admin.js';
import { loadJwtSecret } from './auth/tokens.js';
import { scheduleDirectorySync, syncDirectory } from './portal/ad-sync.js';
import { createPortalDeps } from './portal/portal-deps.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built front end (`npm run build:web`). */
const WEB_DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');
/** The built gadgets (`npm run build:gadgets`). */
const GADGETS_DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'gadgets', 'dist');

export interface RunningServer {
  runtime: Runtime;
  lock: PhoneLockServices;
  httpPort: number;
  /** The HTTPS port when a certificate is configured. */
  httpsPort: number | undefined;
  ftpPort: number | undefined;
  sftpPort: number | undefined;
  stop(): Promise<void>;
}

interface Closable {
  close(): Promise<void>;
}

/**
 * Starts everything `tollgate serve` runs: HTTP, the FTP and SFTP receivers (port 0 = off), the
 * drop-folder watcher and the miner. `stop()` closes the receivers first, lets the miner commit
 * the batch in flight, then closes HTTP and the database.
 */
export async function startServer(config: Config, options: { log?: Logger; budgetLocker?: BudgetLocker } = {}): Promise<RunningServer> {
  // Budget Control hears of every committed batch at once (the engine exists once the database does).
  let budgets: BudgetEngine | undefined;
  const runtime = await openRuntime(config, {
    ...(options.log ? { log: options.log } : {}),
    onBatch: (batch) => void budgets?.onCallsStored(batch.users),
  });
  const { log, spool, miner } = runtime;
  const lock = createPhoneLockServices(config, runtime.db, log, { push: true });
  budgets = createBudgetEngine({
    db: runtime.db, log: log.child({ component: 'budget' }), adminEmails: config.adminEmails,
    locker: options.budgetLocker ?? budgetLockerOf(lock),
  });
  const mailer = createMailer({ db: runtime.db, log: log.child({ component: 'mail' }), smtp: smtpSettings(config) });
  const scheduler = createScheduler({ db: runtime.db, log: log.child({ component: 'scheduler' }) });
  const recovered = await spool.recover();
  if (recovered > 0) log.warn({ recovered }, 'recorded spooled files left by an interrupted receive');

  const receivers: Closable[] = [];
  const network: Array<{ name: string; r: Receiver }> = [];
  let ftpPort: number | undefined;
  let sftpPort: number | undefined;
  try {
    if (config.ftpPort !== 0) {
      const ftp = await startFtpReceiver({
        host: config.ftpHost, port: config.ftpPort, pasvUrl: config.ftpPasvUrl, pasvMin: config.ftpPasvMin, pasvMax: config.ftpPasvMax,
        users: config.receiverUsers, spool, log: log.child({ component: 'ftp' }),
      });
      receivers.push(ftp);
      network.push({ name: 'ftp', r: ftp });
      ftpPort = ftp.port;
    }
    if (config.sftpPort !== 0) {
      await mkdir(config.dataDir, { recursive: true });
      const sftp = await startSftpReceiver({
        host: config.sftpHost, port: config.sftpPort, hostKeyPath: path.join(config.dataDir, 'ssh_host_ed25519_key'),
        users: config.receiverUsers, spool, log: log.child({ component: 'sftp' }),
      });
      receivers.push(sftp);
      network.push({ name: 'sftp', r: sftp });
      sftpPort = sftp.port;
    }
    if (config.watchDir) {
      receivers.push(startWatchFolder({ dir: config.watchDir, intervalMs: config.watchIntervalMs, spool, log: log.child({ component: 'watch' }) }));
    }
  } catch (err) {
    for (const r of receivers) await r.close().catch(() => undefined);
    await runtime.close();
    throw err;
  }
  if (config.receiverUsers.length === 0 && (ftpPort !== undefined || sftpPort !== undefined)) {
    log.warn('no receiver logins configured (TOLLGATE_RECEIVER_USERS): FTP and SFTP refuse every login');
  }

  try {
    await lock.phoneLock.start();
  } catch (err) {
    for (const r of receivers) await r.close().catch(() => undefined);
    await runtime.close();
    throw err;
  }
  // Catch up first: periods that ended while tollgate was down are closed before new calls count.
  await budgets.start(config.budgetReconcileMs);
  mailer.start();
  scheduler.start();
  miner.start();
  const admin = await ensureAdmin({ db: runtime.db, password: config.adminPassword, now: Math.floor(Date.now() / 1000) });
  if (admin?.password) {
    // Shown once, on the console only (never in the JSON log): it must be changed at first login.
    process.stderr.write(`\n  tollgate portal: first start. Log in as "${admin.username}" with password ${admin.password}\n  (it must be changed at first login; it is not shown again)\n\n`);
    log.warn({ username: admin.username }, 'first start: administrator created; its one-time password was printed on the console');
  } else if (admin) {
    log.warn({ username: admin.username }, 'administrator created with TOLLGATE_ADMIN_PASSWORD; it must be changed at first login');
  }
  const secret = await loadJwtSecret({ configured: config.jwtSecret, dataDir: config.dataDir });
  let portal = createPortalDeps({
    config, secret, ...(existsSync(path.join(WEB_DIST, 'index.html')) ? { webDir: WEB_DIST } : {}),
    ...(existsSync(path.join(GADGETS_DIST, 'calls', 'index.html')) ? { gadgetsDir: GADGETS_DIST } : {}),
  });
  if (!portal.webDir) log.warn('portal front end not built (npm run build:web): only the API is served');
  if (!portal.gadgetsDir) log.warn('gadgets not built (npm run build:gadgets): /gadgets/ is not served');
  let adSync: { stop(): void } | undefined;
  if (portal.ldap) {
    const ldap = portal.ldap;
    // Synced users reach Phone Lock's CURRI decisions at once, not at the next timed refresh.
    const run = async () => {
      const report = await syncDirectory({ db: runtime.db, ldap, attributes: config.ldapAttributes, now: Math.floor(Date.now() / 1000) });
      await lock.phoneLock.refreshDirectory().catch((err: Error) => log.warn({ err: err.message }, 'Phone Lock directory not reread after the directory sync'));
      return report;
    };
    portal = { ...portal, syncDirectory: run };
    if (config.ldapSyncCron) adSync = scheduleDirectorySync({ cron: config.ldapSyncCron, run, log: log.child({ component: 'ad-sync' }) });
  }
  const app = createApp({
    db: runtime.db,
    log,
    adminToken: config.adminToken,
    budgets,
    defaultTimezone: config.defaultTimezone,
    lock: { ...lock, settings: config },
    metrics: createMetrics({ processMetrics: true }),
    portal,
    readiness: [
      { name: 'miner', check: () => (miner.running ? undefined : 'miner not running') },
      { name: 'scheduler', check: () => (stopping ? 'shutting down' : undefined) },
      {
        name: 'receivers',
        check: () => {
          if (stopping) return 'shutting down';
          const down = network.filter((n) => !n.r.listening()).map((n) => n.name);
          return down.length > 0 ? `not listening: ${down.join(', ')}` : undefined;
        },
      },
    ],
  });
  // CUCM keeps its CURRI connections open and sends HEAD keep-alives: idle and header timeouts
  // above a minute keep those connections from churning.
  const listener = requestListener(app);
  const servers: http.Server[] = [http.createServer(listener)];
  if (config.httpsCert && config.httpsKey) {
    servers.push(https.createServer({
      cert: readFileSync(config.httpsCert), key: readFileSync(config.httpsKey),
      ...(config.httpsCa ? { ca: readFileSync(config.httpsCa), requestCert: true, rejectUnauthorized: true } : {}),
    }, listener));
  }
  const ports: number[] = [];
  for (const [i, server] of servers.entries()) {
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(i === 0 ? config.httpPort : config.httpsPort, config.httpHost, () => resolve());
    });
    ports.push((server.address() as AddressInfo).port);
  }
  const [httpPort, httpsPort] = ports as [number, number | undefined];
  log.info({ httpPort, httpsPort, ftpPort, sftpPort, db: config.dbKind, dataDir: path.resolve(config.dataDir) }, 'tollgate started');

  let stopping = false;
  return {
    runtime, lock, httpPort, httpsPort, ftpPort, sftpPort,
    async stop() {
      if (stopping) return;
      stopping = true;
      log.info('stopping: receivers first, then the miner after its batch in flight');
      adSync?.stop();
      for (const r of receivers) await r.close().catch((err) => log.warn({ err }, 'receiver close failed'));
      await miner.stop();
      await budgets?.stop();
      await scheduler.stop();
      await mailer.stop();
      await lock.phoneLock.stop();
      for (const server of servers) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
      await runtime.db.destroy();
      log.info('stopped');
    },
  };
}
