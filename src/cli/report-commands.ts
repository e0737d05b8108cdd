import { createWriteStream } from 'node:fs';
import { Option, type Command } from 'commander';
import { addReportHistory, deleteSavedReport, findSavedReport, listReportHistory, listSavedReports, saveReport } from '../db/queries/saved-reports.js';
import { UsageError } from '../errors.js';
import { listReports, runReport } from '../reports/engine.js';
import { parseConditionText } from '../reports/options.js';
import { FORMATS, writeReport, type ReportFormat } from '../reports/output.js';
import type { Runtime } from '../runtime.js';
import { printTable } from './print.js';

/** `tollgate reports` (the catalogue) and `tollgate report NAME …`. */

interface ReportFlags {
  period?: string; from?: string; to?: string; timezone?: string; traffic?: string; direction?: string; answered?: boolean; unanswered?: boolean;
  site?: string[]; gateway?: string[]; extension?: string[]; department?: string[]; costCenter?: string[]; user?: string[]; destinationType?: string[];
  condition?: string[]; any?: boolean; maxRows?: string; fields?: string; interval?: string; customFields?: string; weekStart?: string;
  format: ReportFormat; out?: string; save?: string; description?: string; group?: string; owner: string; saved?: boolean;
}

/** Report options from the command-line flags (validated by the report engine). */
export function optionsFromFlags(f: ReportFlags, defaultTimezone: string): Record<string, unknown> {
  if ((f.from === undefined) !== (f.to === undefined)) throw new UsageError('give both --from and --to, or a --period');
  let conditions;
  try {
    conditions = (f.condition ?? []).map(parseConditionText);
  } catch (err) {
    throw new UsageError(`--condition: ${(err as Error).message}`);
  }
  return {
    period: f.from !== undefined ? { from: f.from, to: f.to } : f.period ?? 'this-month',
    timezone: f.timezone ?? defaultTimezone,
    ...(f.weekStart !== undefined ? { weekStart: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].indexOf(f.weekStart) } : {}),
    ...(f.traffic ? { traffic: f.traffic } : {}), ...(f.direction ? { direction: f.direction } : {}),
    ...(f.answered ? { answered: true } : f.unanswered ? { answered: false } : {}),
    sites: f.site ?? [], gateways: f.gateway ?? [], extensions: f.extension ?? [], departments: f.department ?? [], costCenters: f.costCenter ?? [],
    users: f.user ?? [], destinationTypes: f.destinationType ?? [], conditions, match: f.any ? 'any' : 'all',
    ...(f.maxRows !== undefined ? { maxRows: Number(f.maxRows) } : {}),
    ...(f.fields ? { fields: f.fields.split(',').map((s) => s.trim()) } : {}),
    ...(f.interval ? { interval: f.interval } : {}),
    ...(f.customFields ? { customFields: f.customFields.split(',').map((s) => s.trim()) } : {}),
  };
}

