import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { countryPlan } from './number-plans.js';
import { DESTINATION_TYPES, type DestinationType } from './destination-types.js';

/**
 * Site-configurable prefix tables that override libphonenumber's answer: a digit trie searched
 * for the longest prefix of an E.164 number.
 *
 * A prefix is written either as E.164 digits (`3902`, `+4930`) or in national form
 * `CC:digits`, the digits as dialled inside that country, trunk prefix included where the
 * country has one: `IT:02` → `3902` (Italy has no trunk prefix; its 0 is part of the number),
 * `GB:020` → `4420`, `DE:0151` → `49151`, `US:212` or `US:1212` → `1212`, `RU:8812` → `7812`.
 *
 * Each field of a match comes from the longest entry that sets it: with `1646 type=local` and
 * `1646555 area=Manhattan`, `+16465550100` is local in Manhattan. Tables are read from CSV
 * (columns `prefix,type,nation,area[,label]`, a header row, lines starting with `#` skipped; a
 * first line `# sample data` marks a sample) or JSON (an array of entries, or
 * `{ "sample": true, "entries": [...] }`). A table with any bad entry is rejected whole, every
 * problem listed with line (the entry's position for JSON), column and value.
 */

/** One row of a prefix table, prefix already in E.164 digits. */
export interface PrefixEntry {
  prefix: string;
  type?: DestinationType;
  nation?: string;
  area?: string;
  label?: string;
}

/** The fields a table gives a number: each from the longest entry setting it. */
export interface PrefixMatch {
  /** The longest matching entry's prefix. */
  prefix: string;
  type: DestinationType | null;
  nation: string | null;
  area: string | null;
  label: string | null;
}

/** A built prefix table. */
export interface PrefixTable {
  readonly size: number;
  /** True for the shipped sample tables. */
  readonly sample: boolean;
  readonly entries: readonly PrefixEntry[];
  /** The match for E.164 digits (no `+`), or null when no entry is a prefix of them. */
  lookup(e164Digits: string): PrefixMatch | null;
}

/** One problem found in a table. */
export interface PrefixTableProblem {
  line: number;
  column: string;
  value: string;
  message: string;
}

/** Thrown when a table has bad entries; nothing of it is used. */
export class PrefixTableError extends Error {
  constructor(readonly problems: PrefixTableProblem[]) {
    super(`prefix table rejected; ${problems.length} problem(s):\n  - ${problems
      .map((p) => `line ${p.line}: ${p.column}: ${p.message}${p.value !== '' ? ` (got ${JSON.stringify(p.value)})` : ''}`)
      .join('\n  - ')}`);
    this.name = 'PrefixTableError';
  }
}

/** E.164 digits for a prefix written as digits, `+digits` or `CC:national digits`; null if malformed. */
export function toE164Prefix(text: string): string | null {
  const s = text.trim();
  const national = /^([A-Za-z]{2}):(\d{1,15})$/.exec(s);
  if (national) {
    const plan = countryPlan(national[1]!.toUpperCase());
    if (!plan) return null;
    let digits = national[2]!;
    if (plan.trunkPrefix !== '' && digits.startsWith(plan.trunkPrefix)) digits = digits.slice(plan.trunkPrefix.length);
    const e164 = plan.callingCode + digits;
    return e164.length <= 15 ? e164 : null;
  }
  const m = /^\+?([1-9]\d{0,14})$/.exec(s);
  return m ? m[1]! : null;
}

const optionalText = (max: number) => z.string().trim().max(max, `at most ${max} characters`).transform((v) => (v === '' ? undefined : v));

