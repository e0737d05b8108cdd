import { LAYOUTS, layoutByFieldCount, layoutByHeader, type LayoutName } from './cdr-layouts.js';

/**
 * Pure CUCM CDR row decoding: no I/O. `CdrLayout` maps the columns tollgate reads to their
 * positions, built from a header line or from a known release layout; `decodeRow` turns one data
 * line into a typed `CdrRow` or throws a `RowError` naming the column and value.
 */

/** The fields billing reads, with the CUCM column name each comes from. */
const FIELDS = {
  recordType: ['cdrRecordType', 'int', true],
  gcidCm: ['globalCallID_callManagerId', 'int', true],
  gcidCall: ['globalCallID_callId', 'int', true],
  origLeg: ['origLegCallIdentifier', 'int', false],
  origination: ['dateTimeOrigination', 'int', true],
  callingNumber: ['callingPartyNumber', 'str', true],
  origCause: ['origCause_value', 'int', false],
  destLeg: ['destLegIdentifier', 'int', false],
  originalCalled: ['originalCalledPartyNumber', 'str', true],
  finalCalled: ['finalCalledPartyNumber', 'str', true],
  destCause: ['destCause_value', 'int', false],
  connect: ['dateTimeConnect', 'int', true],
  disconnect: ['dateTimeDisconnect', 'int', true],
  lastRedirectDn: ['lastRedirectDn', 'str', false],
  pkid: ['pkid', 'str', true],
  originalCalledPartition: ['originalCalledPartyNumberPartition', 'str', false],
  callingPartition: ['callingPartyNumberPartition', 'str', true],
  finalCalledPartition: ['finalCalledPartyNumberPartition', 'str', true],
  lastRedirectDnPartition: ['lastRedirectDnPartition', 'str', false],
  duration: ['duration', 'int', true],
  origDevice: ['origDeviceName', 'str', true],
  destDevice: ['destDeviceName', 'str', true],
  origTermOnBehalfOf: ['origCallTerminationOnBehalfOf', 'int', false],
  destTermOnBehalfOf: ['destCallTerminationOnBehalfOf', 'int', false],
  origRedirectOnBehalfOf: ['origCalledPartyRedirectOnBehalfOf', 'int', false],
  lastRedirectOnBehalfOf: ['lastRedirectRedirectOnBehalfOf', 'int', false],
  origRedirectReason: ['origCalledPartyRedirectReason', 'int', false],
  lastRedirectReason: ['lastRedirectRedirectReason', 'int', false],
  clusterId: ['globalCallId_ClusterID', 'str', false],
  joinOnBehalfOf: ['joinOnBehalfOf', 'int', false],
  comment: ['comment', 'str', false],
  authCodeDescription: ['authCodeDescription', 'str', false],
  clientMatterCode: ['clientMatterCode', 'str', false],
  outpulsedCalledNumber: ['outpulsedCalledPartyNumber', 'str', false],
  huntPilotDn: ['huntPilotDN', 'str', false],
  finalCalledPattern: ['finalCalledPartyPattern', 'str', false],
} as const satisfies Record<string, readonly [string, 'int' | 'str', boolean]>;

type FieldKey = keyof typeof FIELDS;
type ValueOf<K extends FieldKey> = (typeof FIELDS)[K][1] extends 'int' ? number : string;
export type CdrRow = { [K in FieldKey]: ValueOf<K> };

const KEYS = Object.keys(FIELDS) as FieldKey[];

export class RowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowError';
  }
}

/** Where each field of `CdrRow` sits in a line, for one file. */
export interface CdrLayout {
  /** Release layout when recognised, else `custom`. */
  readonly name: LayoutName | 'custom';
  /** Number of fields every data line must have. */
  readonly fieldCount: number;
  /** Column positions of the wanted fields, ascending, and which key each fills. */
  readonly positions: readonly number[];
  readonly keysAt: readonly FieldKey[];
  /** Keys with no column in this layout (filled with '' or 0). */
  readonly missing: readonly FieldKey[];
}

