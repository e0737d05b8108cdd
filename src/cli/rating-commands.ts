import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { Option, type Command } from 'commander';
import { importReferenceFile } from '../admin/reference-import.js';
import { SAMPLE_TARIFF_FILES } from '../admin/sample-tariffs.js';
import { compareTariffs, comparisonRecords } from '../billing/compare-tariffs.js';
import { recalculate } from '../billing/recalculate.js';
import { listAccountCodes } from '../db/queries/account-codes.js';
import { getPrefixTable, setPrefixTable } from '../db/queries/prefix-tables.js';
import { findSiteByCode, listSites } from '../db/queries/sites.js';
import { deleteTariff, listTariffs, tariffUsage, upsertTariffs } from '../db/queries/tariffs.js';
import { UsageError } from '../errors.js';
import { PrefixTableError, parsePrefixTable } from '../rating/prefix-table.js';
import { parseTariffFile, TariffImportError, tariffsToCsv, tariffsToJson } from '../rating/tariff-io.js';
import type { Tariff } from '../rating/tariff.js';
import type { Runtime } from '../runtime.js';
import { printTable } from './print.js';

/** `tariffs`, `accounts`, `prefixes`, `recalculate` and `compare-tariffs`. */

export interface CliHelpers {
  withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T>;
  isoToEpoch(name: string, v: string | undefined): number | undefined;
}

const now = () => Math.floor(Date.now() / 1000);

/** Reads and validates tariff files; every problem of every file is listed, nothing is stored on any. */
async function readTariffFiles(files: readonly string[]): Promise<Tariff[]> {
  const tariffs: Tariff[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      tariffs.push(...parseTariffFile(await readFile(file, 'utf8'), path.basename(file)));
    } catch (err) {
      if (err instanceof TariffImportError) problems.push(err.message);
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT') problems.push(`${file}: no such file`);
      else throw err;
    }
  }
  const seen = new Set<string>();
  for (const t of tariffs) {
    if (seen.has(t.code)) problems.push(`tariff ${t.code} is defined twice in the files given`);
    seen.add(t.code);
  }
  if (problems.length > 0) throw new UsageError(`nothing imported:\n${problems.join('\n')}`);
  return tariffs;
}

function selection(h: CliHelpers, o: { from?: string; to?: string }): { from: number | undefined; to: number | undefined } {
  const from = h.isoToEpoch('--from', o.from);
  const to = h.isoToEpoch('--to', o.to);
  if (from !== undefined && to !== undefined && to <= from) throw new UsageError('--to must be after --from');
  return { from, to };
}

