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
  /**
   * Decodes one line. `bytes[start..]` may give the line's UTF-8 bytes (as read from the file, the
   * line's length in bytes ending the line): the cells are then found in the bytes, which is
   * cheaper than in the text; without them the text is encoded first.
   */
  decode(line: string, bytes?: Buffer, start?: number, end?: number): CdrRow;
  /** Lines whose cells the byte scan found, and lines read by the reference scan (or refused by it). */
  readonly counts: { bytes: number; text: number };
}

const MINUS = 45;
const KIND_SKIP = 0;
const KIND_STR = 1;
const KIND_INT = 2;
/** A string column whose few values tollgate looks things up by (devices, partitions, cluster id, codes). */
const KIND_KEY = 3;

/**
 * Columns read through an `Interner`: their values repeat from row to row and are used as map
 * keys (trunk, user and gateway lookups, the batch's dictionary codes).
 */
const INTERNED: ReadonlySet<FieldKey> = new Set<FieldKey>([
  'origDevice', 'destDevice', 'callingPartition', 'finalCalledPartition', 'originalCalledPartition', 'lastRedirectDnPartition',
  'clusterId', 'authCodeDescription', 'clientMatterCode',
]);

/**
 * Hands out one string per distinct byte sequence, without making a string for a value seen
 * before. A string sliced from a line (13 characters and more) is a V8 "sliced string", and a
 * Map lookup with one costs about 150 ns (its hash is computed, then its characters compared
 * through the parent); the interned string is flat and keeps its hash, so lookups by it cost a
 * fifth of that, and no garbage is made for it. Bounded: past `MAX_ENTRIES` values, or for long
 * values, `get` returns undefined and the caller slices as before.
 */
export class Interner {
  static readonly MAX_ENTRIES = 4096;
  static readonly MAX_BYTES = 64;
  private readonly mask = Interner.MAX_ENTRIES * 2 - 1;
  /** Per slot: 0 empty, else the entry's number + 1. */
  private readonly slots = new Int32Array(Interner.MAX_ENTRIES * 2);
  private readonly hashes = new Int32Array(Interner.MAX_ENTRIES);
  private readonly starts = new Int32Array(Interner.MAX_ENTRIES);
  private readonly lengths = new Int32Array(Interner.MAX_ENTRIES);
  private readonly bytes = new Uint8Array(Interner.MAX_ENTRIES * Interner.MAX_BYTES);
  private readonly strings: string[] = [];
  private used = 0;

