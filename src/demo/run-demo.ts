import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'basic-ftp';
import type { Config } from '../config.js';
import { findFileBySha, getFile } from '../db/queries/cdr-files.js';
import { siteStatus } from '../db/queries/site-status.js';
import { createLogger } from '../logger.js';
import { startFtpReceiver } from '../recorder/ftp-receiver.js';
import { hashFile } from '../recorder/spool.js';
import { openRuntime } from '../runtime.js';
import { cdrFileName, generateCdrFile } from './cdr-generator.js';
import { DEMO_CLUSTER, DEMO_SITE, DEMO_TIMEZONE, demoDialPlan, demoPeople, ensureDemoSite } from './demo-site.js';
import { createRng, seedFrom } from './rng.js';

/**
 * `tollgate demo`: sets up a demo site with users and gateways, then pushes generated CUCM CDR
 * files through the real path — the embedded FTP receiver, the spool and the miner — exactly as
 * a CUCM billing-server push would. Files are seeded by their hour, so a second run uploads the
 * same bytes and the spool keeps them once.
 */

/** Calls per hour on a weekday, by local hour (0–23): a few hundred a day, office-hours shaped. */
const WEEKDAY = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.6, 4, 20, 35, 40, 38, 20, 30, 38, 36, 28, 12, 5, 2, 1.5, 1, 0.6, 0.3];
const WEEKEND_SHARE = 0.06;

const localClock = new Intl.DateTimeFormat('en-US', { timeZone: DEMO_TIMEZONE, hour: 'numeric', hourCycle: 'h23', weekday: 'short' });

/** Records in the CDR file of the hour starting at `hourStart` (epoch seconds), from its own seed. */
function rowsForHour(hourStart: number): number {
  const parts = localClock.formatToParts(new Date(hourStart * 1000));
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0) % 24;
  const weekend = /^(Sat|Sun)/.test(parts.find((p) => p.type === 'weekday')?.value ?? '');
  const mean = (WEEKDAY[hour] ?? 0) * (weekend ? WEEKEND_SHARE : 1);
  const rng = createRng(seedFrom(`${DEMO_SITE}:volume:${hourStart}`));
  return Math.floor(mean * (0.75 + 0.5 * rng.next()) + rng.next());
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/**
 * Runs the demo against the configured database and data directory (created when missing):
 * `days` days of traffic, one CDR file per hour, ending with the last full hour.
 */