/**
 * Builds a layout from the names of line 1 (case-insensitive). Throws a `RowError` that lists the
 * required columns that are missing.
 */
export function layoutFromHeader(names: readonly string[]): CdrLayout {
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    const key = n.trim().toLowerCase();
    if (!index.has(key)) index.set(key, i);
  });
  const found: Array<[number, FieldKey]> = [];
  const missing: FieldKey[] = [];
  const missingRequired: string[] = [];
  for (const key of KEYS) {
    const [column, , required] = FIELDS[key];
    const at = index.get(column.toLowerCase());
    if (at === undefined) {
      missing.push(key);
      if (required) missingRequired.push(column);
    } else found.push([at, key]);
  }
  if (missingRequired.length > 0) {
    throw new RowError(`header lacks required column(s): ${missingRequired.join(', ')}`);
  }
  found.sort((a, b) => a[0] - b[0]);
  return {
    name: layoutByHeader(names) ?? 'custom',
    fieldCount: names.length,
    positions: found.map((f) => f[0]),
    keysAt: found.map((f) => f[1]),
    missing,
  };
}

/** The layout of a headerless file from its field count, or undefined when the count is unknown. */
export function layoutFromFieldCount(count: number): CdrLayout | undefined {
  const name = layoutByFieldCount(count);
  if (!name) return undefined;
  return { ...layoutFromHeader(LAYOUTS[name]), name };
}