const entrySchema = z.object({
  prefix: z.string({ error: 'required' }).transform((v, ctx) => {
    const e164 = toE164Prefix(v);
    if (e164 === null) {
      ctx.addIssue({ code: 'custom', message: 'not E.164 digits (1-15, no leading 0) nor CC:national digits of a known country' });
      return z.NEVER;
    }
    return e164;
  }),
  type: z.string().trim().toLowerCase()
    .refine((v) => v === '' || (DESTINATION_TYPES as readonly string[]).includes(v), `one of ${DESTINATION_TYPES.join(', ')}`)
    .transform((v) => (v === '' ? undefined : (v as DestinationType))).optional(),
  nation: z.string().trim().regex(/^([A-Za-z]{2})?$/, 'a two-letter ISO country code')
    .transform((v) => (v === '' ? undefined : v.toUpperCase())).optional(),
  area: optionalText(100).optional(),
  label: optionalText(100).optional(),
});

const COLUMNS = Object.keys(entrySchema.shape);

interface TrieNode {
  next: Array<TrieNode | undefined> | null;
  match: PrefixMatch | null;
}

/**
 * Builds a table from entries already in E.164 form; throws a PrefixTableError on duplicates.
 * `lines` gives each entry's line for messages (default: its position, 1-based).
 */
export function buildPrefixTable(entries: readonly PrefixEntry[], options: { sample?: boolean; lines?: readonly number[] } = {}): PrefixTable {
  const root: TrieNode = { next: null, match: null };
  const seen = new Map<string, number>();
  const problems: PrefixTableProblem[] = [];
  const sorted = entries.map((e, i) => ({ e, line: options.lines?.[i] ?? i + 1 })).sort((a, b) => a.e.prefix.length - b.e.prefix.length);
  for (const { e, line } of sorted) {
    if (!/^\d{1,15}$/.test(e.prefix)) {
      problems.push({ line, column: 'prefix', value: e.prefix, message: 'not E.164 digits' });
      continue;
    }
    const first = seen.get(e.prefix);
    if (first !== undefined) {
      problems.push({ line, column: 'prefix', value: e.prefix, message: `duplicate of line ${first}` });
      continue;
    }
    seen.set(e.prefix, line);
    // Shorter entries are inserted first, so the nearest ancestor's match is already final.
    let node = root;
    let inherited: PrefixMatch | null = null;
    for (let i = 0; i < e.prefix.length; i++) {
      const d = e.prefix.charCodeAt(i) - 48;
      node.next ??= new Array<TrieNode | undefined>(10);
      node = node.next[d] ??= { next: null, match: null };
      if (node.match && i < e.prefix.length - 1) inherited = node.match;
    }
    node.match = {
      prefix: e.prefix,
      type: e.type ?? inherited?.type ?? null,
      nation: e.nation ?? inherited?.nation ?? null,
      area: e.area ?? inherited?.area ?? null,
      label: e.label ?? inherited?.label ?? null,
    };
  }
  if (problems.length > 0) throw new PrefixTableError(problems.sort((a, b) => a.line - b.line));
  const frozen = Object.freeze(entries.map((e) => ({ ...e })));
  return {
    size: frozen.length,
    sample: options.sample ?? false,
    entries: frozen,
    lookup(digits: string): PrefixMatch | null {
      let node: TrieNode | undefined = root;
      let best: PrefixMatch | null = null;
      for (let i = 0; i < digits.length && node.next; i++) {
        node = node.next[digits.charCodeAt(i) - 48];
        if (!node) break;
        if (node.match) best = node.match;
      }
      return best;
    },
  };
}