  /** The string of `b[s..e)` (decoded as UTF-8), or undefined when it cannot be kept. */
  get(b: Buffer, s: number, e: number): string | undefined {
    const len = e - s;
    if (len > Interner.MAX_BYTES) return undefined;
    let h = 0x811c9dc5 ^ len;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    let slot = h & this.mask;
    for (;;) {
      const at = this.slots[slot]!;
      if (at === 0) break;
      const entry = at - 1;
      if (this.hashes[entry] === h && this.lengths[entry] === len) {
        const from = this.starts[entry]!;
        let i = 0;
        while (i < len && this.bytes[from + i] === b[s + i]) i++;
        if (i === len) return this.strings[entry];
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.used === Interner.MAX_ENTRIES) return undefined;
    const entry = this.used++;
    const from = entry * Interner.MAX_BYTES;
    this.bytes.set(b.subarray(s, e), from);
    this.hashes[entry] = h;
    this.starts[entry] = from;
    this.lengths[entry] = len;
    const str = b.toString('utf8', s, e);
    this.strings.push(str);
    this.slots[slot] = entry + 1;
    return str;
  }
}

/**
 * `options.scanBytes: false` reads every line with `scanLine` alone (the reference the byte scan
 * is tested against).
 */
export function makeDecoder(layout: CdrLayout, options: { scanBytes?: boolean } = {}): RowDecoder {
  const useBytes = options.scanBytes !== false;
  const width = Math.max(layout.fieldCount, ...layout.positions.map((p) => p + 1));
  const wanted = layout.positions.length;
  /** Per column: its slot among the wanted cells (-1: not read) and what it holds. */
  const slots = new Int16Array(width).fill(-1);
  const kinds = new Uint8Array(width);
  const slotOf = {} as Record<FieldKey, number>;
  for (const key of KEYS) slotOf[key] = -1;
  layout.positions.forEach((p, i) => {
    const key = layout.keysAt[i]!;
    slots[p] = i;
    kinds[p] = FIELDS[key][1] === 'int' ? KIND_INT : INTERNED.has(key) ? KIND_KEY : KIND_STR;
    slotOf[key] = i;
  });
  const S = Object.freeze({ ...slotOf });
  /** The integer slots in FIELDS order (the order their errors are reported in) and their keys. */
  const intKeys = KEYS.filter((k) => FIELDS[k][1] === 'int' && slotOf[k] >= 0);
  const intSlots = Int16Array.from(intKeys, (k) => slotOf[k]);
  /** A wanted cell's text (string columns; integer columns whose cell was not plain digits). */
  const cells: string[] = new Array<string>(wanted).fill('');
  /** A wanted integer cell's value, when `pending` is 0 for its slot. */
  const nums = new Float64Array(wanted);
  /** 1: the integer slot's text is in `cells`, to be read by toInt (which names what is wrong). */
  const pending = new Uint8Array(wanted);
  const fieldCount = layout.fieldCount;
  const interner = new Interner();
  const counts = { bytes: 0, text: 0 };

  /**
   * Finds the cells of a line in CUCM's plain form in its bytes: a quoted cell holds no quote, the
   * line has exactly `fieldCount` cells. String cells are sliced from the text when the line is
   * ASCII (byte and character offsets agree) and decoded from the bytes otherwise; integer cells
   * of plain digits are read from the bytes, no string made. Returns false for any other line,
   * which `scanLine` then reads (a `""` escape, blanks after a quote) or names the problem of.
   */
  function scanBytes(b: Buffer, start: number, end: number, text: string): boolean {
    const ascii = text.length === end - start;
    let i = start;
    let n = 0;
    for (;;) {
      if (n === fieldCount) return false;
      const kind = kinds[n]!;
      const slot = slots[n]!;
      if (i < end && b[i] === QUOTE) {
        const s = i + 1;
        let e = s;
        while (e < end && b[e] !== QUOTE) e++;
        if (e === end) return false;
        i = e + 1;
        if (i < end && b[i] !== COMMA) return false;
        if (kind === KIND_KEY) cells[slot] = interner.get(b, s, e) ?? (ascii ? text.slice(s - start, e - start) : b.toString('utf8', s, e));
        else if (kind !== KIND_SKIP) {
          cells[slot] = ascii ? text.slice(s - start, e - start) : b.toString('utf8', s, e);
          if (kind === KIND_INT) pending[slot] = 1;
        }
      } else if (kind === KIND_INT) {
        const s = i;
        let v = 0;
        let c = 0;
        if (i < end && b[i] === MINUS) i++;
        const d0 = i;
        while (i < end && (c = b[i]!) >= 48 && c <= 57) {
          v = v * 10 + (c - 48);
          i++;
        }
        if ((i < end && c !== COMMA) || i === d0 || i - d0 > 15) {
          // Not plain digits (or too many for a double to hold exactly): toInt decides.
          while (i < end && b[i] !== COMMA) i++;
          cells[slot] = ascii ? text.slice(s - start, i - start) : b.toString('utf8', s, i);
          pending[slot] = 1;
        } else {
          nums[slot] = d0 > s ? -v : v;
          pending[slot] = 0;
        }
      } else {
        const s = i;
        while (i < end && b[i] !== COMMA) i++;
        if (kind === KIND_STR) cells[slot] = ascii ? text.slice(s - start, i - start) : b.toString('utf8', s, i);
        else if (kind === KIND_KEY) cells[slot] = interner.get(b, s, i) ?? (ascii ? text.slice(s - start, i - start) : b.toString('utf8', s, i));
      }
      n++;
      if (i >= end) return n === fieldCount;
      i++;
    }
  }

  const decode = (line: string, bytes?: Buffer, start = 0, end?: number): CdrRow => {
    const b = useBytes ? bytes ?? Buffer.from(line, 'utf8') : undefined;
    if (b && scanBytes(b, start, end ?? b.length, line)) counts.bytes++;
    else {
      counts.text++;
      const count = scanLine(line, slots, cells);
      if (count !== fieldCount) {
        throw new RowError(`expected ${fieldCount} fields, found ${count}`);
      }
      pending.fill(1);
    }
    for (let k = 0; k < intSlots.length; k++) {
      const slot = intSlots[k]!;
      if (pending[slot] === 1) nums[slot] = toInt(intKeys[k]!, cells[slot]!);
    }
    // One literal, always in the same order: every row shares one hidden class (rows built
    // key by key, with computed keys, were 3x slower to build and to read).
    const row: CdrRow = {
      recordType: int(nums, S.recordType),
      gcidCm: int(nums, S.gcidCm),
      gcidCall: int(nums, S.gcidCall),
      origLeg: int(nums, S.origLeg),
      origination: int(nums, S.origination),
      callingNumber: str(cells, S.callingNumber),
      origCause: int(nums, S.origCause),
      destLeg: int(nums, S.destLeg),
      originalCalled: str(cells, S.originalCalled),
      finalCalled: str(cells, S.finalCalled),
      destCause: int(nums, S.destCause),
      connect: int(nums, S.connect),
      disconnect: int(nums, S.disconnect),
      lastRedirectDn: str(cells, S.lastRedirectDn),
      pkid: str(cells, S.pkid),
      originalCalledPartition: str(cells, S.originalCalledPartition),
      callingPartition: str(cells, S.callingPartition),
      finalCalledPartition: str(cells, S.finalCalledPartition),
      lastRedirectDnPartition: str(cells, S.lastRedirectDnPartition),
      duration: int(nums, S.duration),
      origDevice: str(cells, S.origDevice),
      destDevice: str(cells, S.destDevice),
      origTermOnBehalfOf: int(nums, S.origTermOnBehalfOf),
      destTermOnBehalfOf: int(nums, S.destTermOnBehalfOf),
      origRedirectOnBehalfOf: int(nums, S.origRedirectOnBehalfOf),
      lastRedirectOnBehalfOf: int(nums, S.lastRedirectOnBehalfOf),
      origRedirectReason: int(nums, S.origRedirectReason),
      lastRedirectReason: int(nums, S.lastRedirectReason),
      clusterId: str(cells, S.clusterId),
      joinOnBehalfOf: int(nums, S.joinOnBehalfOf),
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
  return { layout, decode, counts };
}

function str(cells: readonly string[], slot: number): string {
  return slot < 0 ? '' : cells[slot]!;
}

function int(nums: Float64Array, slot: number): number {
  return slot < 0 ? 0 : nums[slot]!;
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