export function registerReportCommands(program: Command, h: { withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> }): void {
  program
    .command('reports')
    .description('list the reports')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      const list = listReports();
      if (o.json) process.stdout.write(JSON.stringify(list) + '\n');
      else printTable(process.stdout, list);
    });
  program
    .command('report')
    .description('run a report (see `tollgate reports`)')
    .argument('<name>')
    .option('--period <period>', 'today, yesterday, this-week, last-week, this-month, last-month or last-N-days', 'this-month')
    .option('--from <date>', 'range start (ISO date or date-time; with --to)')
    .option('--to <date>', 'range end, exclusive')
    .option('--timezone <zone>', 'IANA zone of the period and of the times shown')
    .option('--week-start <day>', 'mon … sun')
    .option('--traffic <type>', 'external, internal or all')
    .option('--direction <direction>', 'incoming or outgoing')
    .option('--answered', 'answered calls only')
    .option('--unanswered', 'unanswered calls only')
    .option('--site <code...>').option('--gateway <name...>').option('--extension <ext...>').option('--department <name...>')
    .option('--cost-center <code...>').option('--user <username...>').option('--destination-type <type...>')
    .option('--condition <cond...>', 'FIELD OP VALUE, e.g. "duration_s>=20" or "remote_number=0612345678" (OP: = != < <= > >= ~ ^= $=)')
    .option('--any', 'a call matches when any condition holds (default: all)')
    .option('--max-rows <n>')
    .option('--fields <list>', 'columns of list reports, comma separated')
    .option('--interval <interval>', 'trend: day, week or month')
    .option('--custom-fields <a,b>', 'traffic-by-custom-fields: two of custom_1 … custom_10')
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('csv'))
    .option('--out <file>', 'write to a file (default: standard output)')
    .option('--save <name>', 'also save these options as a personal report of --owner')
    .option('--description <text>', 'description of the saved report')
    .option('--group <name>', 'group of the saved report')
    .option('--saved', 'NAME is a personal report of --owner: run it with its saved options')
    .option('--owner <username>', 'owner of personal reports and of the report history', 'cli')
    .action(async (name: string, f: ReportFlags) => {
      if ((f.format === 'xlsx' || f.format === 'pdf') && !f.out && process.stdout.isTTY) throw new UsageError(`--format ${f.format} needs --out FILE`);
      const result = await h.withRuntime(async (rt) => {
        let report = name;
        let options = optionsFromFlags(f, rt.config.defaultTimezone);
        if (f.saved) {
          const saved = await findSavedReport({ db: rt.db, owner: f.owner, name });
          if (!saved) throw new UsageError(`no saved report ${JSON.stringify(name)} of ${f.owner} (see tollgate saved list --owner ${f.owner})`);
          report = saved.report;
          options = saved.options;
        }
        const r = await runReport({ db: rt.db, report, options });
        const now = Math.floor(Date.now() / 1000);
        if (f.save) await saveReport({ db: rt.db, now, saved: { owner: f.owner, name: f.save, description: f.description ?? '', group: f.group ?? '', report, options } });
        const out = f.out ? createWriteStream(f.out) : process.stdout;
        const written = await writeReport(r, f.format, out);
        await addReportHistory({ db: rt.db, owner: f.owner, report, options, format: f.format, rows: written.rows, at: now });
        if (f.out) {
          (out as ReturnType<typeof createWriteStream>).end();
          await new Promise<void>((resolve) => out.once('close', () => resolve()));
        }
        return written;
      });
      if (f.out) process.stderr.write(`${result.rows} rows written to ${f.out}\n`);
    });
}

/** `tollgate saved list|delete` and `tollgate history`: personal reports and report history. */
export function registerSavedCommands(program: Command, h: { withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> }): void {
  const saved = program.command('saved').description("personal reports (saved with tollgate report … --save NAME; run with tollgate report NAME --saved)");
  saved.command('list').option('--owner <username>', 'owner', 'cli').option('--json', 'print JSON').description('personal reports of a user').action(async (o: { owner: string; json?: boolean }) => {
    const list = await h.withRuntime((rt) => listSavedReports({ db: rt.db, owner: o.owner }));
    if (o.json) process.stdout.write(JSON.stringify(list) + '\n');
    else printTable(process.stdout, list.map((x) => ({ group: x.group, name: x.name, report: x.report, description: x.description, options: JSON.stringify(x.options) })));
  });
  saved.command('delete').argument('<name>').option('--owner <username>', 'owner', 'cli').description('delete a personal report').action(async (name: string, o: { owner: string }) => {
    const ok = await h.withRuntime((rt) => deleteSavedReport({ db: rt.db, owner: o.owner, name }));
    if (!ok) throw new UsageError(`no saved report ${JSON.stringify(name)} of ${o.owner}`);
    process.stdout.write(`${name} deleted\n`);
  });
  program.command('history').option('--owner <username>', 'owner', 'cli').option('--limit <n>', 'at most n', '50').option('--json', 'print JSON')
    .description('reports a user ran').action(async (o: { owner: string; limit: string; json?: boolean }) => {
      const list = await h.withRuntime((rt) => listReportHistory({ db: rt.db, owner: o.owner, limit: Number(o.limit) || 50 }));
      if (o.json) process.stdout.write(JSON.stringify(list) + '\n');
      else printTable(process.stdout, list.map((x) => ({ ran_at: new Date(x.ranAt * 1000).toISOString(), report: x.report, format: x.format, rows: x.rows, options: JSON.stringify(x.options) })));
    });
}

