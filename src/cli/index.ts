import { Command, CommanderError, Option } from 'commander';
import { reprocessDiscarded, REPROCESSABLE } from '../billing/reprocess.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { migrateLatest, migrateRollbackAll, openDb } from '../db/knex.js';
import { listDiscarded, listUndefinedExtensions } from '../db/queries/discarded.js';
import { siteStatus } from '../db/queries/site-status.js';
import { ImportError, importReferenceFile } from '../admin/reference-import.js';
import { UsageError } from '../errors.js';
import { findUserByUsername } from '../db/queries/portal-users.js';
import { createLogger } from '../logger.js';
import { createPhoneLockServices, type PhoneLockServices } from '../phone-lock/create.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { writeCalls } from './export-calls.js';
import { importFiles } from './import-files.js';
import { printTable } from './print.js';
import { registerBudgetCommands } from './budget-commands.js';
import { registerGadgetCommands } from './gadget-commands.js';
import { registerRatingCommands } from './rating-commands.js';
import { registerReportCommands, registerSavedCommands, registerScheduleCommands } from './report-commands.js';

/**
 * `tollgate` command line. Every command reads the same settings as the server (TOLLGATE_* and
 * TOLLGATE_CONFIG), so `tollgate import` and `tollgate serve` share one database.
 */

// `tollgate calls | head`: a reader that goes away is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

function config(): Config {
  return loadConfig();
}

/** Logs go to stderr so that stdout carries only the command's output. */
async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const cfg = config();
  const log = createLogger({ level: process.env.TOLLGATE_LOG_LEVEL ?? 'warn', destination: 2 });
  const rt = await openRuntime(cfg, { log });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
    log.flush();
  }
}

function isoToEpoch(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(t)) throw new UsageError(`${name}: not an ISO date or date-time: ${JSON.stringify(v)}`);
  return Math.floor(t / 1000);
}

const program = new Command('tollgate')
  .description('tollgate: call accounting and phone lock for Cisco CUCM')
  .showHelpAfterError()
  .exitOverride();

program.command('serve').description('run the gateway (HTTP, FTP and SFTP receivers, drop folder, miner)').action(async () => {
  const { runServerProcess } = await import('../serve-process.js');
  await runServerProcess();
  await new Promise(() => undefined);
});