export function registerRatingCommands(program: Command, h: CliHelpers): void {
  const tariffs = program.command('tariffs').description('manage tariffs (carriers and their rates)');
  tariffs
    .command('import')
    .description('load tariffs from CSV or JSON files (all or nothing; a tariff with the same code is replaced)')
    .argument('[files...]')
    .option('--samples', 'load the shipped sample tariffs (US, IT, GB, DE; made-up prices)')
    .action(async (files: string[], o: { samples?: boolean }) => {
      const all = [...files, ...(o.samples ? SAMPLE_TARIFF_FILES : [])];
      if (all.length === 0) throw new UsageError('name a tariff file, or --samples');
      const list = await readTariffFiles(all);
      await h.withRuntime((rt) => rt.db.transaction((tx) => upsertTariffs({ db: tx, tariffs: list, now: now() })));
      process.stdout.write(`${list.length} tariffs imported: ${list.map((t) => t.code + (t.sample ? ' (sample)' : '')).join(', ')}\n`);
    });
  tariffs
    .command('export')
    .description('write tariffs as CSV or JSON (re-imports to the same tariffs)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--code <code...>', 'only these tariffs')
    .action(async (o: { format: 'csv' | 'json'; code?: string[] }) => {
      const list = await h.withRuntime((rt) => listTariffs({ db: rt.db, ...(o.code ? { codes: o.code } : {}) }));
      process.stdout.write(o.format === 'csv' ? tariffsToCsv(list) : tariffsToJson(list));
    });
  tariffs
    .command('list')
    .description('list tariffs')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const list = await h.withRuntime((rt) => listTariffs({ db: rt.db }));
      const rows = list.map((t) => ({ code: t.code, name: t.name, carrier: t.carrier, currency: t.currency, rates: t.rates.length, bands: t.bands ? 'yes' : 'no', sample: t.sample }));
      if (o.json) process.stdout.write(JSON.stringify(rows) + '\n');
      else printTable(process.stdout, rows);
    });
  tariffs
    .command('delete')
    .description('delete a tariff that no site or gateway uses')
    .argument('<code>')
    .action(async (code: string) => {
      await h.withRuntime(async (rt) => {
        const used = await tariffUsage({ db: rt.db, code });
        if (used.length > 0) throw new UsageError(`tariff ${code} is in use by ${used.join(', ')}`);
        if (!(await deleteTariff({ db: rt.db, code }))) throw new UsageError(`no tariff ${JSON.stringify(code)}`);
      });
      process.stdout.write(`tariff ${code} deleted\n`);
    });

  const accounts = program.command('accounts').description('manage account codes (CMC, FAC descriptions)');
  accounts
    .command('import')
    .description('load account codes from CSV or JSON (columns code, site, description, privacy_digits, cost_center, replace_with_description; all or nothing)')
    .argument('<file>')
    .action(async (file: string) => {
      const n = await h.withRuntime((rt) => importReferenceFile({ db: rt.db, kind: 'accounts', file, now: now() }));
      process.stdout.write(`${n} account codes imported\n`);
    });
  for (const [name, description] of [['export', 'write account codes as CSV (re-imports to the same codes)'], ['list', 'list account codes']] as const) {
    accounts
      .command(name)
      .description(description)
      .option('--json', 'print JSON')
      .action(async (o: { json?: boolean }) => {
        const rows = await h.withRuntime(async (rt) => {
          const sites = new Map((await listSites({ db: rt.db })).map((s) => [s.id, s.code]));
          return (await listAccountCodes({ db: rt.db })).map((a) => ({
            code: a.code, site: a.siteId === 0 ? '*' : sites.get(a.siteId) ?? `#${a.siteId}`, description: a.description,
            privacy_digits: a.privacyDigits, cost_center: a.costCenter, replace_with_description: a.replaceWithDescription,
          }));
        });
        if (o.json) process.stdout.write(JSON.stringify(rows) + '\n');
        else if (name === 'export') process.stdout.write(stringify(rows, { header: true, columns: ['code', 'site', 'description', 'privacy_digits', 'cost_center', 'replace_with_description'], cast: { boolean: (b) => String(b) } }));
        else printTable(process.stdout, rows);
      });
  }

  const prefixes = program.command('prefixes').description("manage a site's prefix table (overrides the built-in number plan)");
  prefixes
    .command('import')
    .description('set the prefix table of a site from CSV (prefix,type,nation,area[,label]) or JSON; replaces the previous table')
    .requiredOption('--site <code>', 'the site')
    .argument('<file>')
    .action(async (file: string, o: { site: string }) => {
      let table;
      try {
        table = parsePrefixTable(await readFile(file, 'utf8'));
      } catch (err) {
        if (err instanceof PrefixTableError) throw new UsageError(`${path.basename(file)}: ${err.message}`);
        throw err;
      }
      await h.withRuntime(async (rt) => {
        const site = await findSiteByCode({ db: rt.db, code: o.site });
        if (!site) throw new UsageError(`--site: no site ${JSON.stringify(o.site)}`);
        await setPrefixTable({ db: rt.db, siteId: site.id, entries: table.entries, now: now() });
      });
      process.stdout.write(`${table.size} prefixes set for site ${o.site}${table.sample ? ' (sample data)' : ''}\n`);
    });
  prefixes
    .command('export')
    .description("write a site's prefix table as JSON")
    .requiredOption('--site <code>', 'the site')
    .action(async (o: { site: string }) => {
      const entries = await h.withRuntime(async (rt) => {
        const site = await findSiteByCode({ db: rt.db, code: o.site });
        if (!site) throw new UsageError(`--site: no site ${JSON.stringify(o.site)}`);
        return (await getPrefixTable({ db: rt.db, siteId: site.id })) ?? [];
      });
      process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
    });
  prefixes
    .command('clear')
    .description("remove a site's prefix table")
    .requiredOption('--site <code>', 'the site')
    .action(async (o: { site: string }) => {
      await h.withRuntime(async (rt) => {
        const site = await findSiteByCode({ db: rt.db, code: o.site });
        if (!site) throw new UsageError(`--site: no site ${JSON.stringify(o.site)}`);
        await setPrefixTable({ db: rt.db, siteId: site.id, entries: null, now: now() });
      });
      process.stdout.write(`prefix table of site ${o.site} removed\n`);
    });

  program
    .command('recalculate')
    .description('re-classify and re-rate stored calls (after tariffs, account codes, prefix tables or users changed); resumable: run it again after a stop')
    .option('--from <iso>', 'start time from (inclusive), ISO 8601')
    .option('--to <iso>', 'start time to (exclusive), ISO 8601')
    .option('--site <code>', 'only this site')
    .option('--json', 'print JSON')
    .action(async (o: { from?: string; to?: string; site?: string; json?: boolean }) => {
      const sel = selection(h, o);
      const r = await h.withRuntime((rt) => recalculate({ db: rt.db, log: rt.log, ...sel, siteCode: o.site }));
      process.stdout.write(o.json ? JSON.stringify(r) + '\n'
        : `${r.resumed ? 'resumed; ' : ''}${r.processed} calls examined, ${r.changed} changed in ${r.seconds.toFixed(1)} s` +
          `${r.unknownAccounts ? `; ${r.unknownAccounts} with an unknown account code` : ''}` +
          `${r.unknownDestinations ? `; ${r.unknownDestinations} outgoing to an unknown destination` : ''}\n`);
    });

  program
    .command('compare-tariffs')
    .description('what the outgoing calls of a period would cost under other tariffs (stored costs are not changed)')
    .requiredOption('--tariff <code...>', 'tariffs to compare (repeat the option or list several)')
    .option('--from <iso>', 'start time from (inclusive), ISO 8601')
    .option('--to <iso>', 'start time to (exclusive), ISO 8601')
    .option('--site <code>', 'only this site')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json', 'table']).default('csv'))
    .action(async (o: { tariff: string[]; from?: string; to?: string; site?: string; format: 'csv' | 'json' | 'table' }) => {
      const sel = selection(h, o);
      const c = await h.withRuntime((rt) => compareTariffs({ db: rt.db, tariffs: o.tariff, ...sel, siteCode: o.site }));
      if (o.format === 'json') process.stdout.write(JSON.stringify(c, null, 2) + '\n');
      else if (o.format === 'csv') process.stdout.write(stringify(comparisonRecords(c), { header: true }));
      else printTable(process.stdout, comparisonRecords(c));
    });
}