export async function runDemo(config: Config, opts: { days: number }): Promise<void> {
  const days = Math.max(1, Math.min(366, Math.floor(opts.days)));
  const out = (s: string): void => void process.stdout.write(s + '\n');
  const log = createLogger({ level: process.env.TOLLGATE_LOG_LEVEL ?? 'warn', destination: 2 });
  const rt = await openRuntime(config, { log });
  const work = await mkdtemp(path.join(tmpdir(), 'tollgate-demo-'));
  let receiver: { port: number; close(): Promise<void> } | undefined;
  const client = new Client(60_000);
  try {
    const people = demoPeople();
    const plan = demoDialPlan(people);
    await rt.db.transaction((tx) => ensureDemoSite({ db: tx, plan, people, now: Math.floor(Date.now() / 1000) }));
    out(`demo site ${DEMO_SITE} (${DEMO_TIMEZONE}, cluster ${DEMO_CLUSTER}, access code ${plan.accessCode}): ${people.length} users, 2 gateways`);

    // Generate one file per hour of traffic, the last one ending at the last full hour.
    const lastHour = Math.floor(Date.now() / 3_600_000) * 3600;
    const files: Array<{ file: string; name: string; sha256: string }> = [];
    let rows = 0;
    for (let h = lastHour - days * 24 * 3600; h < lastHour; h += 3600) {
      const n = rowsForHour(h);
      if (n === 0) continue;
      const name = cdrFileName(DEMO_CLUSTER, 1, h + 3600, h / 3600);
      const file = path.join(work, name);
      await generateCdrFile(file, {
        layout: 'cucm12', header: true, quoted: true, clusterId: DEMO_CLUSTER, startEpoch: h, spanSeconds: 3600, rows: n,
        seed: seedFrom(`${DEMO_SITE}:${h}`), plan, firstCallId: (h / 3600) * 400,
      });
      files.push({ file, name, sha256: (await hashFile(file)).sha256 });
      rows += n;
    }
    const from = new Date((lastHour - days * 86400) * 1000).toISOString().slice(0, 16);
    out(`generated ${fmt(files.length)} CUCM 12.x CDR files, ${fmt(rows)} records, ${from}Z to ${new Date(lastHour * 1000).toISOString().slice(0, 16)}Z`);

    // Push them the way CUCM does: FTP to the billing server, one login per cluster or site.
    const login = { username: `demo-${randomBytes(4).toString('hex')}`, password: randomBytes(12).toString('hex'), site: DEMO_SITE };
    receiver = await startFtpReceiver({
      host: '127.0.0.1', port: 0, pasvMin: config.ftpPasvMin, pasvMax: config.ftpPasvMax, users: [login], spool: rt.spool,
      log: log.child({ component: 'ftp' }),
    });
    const known = new Set<number>();
    for (const f of files) {
      const before = await findFileBySha({ db: rt.db, sha256: f.sha256 });
      if (before) known.add(before.id);
    }
    await client.access({ host: '127.0.0.1', port: receiver.port, user: login.username, password: login.password, secure: false });
    await client.ensureDir('/cdr');
    for (const f of files) await client.uploadFrom(f.file, f.name);
    client.close();
    out(`uploaded ${fmt(files.length)} files by FTP to the embedded receiver on 127.0.0.1:${receiver.port}`);

    // Every upload is in the spool now (the FTP reply waits for it): mine them.
    const ids: number[] = [];
    for (const f of files) {
      const row = await findFileBySha({ db: rt.db, sha256: f.sha256 });
      if (!row) throw new Error(`${f.name} was uploaded but is not in the spool`);
      ids.push(row.id);
    }
    // Files mined earlier are not claimed again; one left unmined by an interrupted run is mined now.
    await rt.miner.runUntilIdle(ids);
    const totals = { rows: 0, stored: 0, discarded: 0, duplicates: 0, failed: 0 };
    for (const id of ids) {
      let f = await getFile({ db: rt.db, id });
      // A server sharing this database may be mining some of them: wait for it.
      const deadline = Date.now() + 10 * 60_000;
      while (f && (f.status === 'received' || f.status === 'processing') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        f = await getFile({ db: rt.db, id });
      }
      if (!f || known.has(id)) continue;
      if (f.status === 'failed') totals.failed++;
      totals.rows += f.rows;
      totals.stored += f.stored;
      totals.discarded += f.discarded;
      totals.duplicates += f.duplicates;
    }
    const fresh = ids.length - known.size;
    out(`files: ${fmt(fresh)} new, ${fmt(known.size)} already received by an earlier run (kept once)${totals.failed ? `, ${totals.failed} failed` : ''}`);
    out(`new records: ${fmt(totals.rows)} rows: ${fmt(totals.stored)} calls stored, ${fmt(totals.discarded)} rows discarded, ${fmt(totals.duplicates)} duplicates`);
    const st = (await siteStatus({ db: rt.db })).find((s) => s.site === DEMO_SITE);
    if (st) {
      out(`site ${DEMO_SITE} now holds ${fmt(st.stored)} calls from ${fmt(st.rows)} rows in ${fmt(st.files.done)} files`);
      for (const [reason, n] of Object.entries(st.discarded)) out(`  discarded (${reason}): ${fmt(n)}`);
    }
    const env = process.env.TOLLGATE_DATA_DIR ? `TOLLGATE_DATA_DIR=${process.env.TOLLGATE_DATA_DIR} ` : '';
    out('');
    out(`data: ${config.db.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')} (spool in ${path.resolve(config.dataDir, 'spool')})`);
    const others = ['TOLLGATE_DB', 'TOLLGATE_CONFIG'].filter((k) => process.env[k]);
    out(`to look at it${others.length ? ` (with the same ${others.join(' and ')})` : ''}:`);
    const hints: Array<[string, string]> = [
      [`npx tollgate calls --site ${DEMO_SITE}`, 'every stored call, CSV (--format json)'],
      ['npx tollgate status', 'files, rows, calls, discarded rows by reason'],
      [`npx tollgate discarded --site ${DEMO_SITE}`, 'the rows not billed, and why'],
      ['npm start', `the gateway on the same data (HTTP :${config.httpPort}, FTP :${config.ftpPort}, SFTP :${config.sftpPort})`],
    ];
    for (const [cmd, what] of hints) out(`  ${(env + cmd).padEnd(env.length + 36)}# ${what}`);
  } finally {
    client.close();
    await receiver?.close();
    await rt.close();
    await rm(work, { recursive: true, force: true });
    log.flush();
  }
}
