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
  scanLine(line, undefined, out);
  return out;
}

/**
 * Scans the cells of a line and returns how many there are. With `slots`, cell n is stored at
 * `out[slots[n]]` when that is >= 0 and not materialised otherwise: that keeps the 100-odd CDR
 * columns billing does not read from costing a string each. Without `slots`, every cell is kept.
 */
function scanLine(line: string, slots: Int16Array | undefined, out: string[]): number {
  const end = line.length;
  let i = 0;
  let n = 0;
  for (;;) {
    const slot = slots === undefined ? n : n < slots.length ? slots[n]! : -1;
    if (line.charCodeAt(i) === QUOTE) {
      let j = i + 1;
      let q = line.indexOf('"', j);
      if (q === -1) throw new RowError(`unterminated quote in field ${n + 1}`);
      if (line.charCodeAt(q + 1) !== QUOTE) {
        // The usual case, no "" inside: one slice, no string concatenation (less garbage).
        if (slot >= 0) out[slot] = line.slice(j, q);
        i = q + 1;
      } else {
        let value = '';
        for (;;) {
          if (line.charCodeAt(q + 1) === QUOTE) {
            if (slot >= 0) value += line.slice(j, q + 1);
            j = q + 2;
            q = line.indexOf('"', j);
            if (q === -1) throw new RowError(`unterminated quote in field ${n + 1}`);
            continue;
          }
          if (slot >= 0) value += line.slice(j, q);
          i = q + 1;
          break;
        }
        if (slot >= 0) out[slot] = value;
      }
      n++;
      // Cisco's own illustration of the header puts blanks around the commas: allow them.
      while (i < end && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
      if (i >= end) return n;
      if (line.charCodeAt(i) !== COMMA) throw new RowError(`unexpected text after the closing quote of field ${n}`);
      i++;
    } else {
      let c = line.indexOf(',', i);
      if (c === -1) c = end;
      if (slot >= 0) out[slot] = line.slice(i, c);
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
  const width = Math.max(layout.fieldCount, ...layout.positions.map((p) => p + 1));
  const slots = new Int16Array(width).fill(-1);
  const slotOf = {} as Record<FieldKey, number>;
  for (const key of KEYS) slotOf[key] = -1;
  layout.positions.forEach((p, i) => {
    slots[p] = i;
    slotOf[layout.keysAt[i]!] = i;
  });
  const S = Object.freeze({ ...slotOf });
  const cells: string[] = new Array<string>(layout.positions.length).fill('');
  const decode = (line: string): CdrRow => {
    const count = scanLine(line, slots, cells);
    if (count !== layout.fieldCount) {
      throw new RowError(`expected ${layout.fieldCount} fields, found ${count}`);
    }
    // One literal, always in the same order: every row shares one hidden class (rows built
    // key by key, with computed keys, were 3x slower to build and to read).
    const row: CdrRow = {
      recordType: int(cells, S.recordType, 'recordType'),
      gcidCm: int(cells, S.gcidCm, 'gcidCm'),
      gcidCall: int(cells, S.gcidCall, 'gcidCall'),
      origLeg: int(cells, S.origLeg, 'origLeg'),
      origination: int(cells, S.origination, 'origination'),
      callingNumber: str(cells, S.callingNumber),
      origCause: int(cells, S.origCause, 'origCause'),
      destLeg: int(cells, S.destLeg, 'destLeg'),
      originalCalled: str(cells, S.originalCalled),
      finalCalled: str(cells, S.finalCalled),
      destCause: int(cells, S.destCause, 'destCause'),
      connect: int(cells, S.connect, 'connect'),
      disconnect: int(cells, S.disconnect, 'disconnect'),
      lastRedirectDn: str(cells, S.lastRedirectDn),
      pkid: str(cells, S.pkid),
      originalCalledPartition: str(cells, S.originalCalledPartition),
      callingPartition: str(cells, S.callingPartition),
      finalCalledPartition: str(cells, S.finalCalledPartition),
      lastRedirectDnPartition: str(cells, S.lastRedirectDnPartition),
      duration: int(cells, S.duration, 'duration'),
      origDevice: str(cells, S.origDevice),
      destDevice: str(cells, S.destDevice),
      origTermOnBehalfOf: int(cells, S.origTermOnBehalfOf, 'origTermOnBehalfOf'),
      destTermOnBehalfOf: int(cells, S.destTermOnBehalfOf, 'destTermOnBehalfOf'),
      origRedirectOnBehalfOf: int(cells, S.origRedirectOnBehalfOf, 'origRedirectOnBehalfOf'),
      lastRedirectOnBehalfOf: int(cells, S.lastRedirectOnBehalfOf, 'lastRedirectOnBehalfOf'),
      origRedirectReason: int(cells, S.origRedirectReason, 'origRedirectReason'),
      lastRedirectReason: int(cells, S.lastRedirectReason, 'lastRedirectReason'),
      clusterId: str(cells, S.clusterId),
      joinOnBehalfOf: int(cells, S.joinOnBehalfOf, 'joinOnBehalfOf'),
      comment: str(cells, S.comment),
      authCodeDescription: str(cells, S.authCodeDescription),
      clientMatterCode: str(cells, S.clientMatterCode),
      outpulsedCalledNumber: str(cells, S.outpulsedCalledNumber),
      huntPilotDn: str(cells, S.huntPilotDn),
      finalCalledPattern: str(cells, S.finalCalledPattern),
    };
    if (row.pkid === '') throw new RowError('pkid: empty');
    return row;
  };
  return { layout, decode };
}

function str(cells: readonly string[], slot: number): string {
  return slot < 0 ? '' : cells[slot]!;
}

function int(cells: readonly string[], slot: number, key: FieldKey): number {
  return slot < 0 ? 0 : toInt(key, cells[slot]!);
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