program
  .command('migrate')
  .description('apply database migrations (or roll all back with --rollback-all)')
  .option('--rollback-all', 'undo every migration (drops tollgate tables)')
  .action(async (o: { rollbackAll?: boolean }) => {
    const db = openDb(config().db);
    try {
      if (o.rollbackAll) {
        await migrateRollbackAll(db);
        process.stdout.write('all migrations rolled back\n');
      } else {
        const applied = await migrateLatest(db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      }
    } finally {
      await db.destroy();
    }
  });

program
  .command('import')
  .description('import CUCM CDR files (into the spool, then mined)')
  .requiredOption('--site <code>', 'site code (created with defaults when missing)')
  .option('--auto-acquire', 'create unknown extensions as anonymous users instead of discarding their calls')
  .option('--country <cc>', 'country of a new site (ISO 3166 alpha-2)', 'US')
  .option('--timezone <tz>', 'time zone of a new site (IANA)', 'UTC')
  .option('--json', 'print one JSON object')
  .argument('<files...>')
  .action(async (files: string[], o: { site: string; autoAcquire?: boolean; country: string; timezone: string; json?: boolean }) => {
    const s = await withRuntime((rt) => importFiles(rt, { site: o.site, files, autoAcquire: Boolean(o.autoAcquire), country: o.country, timezone: o.timezone }));
    if (o.json) process.stdout.write(JSON.stringify(s) + '\n');
    else {
      process.stdout.write(
        `site ${s.site}: ${s.files} file(s) (${s.duplicateFiles} already received, ${s.skippedFiles} CMR skipped, ${s.failedFiles} failed); ` +
          `${s.rows} rows: ${s.stored} calls stored, ${s.discarded} discarded, ${s.duplicates} duplicates\n`,
      );
      for (const e of s.errors) process.stdout.write(`  error: ${e.file}: ${e.error}\n`);
    }
    if (s.errors.length > 0) process.exitCode = 1;
  });

program
  .command('calls')
  .description('export stored calls')
  .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
  .option('--from <iso>', 'start time from (inclusive), ISO 8601')
  .option('--to <iso>', 'start time to (exclusive), ISO 8601')
  .option('--site <code>', 'only this site')
  .option('--mask', "mask numbers by each site's privacy rule (as viewers below its privacy level see them)")
  .action(async (o: { format: 'csv' | 'json'; from?: string; to?: string; site?: string; mask?: boolean }) => {
    const from = isoToEpoch('--from', o.from);
    const to = isoToEpoch('--to', o.to);
    if (from !== undefined && to !== undefined && to <= from) throw new UsageError('--to must be after --from');
    await withRuntime((rt) => writeCalls({ db: rt.db, out: process.stdout, format: o.format, from, to, siteCode: o.site, mask: o.mask === true }));
  });

program
  .command('discarded')
  .description('list discarded CDR rows with their reason, file and line')
  .option('--site <code>', 'only this site')
  .option('--reason <reason>', 'only this reason')
  .option('--limit <n>', 'at most n rows', '1000')
  .option('--extensions', 'list the extensions not defined, with call counts, instead')
  .option('--json', 'print JSON')
  .action(async (o: { site?: string; reason?: string; limit: string; extensions?: boolean; json?: boolean }) => {
    await withRuntime(async (rt) => {
      const rows = o.extensions
        ? await listUndefinedExtensions({ db: rt.db, ...(o.site ? { siteCode: o.site } : {}) })
        : await listDiscarded({ db: rt.db, limit: Number(o.limit) || 1000, ...(o.site ? { siteCode: o.site } : {}), ...(o.reason ? { reason: o.reason } : {}) });
      if (o.json) process.stdout.write(JSON.stringify(rows) + '\n');
      else printTable(process.stdout, rows as unknown as Array<Record<string, unknown>>);
    });
  });

program
  .command('reprocess')
  .description('run discarded rows again (after users, gateways or site options changed)')
  .option('--site <code>', 'only this site')
  .option('--reason <reason...>', `only these reasons (default: ${REPROCESSABLE.join(', ')})`)
  .option('--json', 'print JSON')
  .action(async (o: { site?: string; reason?: string[]; json?: boolean }) => {
    const r = await withRuntime((rt) => reprocessDiscarded({ db: rt.db, log: rt.log, ...(o.site ? { siteCode: o.site } : {}), ...(o.reason ? { reasons: o.reason } : {}) }));
    process.stdout.write(o.json ? JSON.stringify(r) + '\n' : `${r.examined} examined: ${r.stored} stored, ${r.stillDiscarded} still discarded\n`);
  });

program
  .command('status')
  .description('per site: files, rows, calls stored, discarded rows by reason, last file')
  .option('--json', 'print JSON')
  .action(async (o: { json?: boolean }) => {
    await withRuntime(async (rt) => {
      const st = await siteStatus({ db: rt.db });
      if (o.json) {
        process.stdout.write(JSON.stringify({ sites: st }) + '\n');
        return;
      }
      for (const s of st) {
        process.stdout.write(
          `${s.site}: ${s.files.received} files (${s.files.done} done, ${s.files.pending} pending, ${s.files.failed} failed, ${s.files.skipped} CMR), ` +
            `${s.rows} rows, ${s.stored} calls, last file ${s.lastFileAt ?? 'never'}\n`,
        );
        for (const [reason, n] of Object.entries(s.discarded)) process.stdout.write(`  discarded ${reason}: ${n}\n`);
        if (s.undefinedExtensions) process.stdout.write(`  extensions not defined: ${s.undefinedExtensions}\n`);
        if (s.unknownAccounts) process.stdout.write(`  calls with an unknown account code: ${s.unknownAccounts}\n`);
        if (s.unknownDestinations) process.stdout.write(`  outgoing calls to an unknown destination: ${s.unknownDestinations}\n`);
        if (!s.tariff) process.stdout.write('  no default tariff: outgoing calls are stored without a cost (tollgate sites import with a tariff column)\n');
        if (s.gatewaysConfigured === 0) {
          process.stdout.write('  no gateways configured: gateways and trunks are recognised by heuristics (see docs/cdr-rules.md)\n');
        }
      }
    });
  });

for (const kind of ['sites', 'gateways', 'users'] as const) {
  program
    .command(kind)
    .description(`manage ${kind}`)
    .command('import')
    .description(`load ${kind} from a CSV or JSON file (all or nothing)`)
    .argument('<file>')
    .action(async (file: string) => {
      const n = await withRuntime((rt) => importReferenceFile({ db: rt.db, kind, file, now: Math.floor(Date.now() / 1000) }));
      process.stdout.write(`${n} ${kind} imported\n`);
    });
}

registerRatingCommands(program, { withRuntime, isoToEpoch });
registerBudgetCommands(program, { withRuntime });
registerReportCommands(program, { withRuntime });
registerScheduleCommands(program, { withRuntime });
registerSavedCommands(program, { withRuntime });
registerGadgetCommands(program, { withRuntime });
const REASONS = ['admin', 'budget', 'user'] as const;

for (const action of ['lock', 'unlock'] as const) {
  program
    .command(action)
    .description(action === 'lock' ? 'lock a line (a running server applies it within a second)' : 'clear one lock reason of a line')
    .argument('<extension>')
    .option('--partition <p>', 'partition of the line', '')
    .addOption(new Option('--reason <reason>', 'lock reason').choices(REASONS).default('admin'))
    .option('--by <who>', 'who does it (recorded in the history)', process.env.USER ?? 'cli')
    .option('--json', 'print JSON')
    .action(async (extension: string, o: { partition: string; reason: (typeof REASONS)[number]; by: string; json?: boolean }) => {
      const line = { partition: o.partition, extension: checkExtension(extension) };
      await withPhoneLock(async ({ phoneLock }) => {
        const r = await phoneLock.setLock({ line, reason: o.reason, locked: action === 'lock', who: o.by, channel: 'cli' });
        const status = await phoneLock.status(line);
        if (o.json) process.stdout.write(JSON.stringify({ ...status, changed: r.changed }) + '\n');
        else process.stdout.write(`${describeLine(line)}: ${r.changed ? '' : 'unchanged, '}${status.locked ? `locked (${status.reasons.map((x) => x.reason).join(', ')})` : 'unlocked'}\n`);
      });
    });
}

program
  .command('lock-status')
  .description('lock reasons and history of a line')
  .argument('<extension>')
  .option('--partition <p>', 'partition of the line', '')
  .option('--history <n>', 'history entries shown', '20')
  .option('--json', 'print JSON')
  .action(async (extension: string, o: { partition: string; history: string; json?: boolean }) => {
    const line = { partition: o.partition, extension: checkExtension(extension) };
    await withPhoneLock(async ({ phoneLock }) => {
      const status = await phoneLock.status(line);
      const history = await phoneLock.history(line, Math.max(1, Number(o.history) || 20));
      if (o.json) {
        process.stdout.write(JSON.stringify({ ...status, history }) + '\n');
        return;
      }
      process.stdout.write(`${describeLine(line)}: ${status.locked ? 'locked' : 'unlocked'}\n`);
      for (const r of status.reasons) process.stdout.write(`  ${r.reason} since ${new Date(r.since * 1000).toISOString()} by ${r.who} (${r.channel})\n`);
      for (const h of history) process.stdout.write(`  ${new Date(h.at * 1000).toISOString()} ${h.locked ? 'lock' : 'unlock'} ${h.reason} by ${h.who} (${h.channel})\n`);
    });
  });

program
  .command('pin')
  .description('users\' Phone Lock PINs')
  .command('set')
  .description('set or reset a user\'s PIN (read from --pin, else from the first line of standard input)')
  .argument('<username>')
  .option('--pin <digits>', 'the PIN (visible in the process list: prefer standard input)')
  .action(async (username: string, o: { pin?: string }) => {
    const pin = o.pin ?? (await firstLineOfStdin());
    await withPhoneLock(async ({ pins, db }) => {
      if (!pins.isValid(pin)) throw new UsageError(`a PIN is ${pins.length} digits`);
      const user = await findUserByUsername({ db, username });
      if (!user) throw new UsageError(`no user ${JSON.stringify(username)}`);
      process.stdout.write(`PIN ${await pins.set(Number(user.id), pin, 'cli')} for ${user.username}\n`);
    });
  });

function checkExtension(v: string): string {
  if (!/^\+?[0-9A-Za-z*#]{1,50}$/.test(v)) throw new UsageError(`not an extension: ${JSON.stringify(v)}`);
  return v;
}

function describeLine(l: { partition: string; extension: string }): string {
  return l.partition ? `${l.extension} in ${l.partition}` : l.extension;
}

async function firstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const c of process.stdin) {
    text += String(c);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0]!.trim();
}

/** Phone Lock over the shared database, without pushes: a running server pushes what it reads. */
async function withPhoneLock<T>(fn: (s: PhoneLockServices & { db: Runtime['db'] }) => Promise<T>): Promise<T> {
  return withRuntime((rt) => fn({ ...createPhoneLockServices(rt.config, rt.db, rt.log, { push: false }), db: rt.db }));
}

program
  .command('demo')
  .description('create a demo site, users and gateways and feed generated CUCM files through the real receivers')
  .option('--days <n>', 'days of traffic to generate', '7')
  .action(async (o: { days: string }) => {
    const { runDemo } = await import('../demo/run-demo.js');
    await runDemo(config(), { days: Number(o.days) || 7 });
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof ConfigError || err instanceof ImportError || err instanceof UsageError) {
    process.stderr.write(`tollgate: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`tollgate: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