/** `tollgate schedule add|list|enable|disable|delete|run`. */
export function registerScheduleCommands(program: Command, h: { withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> }): void {
  const schedule = program.command('schedule').description('scheduled reports and alarms (e-mailed; the server runs them)');
  schedule
    .command('add')
    .description('create or replace (by name) a scheduled report or alarm')
    .requiredOption('--name <name>')
    .option('--report <id>', 'a report of `tollgate reports`')
    .option('--alarm <type>', 'outside-hours, listed-numbers, spend-over, missed-calls, international, no-calls, unknown-destinations, undefined-extensions')
    .option('--params <json>', 'alarm parameters as JSON, e.g. {"numbers":["0039"]}', '{}')
    .option('--options <json>', 'report options as JSON, e.g. {"period":"yesterday"}', '{}')
    .requiredOption('--to <emails>', 'recipients, comma separated')
    .requiredOption('--every <interval>', 'N and a unit: "1 days", "2 hours", "15 minutes", "1 weeks", "1 months"')
    .requiredOption('--start <local>', 'first run, local date and time YYYY-MM-DDTHH:MM')
    .requiredOption('--timezone <zone>')
    .addOption(new Option('--format <format>').choices([...FORMATS]).default('csv'))
    .option('--skip-empty', 'do not send when the report is empty (alarms never send empty)')
    .option('--subject <text>', 'subject ([[REPORT]], [[FILTER]], [[PERIOD]] are replaced)')
    .option('--body <text>', 'body ([[REPORT]], [[FILTER]], [[PERIOD]] are replaced)')
    .action(async (o: { name: string; report?: string; alarm?: string; params: string; options: string; to: string; every: string; start: string; timezone: string; format: ReportFormat; skipEmpty?: boolean; subject?: string; body?: string }) => {
      if (!o.report === !o.alarm) throw new UsageError('give --report or --alarm');
      const json = (flag: string, v: string) => {
        try {
          return JSON.parse(v) as Record<string, unknown>;
        } catch (err) {
          throw new UsageError(`${flag}: not JSON: ${(err as Error).message}`);
        }
      };
      const [n, unit] = o.every.trim().split(/\s+/);
      const input = {
        name: o.name, kind: o.report ? 'report' : 'alarm', target: o.report ?? o.alarm, options: json('--options', o.options), params: json('--params', o.params),
        format: o.format, recipients: o.to.split(',').map((x) => x.trim()).filter(Boolean), everyN: Number(n), everyUnit: unit, startsAt: o.start,
        timezone: o.timezone, skipEmpty: o.skipEmpty === true, ...(o.subject ? { subject: o.subject } : {}), ...(o.body ? { body: o.body } : {}),
      };
      const { saveSchedule } = await import('../reports/scheduler.js');
      const id = await h.withRuntime((rt) => saveSchedule({ db: rt.db, input, now: Math.floor(Date.now() / 1000) }));
      process.stdout.write(`schedule ${id} saved: ${o.name}\n`);
    });
  schedule
    .command('list')
    .description('scheduled reports and alarms with last run, last result and next run')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { listSchedules } = await import('../reports/scheduler.js');
      const list = await h.withRuntime((rt) => listSchedules({ db: rt.db }));
      const iso = (t: number | null) => (t === null ? '' : new Date(t * 1000).toISOString());
      if (o.json) process.stdout.write(JSON.stringify(list) + '\n');
      else printTable(process.stdout, list.map((s) => ({
        name: s.name, kind: s.kind, what: s.target, every: `${s.everyN} ${s.everyUnit}`, to: s.recipients.join(','), enabled: s.enabled,
        last_run: iso(s.lastRunAt), last_status: s.lastStatus ?? '', last_result: s.lastResult ?? '', next_run: iso(s.nextRunAt),
      })));
    });
  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    schedule.command(name).argument('<name>').description(`${name} a schedule`).action(async (n: string) => {
      const { setScheduleEnabled } = await import('../reports/scheduler.js');
      await h.withRuntime((rt) => setScheduleEnabled({ db: rt.db, name: n, enabled, now: Math.floor(Date.now() / 1000) }));
      process.stdout.write(`${n} ${name}d\n`);
    });
  }
  schedule.command('delete').argument('<name>').description('delete a schedule').action(async (n: string) => {
    const { deleteSchedule } = await import('../reports/scheduler.js');
    await h.withRuntime((rt) => deleteSchedule({ db: rt.db, name: n }));
    process.stdout.write(`${n} deleted\n`);
  });
  schedule.command('run').description('run the schedules that are due now (the server does this every 30 s)').action(async () => {
    const { createScheduler } = await import('../reports/scheduler.js');
    const n = await h.withRuntime((rt) => createScheduler({ db: rt.db, log: rt.log }).tick());
    process.stdout.write(`${n} runs\n`);
  });
}