/** The names of a header line: cells trimmed, with quotes removed also where blanks preceded them. */
export function headerNames(line: string): string[] {
  return splitLine(line).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

/** True when line 1 is a CDR header (its first cell names cdrRecordType). */
export function isHeaderLine(line: string): boolean {
  return /^\s*"?cdrRecordType"?\s*(,|$)/i.test(line);
}

/** True for the field-types line (line 2 of a CUCM file). */
export function isTypesLine(line: string): boolean {
  return /^\s*"?INTEGER"?\s*,/i.test(line);
}

/** True when a header names the CMR (diagnostic) layout rather than the CDR one. */
export function isCmrHeader(names: readonly string[]): boolean {
  const lower = new Set(names.map((n) => n.trim().toLowerCase()));
  return lower.has('varvqmetrics') || (lower.has('directorynum') && !lower.has('callingpartynumber'));
}

const COMMA = 44;
const QUOTE = 34;

/**
 * Splits one CSV line of the CUCM dialect into all its cells. CUCM writes one record per line,
 * VARCHAR cells in double quotes (`""` inside is a quote) and bare INTEGER cells.
 * Throws a `RowError` on an unterminated quote or text after a closing quote.
 */
export function splitLine(line: string): string[] {
  const out: string[] = [];
  scanLine(line, (_i, value) => {
    out.push(value);
  });
  return out;
}

/**
 * Calls `cell(index, value)` for each cell and returns the cell count. Values of cells whose
 * index is not in `wanted` (when given) are not materialised: that keeps the 100-odd unused CDR
 * columns from costing a string each.
 */
function scanLine(line: string, cell: (index: number, value: string) => void, wanted?: Uint8Array): number {
  const end = line.length;
  let i = 0;
  let n = 0;
  for (;;) {
    const want = wanted === undefined || wanted[n] === 1;
    if (line.charCodeAt(i) === QUOTE) {
      let j = i + 1;
      let value = '';
      for (;;) {
        const q = line.indexOf('"', j);
        if (q === -1) throw new RowError(`unterminated quote in field ${n + 1}`);
        if (line.charCodeAt(q + 1) === QUOTE) {
          if (want) value += line.slice(j, q + 1);
          j = q + 2;
          continue;
        }
        if (want) value += line.slice(j, q);
        i = q + 1;
        break;
      }
      if (want) cell(n, value);
      n++;
      // Cisco's own illustration of the header puts blanks around the commas: allow them.
      while (i < end && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
      if (i >= end) return n;
      if (line.charCodeAt(i) !== COMMA) throw new RowError(`unexpected text after the closing quote of field ${n}`);
      i++;
    } else {
      let c = line.indexOf(',', i);
      if (c === -1) c = end;
      if (want) cell(n, line.slice(i, c));
      n++;
      if (c >= end) return n;
      i = c + 1;
    }
  }
}

/** A decoder for one layout: `decode(line)` returns the row or throws a `RowError`. */
export interface RowDecoder {
  readonly layout: CdrLayout;
  decode(line: string): CdrRow;
}

export function makeDecoder(layout: CdrLayout): RowDecoder {
  const max = layout.positions.length > 0 ? Math.max(...layout.positions) : 0;
  const wanted = new Uint8Array(Math.max(max + 1, layout.fieldCount) + 1);
  const keyAt: Array<FieldKey | undefined> = new Array(wanted.length);
  layout.positions.forEach((p, i) => {
    wanted[p] = 1;
    keyAt[p] = layout.keysAt[i];
  });
  const decode = (line: string): CdrRow => {
    const row = emptyRow();
    const target = row as unknown as Record<FieldKey, string | number>;
    const count = scanLine(
      line,
      (i, value) => {
        const key = keyAt[i]!;
        target[key] = FIELDS[key][1] === 'int' ? toInt(key, value) : value;
      },
      wanted,
    );
    if (count !== layout.fieldCount) {
      throw new RowError(`expected ${layout.fieldCount} fields, found ${count}`);
    }
    if (row.pkid === '') throw new RowError('pkid: empty');
    return row;
  };
  return { layout, decode };
}

/**
 * A row with every field at its default, always built with the same property order so that all
 * rows share one hidden class (rows built key by key in column order were 3x slower to read).
 */
function emptyRow(): CdrRow {
  return {
    recordType: 0, gcidCm: 0, gcidCall: 0, origLeg: 0, origination: 0, callingNumber: '', origCause: 0, destLeg: 0,
    originalCalled: '', finalCalled: '', destCause: 0, connect: 0, disconnect: 0, lastRedirectDn: '', pkid: '',
    originalCalledPartition: '', callingPartition: '', finalCalledPartition: '', lastRedirectDnPartition: '', duration: 0,
    origDevice: '', destDevice: '', origTermOnBehalfOf: 0, destTermOnBehalfOf: 0, origRedirectOnBehalfOf: 0,
    lastRedirectOnBehalfOf: 0, origRedirectReason: 0, lastRedirectReason: 0, clusterId: '', joinOnBehalfOf: 0, comment: '',
    authCodeDescription: '', clientMatterCode: '', outpulsedCalledNumber: '', huntPilotDn: '', finalCalledPattern: '',
  };
}

function toInt(key: FieldKey, value: string): number {
  if (value === '') {
    if (FIELDS[key][2]) throw new RowError(`${FIELDS[key][0]}: empty`);
    return 0;
  }
  const n = Number(value);
  if (!Number.isInteger(n)) {
    const shown = value.length > 40 ? value.slice(0, 40) + '…' : value;
    throw new RowError(`${FIELDS[key][0]}: not an integer (${JSON.stringify(shown)})`);
  }
  return n;
}

/**
 * CUCM file names: `cdr|cmr _ <cluster> _ <node> _ <yyyymmddhhmm> _ <seq>`. The cluster id may
 * itself contain `_`, so the name is read from the right.
 */
export interface CdrFileName {
  kind: 'cdr' | 'cmr';
  clusterId: string;
  node: string;
  stamp: string;
  seq: string;
}

export function parseCdrFileName(name: string): CdrFileName | undefined {
  const m = /^(cdr|cmr)_(.+)_(\d+)_(\d{12})_(\d+)$/i.exec(name);
  if (!m) return undefined;
  return { kind: m[1]!.toLowerCase() as 'cdr' | 'cmr', clusterId: m[2]!, node: m[3]!, stamp: m[4]!, seq: m[5]! };
}
