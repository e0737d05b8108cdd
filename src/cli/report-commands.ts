import { createWriteStream } from 'node:fs';
import { Option, type Command } from 'commander';
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
  format: ReportFormat; out?: string;
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
    .action(async (name: string, f: ReportFlags) => {
      if ((f.format === 'xlsx' || f.format === 'pdf') && !f.out && process.stdout.isTTY) throw new UsageError(`--format ${f.format} needs --out FILE`);
      const result = await h.withRuntime(async (rt) => {
        const r = await runReport({ db: rt.db, report: name, options: optionsFromFlags(f, rt.config.defaultTimezone) });
        const out = f.out ? createWriteStream(f.out) : process.stdout;
        const written = await writeReport(r, f.format, out);
        if (f.out) {
          (out as ReturnType<typeof createWriteStream>).end();
          await new Promise<void>((resolve) => out.once('close', () => resolve()));
        }
        return written;
      });
      if (f.out) process.stderr.write(`${result.rows} rows written to ${f.out}\n`);
    });
}