/** Validates raw rows (`line` for messages) and builds the table, or throws with every problem. */
function fromRows(rows: ReadonlyArray<{ line: number; value: unknown }>, sample: boolean): PrefixTable {
  const problems: PrefixTableProblem[] = [];
  const entries: PrefixEntry[] = [];
  const lines: number[] = [];
  for (const { line, value } of rows) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ line, column: '', value: JSON.stringify(value) ?? '', message: 'not an object' });
      continue;
    }
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      if (!COLUMNS.includes(k)) problems.push({ line, column: k, value: String(record[k] ?? ''), message: 'unknown column' });
    }
    const r = entrySchema.safeParse(record);
    if (!r.success) {
      for (const issue of r.error.issues) {
        const column = String(issue.path[0] ?? '');
        const v = record[column];
        problems.push({ line, column, value: v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v), message: issue.message });
      }
      continue;
    }
    const { prefix, type, nation, area, label } = r.data;
    entries.push({ prefix, ...(type && { type }), ...(nation && { nation }), ...(area && { area }), ...(label && { label }) });
    lines.push(line);
  }
  try {
    const table = buildPrefixTable(entries, { sample, lines });
    if (problems.length === 0) return table;
  } catch (err) {
    if (!(err instanceof PrefixTableError)) throw err;
    problems.push(...err.problems);
  }
  throw new PrefixTableError(problems.sort((a, b) => a.line - b.line));
}

/** Parses a CSV prefix table (see the module comment). Throws a PrefixTableError. */
export function parsePrefixTableCsv(text: string): PrefixTable {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  const sample = /^#\s*sample\b/i.test(firstLine.trim());
  const headerLine = body.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trimStart().startsWith('#')) ?? '';
  const delimiter = [';', '\t', ','].sort((a, b) => headerLine.split(b).length - headerLine.split(a).length)[0]!;
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsv(body, {
      delimiter, comment: '#', comment_no_infix: true, skip_empty_lines: true, trim: true, relax_column_count: true, info: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    const line = Number((err as { lines?: unknown }).lines) || 0;
    throw new PrefixTableError([{ line, column: '', value: '', message: (err as Error).message }]);
  }
  const [header, ...data] = records;
  if (!header) throw new PrefixTableError([{ line: 1, column: '', value: '', message: 'no header row (prefix,type,nation,area)' }]);
  const names = header.record.map((c) => c.trim().toLowerCase());
  // Without a prefix column every row is bad; the header says it once.
  if (!names.includes('prefix')) throw new PrefixTableError([{ line: header.info.lines, column: 'prefix', value: '', message: 'missing column' }]);
  const problems: PrefixTableProblem[] = [];
  const rows: Array<{ line: number; value: Record<string, string> }> = [];
  for (const { record, info } of data) {
    // info.lines is the line a record ends on; a quoted field may span lines.
    const line = info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);
    if (record.length !== names.length) {
      problems.push({ line, column: '', value: record.join(delimiter), message: `${record.length} fields, the header has ${names.length}` });
    } else rows.push({ line, value: Object.fromEntries(names.map((n, i) => [n, record[i] ?? ''])) });
  }
  if (problems.length === 0) return fromRows(rows, sample);
  try {
    fromRows(rows, sample);
  } catch (err) {
    if (!(err instanceof PrefixTableError)) throw err;
    problems.push(...err.problems);
  }
  throw new PrefixTableError(problems.sort((a, b) => a.line - b.line));
}

/** Parses a JSON prefix table; `line` in problems is the entry's position (1-based). Throws a PrefixTableError. */
export function parsePrefixTableJson(text: string): PrefixTable {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PrefixTableError([{ line: 0, column: '', value: '', message: `not valid JSON: ${(err as Error).message}` }]);
  }
  const wrapped = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as { sample?: unknown; entries?: unknown }) : null;
  const list = wrapped ? wrapped.entries : data;
  if (!Array.isArray(list)) {
    throw new PrefixTableError([{ line: 0, column: '', value: '', message: 'expected an array of entries or { "entries": [...] }' }]);
  }
  return fromRows(list.map((value: unknown, i) => ({ line: i + 1, value })), wrapped?.sample === true);
}

/** Parses a table in either format (JSON when the text starts with `[` or `{`). */
export function parsePrefixTable(text: string): PrefixTable {
  return /^\uFEFF?\s*[[{]/.test(text) ? parsePrefixTableJson(text) : parsePrefixTableCsv(text);
}
