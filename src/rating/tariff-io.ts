import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { CURRENCY_EXPONENTS, formatMicro, formatMinorAmount, MICRO_DIGITS, parseDecimal } from './money.js';
import { formatPath, safeParseTariff, WEEKDAYS, type Tariff, type TariffIssue, type Weekday } from './tariff.js';

/**
 * Tariff files: CSV (one row per rate, band or holiday; money as decimal amounts) and JSON (the
 * zod model of tariff.ts). Pure: text in, tariffs or text out. A file with any problem is
 * rejected whole with every problem listed as `file:line: column: message (got "value")`.
 * The formats are documented in docs/rating.md.
 */

/** Thrown when a tariff file has problems; nothing of the file should be used. */
export class TariffImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`tariff file rejected; ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
    this.name = 'TariffImportError';
  }
}

/** The CSV columns, in the order they are written. */
export const CSV_COLUMNS = [
  'tariff', 'kind', 'name', 'carrier', 'currency', 'sample', 'prefix', 'type', 'band',
  'setup', 'per_minute', 'first', 'next', 'min_charge', 'days', 'from', 'to', 'date',
] as const;
type Column = (typeof CSV_COLUMNS)[number];
type Kind = 'tariff' | 'band' | 'holiday' | 'rate';

/** Columns each kind of row may fill (tariff and kind always). */
const ALLOWED: Record<Kind, ReadonlySet<Column>> = {
  tariff: new Set(['name', 'carrier', 'currency', 'sample']),
  band: new Set(['band', 'days', 'from', 'to']),
  holiday: new Set(['date', 'band', 'name']),
  rate: new Set(['prefix', 'type', 'band', 'setup', 'per_minute', 'first', 'next', 'min_charge']),
};

interface Row {
  line: number;
  cells: Partial<Record<Column, string>>;
}

const got = (v: unknown): string => (v === undefined || v === '' ? '' : ` (got ${JSON.stringify(v)})`);

// ---- CSV import ----------------------------------------------------------------------------

/** Parses a CSV tariff file (comma, semicolon or tab separated) into tariffs. Throws TariffImportError. */
export function parseTariffCsv(text: string, file: string): Tariff[] {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = [',', ';', '\t'].reduce((best, d) => (firstLine.split(d).length > firstLine.split(best).length ? d : best));
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // With `info: true` each record comes as { record, info }; the typings do not say so.
    records = parseCsv(text, { bom: true, delimiter, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as typeof records;
  } catch (err) {
    throw new TariffImportError([`${file}: ${(err as Error).message}`]);
  }
  const problems: string[] = [];
  const header = records[0]?.record.map((h) => h.toLowerCase()) ?? [];
  header.forEach((h, i) => {
    if (!(CSV_COLUMNS as readonly string[]).includes(h)) problems.push(`${file}:1: ${h || `column ${i + 1}`}: unknown column (columns: ${CSV_COLUMNS.join(', ')})`);
    else if (header.indexOf(h) !== i) problems.push(`${file}:1: ${h}: a second column with this name`);
  });
  for (const c of ['tariff', 'kind'] as const) if (!header.includes(c)) problems.push(`${file}:1: ${c}: missing column`);
  if (problems.length > 0) throw new TariffImportError(problems);

  const rows: Row[] = records.slice(1).map(({ record, info }) => {
    const cells: Partial<Record<Column, string>> = {};
    record.forEach((v, i) => {
      const col = header[i] as Column | undefined;
      if (col) cells[col] = v;
      else if (v !== '') problems.push(`${file}:${info.lines}: column ${i + 1}: a value beyond the last column${got(v)}`);
    });
    // info.lines is the line a record ends on; a quoted field may span lines.
    return { line: info.lines - record.reduce((n, v) => n + (v.match(/\n/g)?.length ?? 0), 0), cells };
  });
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const code = row.cells.tariff ?? '';
    if (code === '') problems.push(`${file}:${row.line}: tariff: the tariff code is required`);
    else groups.set(code, [...(groups.get(code) ?? []), row]);
  }
  const tariffs = [...groups.entries()].flatMap(([code, group]) => buildTariff(file, code, group, problems));
  if (problems.length > 0) throw new TariffImportError(problems.sort((a, b) => lineOf(a) - lineOf(b)));
  return tariffs;
}

const lineOf = (problem: string): number => Number(/^[^:]*:(\d+):/.exec(problem)?.[1] ?? 0);

/** Where a model path came from in the CSV: the row, and the column for each field. */
type Origin = { row: Row; columns?: Partial<Record<string, Column>> };

function buildTariff(file: string, code: string, group: Row[], problems: string[]): Tariff[] {
  const bad = new Set<string>(); // "line:column" cells already reported
  const report = (row: Row, col: Column | 'kind', message: string) => {
    bad.add(`${row.line}:${col}`);
    problems.push(`${file}:${row.line}: ${col}: ${message}${got(row.cells[col as Column])}`);
  };
  const origins = new Map<string, Origin>(); // formatPath(path prefix) → origin
  const input = { code, name: '', carrier: '', currency: '', sample: false as unknown, bands: null as null | { default?: string; rules: unknown[] }, holidays: [] as unknown[], rates: [] as Array<Record<string, unknown>> };
  let exponent: number | undefined;
  const rateIndex = new Map<string, number>();
  const bandRows: Row[] = [];

  for (const row of group) {
    const kind = (row.cells.kind ?? '').toLowerCase();
    if (!['tariff', 'band', 'holiday', 'rate'].includes(kind)) {
      report(row, 'kind', 'the kind is tariff, band, holiday or rate');
      continue;
    }
    for (const col of CSV_COLUMNS) {
      if (col !== 'tariff' && col !== 'kind' && (row.cells[col] ?? '') !== '' && !ALLOWED[kind as Kind].has(col)) report(row, col, `not used in ${kind} rows`);
    }
  }
  const ofKind = (k: Kind) => group.filter((r) => (r.cells.kind ?? '').toLowerCase() === k);
  const head = ofKind('tariff');
  if (head.length === 0) report(group[0]!, 'tariff', 'no "tariff" row for this tariff (it gives name, carrier, currency)');
  head.slice(1).forEach((row) => report(row, 'kind', `a second "tariff" row for ${code}`));
  const t = head[0];
  if (t) {
    origins.set('', { row: t, columns: { code: 'tariff', name: 'name', carrier: 'carrier', currency: 'currency', sample: 'sample', rates: 'kind' } });
    input.name = t.cells.name ?? '';
    input.carrier = t.cells.carrier ?? '';
    input.currency = (t.cells.currency ?? '').toUpperCase();
    exponent = CURRENCY_EXPONENTS[input.currency];
    const sample = (t.cells.sample ?? '').toLowerCase();
    if (['', 'false', 'no', '0'].includes(sample)) input.sample = false;
    else if (['true', 'yes', '1'].includes(sample)) input.sample = true;
    else report(t, 'sample', 'sample is true or false');
  }

  for (const row of ofKind('band')) {
    const { band = '', days = '', from = '', to = '' } = row.cells;
    input.bands ??= { rules: [] };
    if (days === '' && from === '' && to === '') {
      if (input.bands.default !== undefined) report(row, 'band', 'a second default band (a band row without days, from and to)');
      input.bands.default = band;
      origins.set('bands.default', { row, columns: { '': 'band' } });
      continue;
    }
    const i = input.bands.rules.length;
    origins.set(`bands.rules[${i}]`, { row });
    const parsedDays = parseDays(days);
    if (parsedDays === null) report(row, 'days', 'days are like "mon-fri" or "sat sun"');
    input.bands.rules.push({ band, days: parsedDays ?? [], from, to });
    bandRows.push(row);
  }
  const firstRule = bandRows[0];
  if (input.bands && input.bands.default === undefined && firstRule) {
    origins.set('bands', { row: firstRule, columns: { default: 'band' } });
    report(firstRule, 'band', 'no default band: add a band row with only a band name (the band outside every rule)');
  }

  ofKind('holiday').forEach((row, i) => {
    origins.set(`holidays[${i}]`, { row });
    const { date = '', band = '', name = '' } = row.cells;
    input.holidays.push(name === '' ? { date, band } : { date, band, name });
  });

  const money = (row: Row, col: 'setup' | 'min_charge' | 'per_minute', required: boolean): number | undefined => {
    const v = row.cells[col] ?? '';
    if (v === '') {
      if (required) report(row, col, 'required');
      return undefined;
    }
    const digits = col === 'per_minute' ? MICRO_DIGITS : exponent;
    if (digits === undefined) return undefined; // the currency is wrong: reported on the tariff row
    const r = parseDecimal(v, digits);
    if (!r.ok) report(row, col, `${r.message}${col === 'per_minute' ? '' : ` for ${input.currency}`}`);
    return r.ok ? r.value : undefined;
  };
  const seconds = (row: Row, col: 'first' | 'next'): number | undefined => {
    const v = row.cells[col] ?? '';
    if (!/^\d{1,9}$/.test(v)) report(row, col, v === '' ? 'required (seconds)' : 'whole seconds');
    return /^\d{1,9}$/.test(v) ? Number(v) : undefined;
  };
  const rateRows = ofKind('rate');
  const keyOf = (row: Row) => ((row.cells.prefix ?? '') !== '' ? `prefix ${row.cells.prefix}` : `type ${row.cells.type ?? ''}`);
  for (const row of rateRows.filter((r) => (r.cells.band ?? '') === '')) {
    const key = keyOf(row);
    if (!rateIndex.has(key)) rateIndex.set(key, input.rates.length);
    origins.set(`rates[${input.rates.length}]`, { row, columns: { setupMinor: 'setup', perMinuteMicro: 'per_minute', minChargeMinor: 'min_charge' } });
    input.rates.push({
      prefix: row.cells.prefix || null, type: row.cells.type || null, bandPerMinuteMicro: {},
      setupMinor: money(row, 'setup', false), perMinuteMicro: money(row, 'per_minute', true),
      first: seconds(row, 'first'), next: seconds(row, 'next'), minChargeMinor: money(row, 'min_charge', false),
    });
  }
  for (const row of rateRows.filter((r) => (r.cells.band ?? '') !== '')) {
    const band = row.cells.band ?? '';
    for (const col of ['setup', 'first', 'next', 'min_charge'] as const) {
      if ((row.cells[col] ?? '') !== '') report(row, col, `leave empty in a band row: the rate row without a band gives it`);
    }
    const i = rateIndex.get(keyOf(row));
    const rate = i === undefined ? undefined : input.rates[i];
    if (i === undefined || !rate) {
      report(row, 'band', `no rate row without a band for ${keyOf(row)} (it gives set-up, increments, minimum charge)`);
      continue;
    }
    const prices = rate.bandPerMinuteMicro as Record<string, number | undefined>;
    if (Object.hasOwn(prices, band)) report(row, 'band', `a second price in band ${band} for ${keyOf(row)}`);
    prices[band] = money(row, 'per_minute', true);
    origins.set(`rates[${i}].bandPerMinuteMicro.${band}`, { row, columns: { '': 'per_minute' } });
  }

  const r = safeParseTariff(input);
  if (r.ok) return [r.tariff];
  for (const issue of r.issues) {
    const { row, col } = locate(issue, origins, group[0]!);
    if (!bad.has(`${row.line}:${col}`)) report(row, col, issue.message);
  }
  return [];
}

/** The CSV cell a model issue points at: the longest recorded path prefix, then the field's column. */
function locate(issue: TariffIssue, origins: Map<string, Origin>, fallback: Row): { row: Row; col: Column } {
  for (let n = issue.path.length; n >= 0; n--) {
    const origin = origins.get(n === 0 ? '' : formatPath(issue.path.slice(0, n)));
    if (!origin) continue;
    const field = String(issue.path[n] ?? '');
    let col = origin.columns?.[field] ?? ((CSV_COLUMNS as readonly string[]).includes(field) ? (field as Column) : 'kind');
    if (issue.path[2] === 'bandPerMinuteMicro' && issue.message.startsWith('unknown band')) col = 'band';
    return { row: origin.row, col };
  }
  return { row: fallback, col: 'tariff' };
}

/** "mon-fri", "sat sun", "fri-mon" (wraps) → weekdays; null when not a day list. */
function parseDays(text: string): Weekday[] | null {
  const days = new Set<Weekday>();
  for (const token of text.toLowerCase().split(/[\s,;|]+/).filter(Boolean)) {
    const [a, b, extra] = token.split('-').map((d) => WEEKDAYS.indexOf(d as Weekday));
    if (a === undefined || a < 0 || (b !== undefined && b < 0) || extra !== undefined) return null;
    for (let d = a; ; d = (d + 1) % 7) {
      days.add(WEEKDAYS[d]!);
      if (d === (b ?? a)) break;
    }
  }
  return days.size > 0 ? [...days] : null;
}

// ---- JSON import ---------------------------------------------------------------------------

/** Parses a JSON tariff file (one tariff object or an array of them). Throws TariffImportError. */
export function parseTariffJson(text: string, file: string): Tariff[] {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new TariffImportError([`${file}: not valid JSON: ${(err as Error).message}`]);
  }
  const many = Array.isArray(data);
  const items: unknown[] = many ? (data as unknown[]) : [data];
  const problems: string[] = [];
  const tariffs = items.flatMap((item, i) => {
    const r = safeParseTariff(item);
    if (r.ok) return [r.tariff];
    for (const issue of r.issues) {
      const path = many ? [i, ...issue.path] : issue.path;
      problems.push(`${file}: ${formatPath(path)}: ${issue.message}${got(valueAt(data, path))}`);
    }
    return [];
  });
  const codes = items.map((item) => (typeof item === 'object' && item !== null ? (item as { code?: unknown }).code : undefined));
  codes.forEach((c, i) => {
    if (typeof c === 'string' && codes.indexOf(c) !== i) problems.push(`${file}: [${i}].code: a second tariff with code ${c}${got(c)}`);
  });
  if (problems.length > 0) throw new TariffImportError(problems);
  return tariffs;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return typeof v === 'object' ? undefined : v;
}

/** Parses a tariff file by its name: `.json` (or text starting with { or [) as JSON, else CSV. */
export function parseTariffFile(text: string, file: string): Tariff[] {
  return /\.json$/i.test(file) || /^\uFEFF?\s*[[{]/.test(text) ? parseTariffJson(text, file) : parseTariffCsv(text, file);
}

// ---- export --------------------------------------------------------------------------------

/** "mon tue wed thu fri" → "mon-fri"; runs of three days or more become ranges. */
function formatDays(days: readonly Weekday[]): string {
  const idx = days.map((d) => WEEKDAYS.indexOf(d)).sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === idx[j]! + 1) j++;
    const run = idx.slice(i, j + 1).map((d) => WEEKDAYS[d]!);
    out.push(run.length >= 3 ? `${run[0]}-${run[run.length - 1]}` : run.join(' '));
    i = j + 1;
  }
  return out.join(' ');
}

/** Writes tariffs as CSV (header and every column; re-imports to equal tariffs). */
export function tariffsToCsv(tariffs: readonly Tariff[]): string {
  const rows: Array<Partial<Record<Column, string>>> = [];
  for (const t of tariffs) {
    const base = { tariff: t.code };
    rows.push({ ...base, kind: 'tariff', name: t.name, carrier: t.carrier, currency: t.currency, sample: String(t.sample) });
    if (t.bands) {
      rows.push({ ...base, kind: 'band', band: t.bands.default });
      for (const r of t.bands.rules) rows.push({ ...base, kind: 'band', band: r.band, days: formatDays(r.days), from: r.from, to: r.to });
    }
    for (const h of t.holidays) rows.push({ ...base, kind: 'holiday', date: h.date, band: h.band, name: h.name ?? '' });
    for (const r of t.rates) {
      const key = { ...base, kind: 'rate', prefix: r.prefix ?? '', type: r.type ?? '' };
      rows.push({
        ...key, setup: formatMinorAmount(r.setupMinor, t.currency), per_minute: formatMicro(r.perMinuteMicro),
        first: String(r.first), next: String(r.next), min_charge: formatMinorAmount(r.minChargeMinor, t.currency),
      });
      for (const [band, price] of Object.entries(r.bandPerMinuteMicro)) rows.push({ ...key, band, per_minute: formatMicro(price) });
    }
  }
  return stringifyCsv(rows, { header: true, columns: [...CSV_COLUMNS] });
}

/** Writes tariffs as JSON: an array of tariff objects of the model (re-imports to equal tariffs). */
export function tariffsToJson(tariffs: readonly Tariff[]): string {
  return `${JSON.stringify(tariffs, null, 2)}\n`;
}
