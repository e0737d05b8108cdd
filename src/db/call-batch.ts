import type { DbCallRow } from './tables.js';

/**
 * A batch of calls to insert, in the form that is cheapest to build, to send from the parser
 * worker to the miner's thread and to bind:
 * - numeric columns (booleans as 0/1, null as NaN) in one Float64Array, which is transferred;
 * - text columns with few distinct values (a site's clusters, partitions, lines, gateways,
 *   tariffs, cost centres; fixed sets like the direction) as numeric codes in the same array,
 *   into a dictionary of their values that grows with the file: a batch carries only the values
 *   new since the one before, so the receiving thread binds the same flat strings again and again;
 * - the other text columns (pkid, numbers, account code) joined into one string per batch.
 * JSON or structured cloning of row objects took a third of the miner thread's time; sending
 * every text value joined cost the parser thread about a tenth.
 */

export const NUM_COLUMNS = [
  'site_id', 'gcid', 'party', 'answered', 'start_at', 'ring_s', 'duration_s', 'user_id', 'orig_cause', 'dest_cause',
  'redirected', 'transferred', 'conference', 'trunk_leg', 'cost', 'cdr_file_id', 'cdr_line',
] as const satisfies ReadonlyArray<keyof DbCallRow>;
/** Text columns sent as dictionary codes. */
export const CODED_COLUMNS = [
  'cluster_id', 'direction', 'extension', 'partition', 'gateway', 'destination_type', 'currency', 'nation', 'area', 'carrier',
  'tariff_code', 'cost_center', 'account_name',
] as const satisfies ReadonlyArray<keyof DbCallRow>;
/** Text columns sent as text. */
export const TEXT_COLUMNS = ['pkid', 'remote_number', 'dialed_number', 'account_code', 'last_redirect_dn'] as const satisfies ReadonlyArray<keyof DbCallRow>;
/** Insert column order: the numeric columns, the coded ones, then the text ones. */
export const BATCH_COLUMNS: readonly string[] = [...NUM_COLUMNS, ...CODED_COLUMNS, ...TEXT_COLUMNS];

const NUMS = NUM_COLUMNS.length;
const CODED = CODED_COLUMNS.length;
/** Numbers per call in the Float64Array: the numeric columns, then the codes. */
const STRIDE = NUMS + CODED;
const TEXTS = TEXT_COLUMNS.length;
const USER_ID = NUM_COLUMNS.indexOf('user_id');
/** Position of the one nullable text column among the numbers (after the numeric columns). */
const CURRENCY = NUMS + CODED_COLUMNS.indexOf('currency');
const SEP = '\u001f';
const NULL_TEXT = '\u001e';
export const BATCH_WIDTH = NUMS + CODED + TEXTS;

/**
 * A dictionary that grows past this many values is started afresh at the next batch: a file whose
 * "few" values are not few (a generated file, an unusual column) costs a little speed, never
 * unbounded memory.
 */
export const MAX_CODES = 65_536;

/**
 * The parser's side of the dictionary: one per file being parsed, shared by its batches.
 * `values` is replaced (not emptied) when the dictionary starts afresh, so a batch already built
 * keeps the values its codes refer to.
 */
export class TextCodes {
  private ids = new Map<string, number>();
  values: string[] = [];
  /** Per coded column, its last value and code: most columns repeat from call to call. */
  private readonly lastValue: Array<string | undefined> = new Array<string | undefined>(CODED).fill(undefined);
  private readonly lastCode = new Int32Array(CODED);

  /** The code of value `s` of coded column number `column` (0-based within CODED_COLUMNS). */
  code(s: string, column: number): number {
    if (this.lastValue[column] === s) return this.lastCode[column]!;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(s, id);
      this.values.push(s);
    }
    this.lastValue[column] = s;
    this.lastCode[column] = id;
    return id;
  }

  /** Called as a batch starts: true when the dictionary was started afresh for it. */
  beginBatch(): boolean {
    if (this.values.length < MAX_CODES) return false;
    this.ids = new Map();
    this.values = [];
    this.lastValue.fill(undefined);
    return true;
  }
}

/**
 * Buffers of sent batches that the miner's thread handed back once it stored them, for the next
 * batches: the parser then allocates none in a steady run, and neither thread depends on its
 * collector to give back the memory of transferred buffers (the miner's thread, mostly waiting on
 * PostgreSQL, held some 40 MB of them).
 */
export class BufferPool {
  private free: ArrayBuffer[] = [];

  constructor(private readonly max = 64) {}

  /** The smallest buffer of at least `bytes`, or undefined. */
  take(bytes: number): ArrayBuffer | undefined {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i]!.byteLength;
      if (size >= bytes && (best === -1 || size < this.free[best]!.byteLength)) best = i;
    }
    return best === -1 ? undefined : this.free.splice(best, 1)[0];
  }

  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength > 0 && this.free.length < this.max) this.free.push(buffer);
  }
}

/** The receiving side of a dictionary: apply each batch's `CodesDelta` in batch order. */
export class CodeTable {
  values: string[] = [];

  apply(d: CodesDelta): readonly string[] {
    if (d.reset) this.values = [];
    // Deltas apply in batch order, each where the one before ended: anything else is a bug that
    // would store wrong texts, so it stops the file instead.
    if (d.from !== this.values.length) throw new Error(`call batch dictionary out of step: delta from ${d.from}, table holds ${this.values.length}`);
    for (const v of d.added) this.values.push(v);
    return this.values;
  }
}

export interface CodesDelta {
  /** The dictionary started afresh with this batch. */
  reset: boolean;
  /** The code of the first value added (how many values the dictionary held before). */
  from: number;
  /** Values new with this batch, in code order. */
  added: string[];
}

export interface CallBatch {
  count: number;
  /** STRIDE numbers per call: NUM_COLUMNS values then CODED_COLUMNS codes. */
  nums: Float64Array;
  /** TEXT_COLUMNS values per call. */
  texts: string[];
  /** The dictionary the codes refer to. */
  codes: readonly string[];
  /**
   * A batch received from another thread: its texts as they came, UTF-8 joined by U+001F
   * (undefined when they came as JSON). `eachCall` reads them from here one value at a time.
   */
  readonly joined?: Buffer | undefined;
}

/**
 * The wire form of a CallBatch between threads, with `nums.buffer` and `text.buffer` in the
 * transfer list. The texts travel as bytes, not as a string: a received string is made when the
 * message arrives, and the batches waiting their turn kept theirs alive through the miner thread's
 * young-generation collections, into the old generation, where they piled up.
 */
export interface CallBatchWire {
  count: number;
  nums: Float64Array;
  /** The texts as UTF-8, joined by U+001F; JSON when a value holds U+001E or U+001F. */
  text: Uint8Array;
  json: boolean;
  codes: CodesDelta;
}

/** `s` as UTF-8 in a buffer of its own (from `pool` when it has one large enough), to transfer. */
export function utf8Bytes(s: string, pool?: BufferPool): Uint8Array {
  const n = Buffer.byteLength(s, 'utf8');
  // A multiple of 8, so that the buffer, handed back, can hold a batch's numbers too.
  const size = Math.max(8, (n + 7) & ~7);
  const buffer = pool?.take(size) ?? new ArrayBuffer(size);
  return new Uint8Array(buffer, 0, Buffer.from(buffer).write(s, 0, 'utf8'));
}

/** The text of UTF-8 bytes made by utf8Bytes. */
export function utf8Text(bytes: Uint8Array): string {
  return bytes.byteLength === 0 ? '' : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * Builds a batch call by call: `num()` for each NUM_COLUMNS, `code()` for each CODED_COLUMNS and
 * `text()` for each TEXT_COLUMNS, in column order. `seal()` (the parser calls it after each chunk
 * of the file) joins the texts added so far into one string: values sliced from a line keep the
 * line alive, and holding them until the batch is sent made the parser's garbage pile up in the
 * old generation.
 */
export class CallBatchBuilder {
  count = 0;
  private nums: Float64Array;
  private n = 0;
  private texts: string[] = [];
  /** Texts already sealed, each segment the SEP-joined values of whole calls. */
  private segments: string[] = [];
  private plain = true;
  private readonly dict: TextCodes;
  /** The dictionary's values as this batch started, and how many there were then. */
  private readonly dictValues: string[];
  private readonly dictFrom: number;
  private readonly dictReset: boolean;

  /** `expected`: about how many calls the batch will hold (sizes the numeric buffer). */
  constructor(expected = 1024, codes = new TextCodes(), private readonly pool?: BufferPool) {
    const bytes = Math.max(16, expected) * STRIDE * 8;
    const reused = pool?.take(bytes);
    this.nums = reused ? new Float64Array(reused, 0, reused.byteLength >> 3) : new Float64Array(bytes / 8);
    this.dict = codes;
    this.dictReset = codes.beginBatch();
    this.dictValues = codes.values;
    this.dictFrom = codes.values.length;
  }

  num(v: number | boolean | null): void {
    if (this.n === this.nums.length) this.grow();
    this.nums[this.n++] = v === null ? NaN : typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }

  /** A value of a CODED_COLUMNS column (null for NULL). */
  code(s: string | null): void {
    if (this.n === this.nums.length) this.grow();
    const at = this.n;
    this.nums[this.n++] = s === null ? NaN : this.dict.code(s, (at % STRIDE) - NUMS);
  }

  text(s: string | null): void {
    this.texts.push(s === null ? NULL_TEXT : s);
  }

  private grow(): void {
    const bigger = new Float64Array(this.nums.length * 2);
    bigger.set(this.nums);
    this.pool?.give(this.nums.buffer as ArrayBuffer);
    this.nums = bigger;
  }

  /**
   * Call before adding a call whose values may hold U+001E/U+001F (the parser checks each raw
   * line once): the batch then travels as JSON.
   */
  markUnusualText(): void {
    this.plain = false;
  }

  end(): void {
    this.count++;
  }

  /** Copies the texts added so far into one string (call between calls, never inside one). */
  seal(): void {
    if (!this.plain || this.texts.length === 0) return;
    this.segments.push(this.texts.join(SEP));
    this.texts.length = 0;
  }

  private allTexts(): string[] {
    if (this.segments.length === 0) return [...this.texts];
    return [...this.segments.flatMap((seg) => seg.split(SEP)), ...this.texts];
  }

  /**
   * The batch, for this thread. Its numbers are a view of the builder's: add nothing after this.
   * (Copies of the numbers, and of a batch's COPY text, were a megabyte of short-lived buffers per
   * batch, and glibc kept much of that memory.)
   */
  build(): CallBatch {
    return { count: this.count, nums: this.nums.subarray(0, this.n), texts: this.allTexts(), codes: this.dictValues };
  }

  /**
   * The batch in wire form, to send to another thread with `nums.buffer` in the transfer list:
   * the builder's own buffer goes, no copy is made. Add nothing after this.
   */
  wire(): CallBatchWire {
    const nums = this.nums.subarray(0, this.n);
    const codes = { reset: this.dictReset, from: this.dictFrom, added: this.dictValues.slice(this.dictFrom) };
    if (!this.plain) return { count: this.count, nums, text: utf8Bytes(JSON.stringify(this.allTexts()), this.pool), json: true, codes };
    this.seal();
    return { count: this.count, nums, text: utf8Bytes(this.segments.join(SEP), this.pool), json: false, codes };
  }
}

/** A batch received from the parser: `table` is the receiver's dictionary, updated in batch order. */
export function fromWire(w: CallBatchWire, table: CodeTable): CallBatch {
  const codes = table.apply(w.codes);
  // The texts are decoded when first read: a PostgreSQL batch that comes with its COPY text never
  // needs them (unless it holds calls stored before).
  let texts: string[] | undefined;
  const plain = !w.json && w.count > 0;
  return {
    count: w.count, nums: w.nums, codes,
    joined: plain ? Buffer.from(w.text.buffer, w.text.byteOffset, w.text.byteLength) : undefined,
    get texts() {
      return (texts ??= w.json ? (JSON.parse(utf8Text(w.text)) as string[]) : plain ? utf8Text(w.text).split(SEP) : []);
    },
  };
}

/** Text columns that are NOT NULL: all but the currency. */
export const NOT_NULL_TEXT_COLUMNS: readonly string[] = [...CODED_COLUMNS, ...TEXT_COLUMNS].filter((c) => c !== 'currency');

/**
 * Writes the values of call `index`, in BATCH_COLUMNS order, into `out` from position `at`.
 * With `emptyAsNull`, the empty texts of NOT_NULL_TEXT_COLUMNS are written as null, for an
 * insert that turns them back into '' (binding a null costs SQLite's driver much less than a
 * string, and most calls have several empty columns).
 */
export function copyCall(batch: CallBatch, index: number, out: unknown[], at: number, emptyAsNull = false): void {
  copyCoded(batch, index, out, at, emptyAsNull);
  copyTexts(batch, index, out, at, emptyAsNull);
}

/** The TEXT_COLUMNS values of call `index` (the last TEXTS of BATCH_COLUMNS), from `batch.texts`. */
function copyTexts(batch: CallBatch, index: number, out: unknown[], at: number, emptyAsNull: boolean): void {
  const texts = batch.texts;
  const tb = index * TEXTS;
  let p = at + STRIDE;
  for (let k = 0; k < TEXTS; k++) {
    const s = texts[tb + k]!;
    out[p++] = s === NULL_TEXT || (emptyAsNull && s === '') ? null : s;
  }
}

/**
 * Calls `each` with the values of every call of the batch in turn, in BATCH_COLUMNS order, in one
 * reused array (`emptyAsNull` as for copyCall). A received batch's texts are decoded a few calls
 * at a time, so that no string lives long: the miner's thread allocates mostly while it inserts,
 * so its young-generation collections come mid-batch, and a batch's texts decoded or split all at
 * once were mostly moved to the old generation, where they piled up until a full collection (some
 * 80 MB at a time, and the time to copy them).
 *
 * `codesAsUtf8`: the dictionary-coded texts come as Buffers of their UTF-8, made once per value
 * of the dictionary, for an insert that CASTs them to text (SQLite): the driver converts a string
 * to UTF-8 at every bind, and these few values are bound again and again (about a tenth of the
 * SQLite insert's time per call, measured on thirteen such columns).
 */
export function eachCall(
  batch: CallBatch, emptyAsNull: boolean, each: (values: unknown[]) => void, options: { codesAsUtf8?: boolean } = {},
): void {
  const out = new Array<unknown>(BATCH_WIDTH);
  let utf8: Array<Buffer | undefined> | undefined;
  if (options.codesAsUtf8) {
    utf8 = utf8Codes.get(batch.codes);
    if (!utf8) utf8Codes.set(batch.codes, (utf8 = []));
  }
  const joined = batch.joined;
  if (joined === undefined) {
    for (let r = 0; r < batch.count; r++) {
      copyCoded(batch, r, out, 0, emptyAsNull, utf8);
      copyTexts(batch, r, out, 0, emptyAsNull);
      each(out);
    }
    return;
  }
  const end = joined.length;
  /** Next byte of `joined` to decode; the decoded texts of the current calls; next value in them. */
  let pos = 0;
  let chunk = '';
  let from = 0;
  for (let r = 0; r < batch.count; r++) {
    if (r % CHUNK_CALLS === 0) {
      // Up to the separator after the last value of the next CHUNK_CALLS calls (or the end).
      const values = Math.min(CHUNK_CALLS, batch.count - r) * TEXTS;
      let seps = 0;
      let to = pos;
      while (to < end && (joined[to] !== SEP_BYTE || ++seps < values)) to++;
      chunk = joined.toString('utf8', pos, to);
      pos = to + 1;
      from = 0;
    }
    copyCoded(batch, r, out, 0, emptyAsNull, utf8);
    for (let k = 0, p = STRIDE; k < TEXTS; k++, p++) {
      let to = chunk.indexOf(SEP, from);
      if (to === -1) to = chunk.length;
      if (to === from) out[p] = emptyAsNull ? null : '';
      else if (to === from + 1 && chunk.charCodeAt(from) === NULL_CODE) out[p] = null;
      else out[p] = chunk.slice(from, to);
      from = to + 1;
    }
    each(out);
  }
}

/** Calls whose texts eachCall decodes at a time. */
const CHUNK_CALLS = 32;
const SEP_BYTE = SEP.charCodeAt(0);
const NULL_CODE = NULL_TEXT.charCodeAt(0);

/** The numeric and coded values of call `index` (the first STRIDE of BATCH_COLUMNS). */
function copyCoded(batch: CallBatch, index: number, out: unknown[], at: number, emptyAsNull: boolean, utf8?: Array<Buffer | undefined>): void {
  let p = at;
  const nums = batch.nums;
  const nb = index * STRIDE;
  for (let k = 0; k < NUMS; k++) {
    const v = nums[nb + k]!;
    // NaN is null; int32 values go out as small integers (`| 0`), which bind as SQLite integers
    // without a float conversion (a Float64Array read alone yields a heap number).
    out[p++] = v !== v ? null : v >= -2147483648 && v <= 2147483647 ? v | 0 : v;
  }
  const codes = batch.codes;
  for (let k = NUMS; k < STRIDE; k++) {
    const c = nums[nb + k]!;
    const s = c !== c ? null : codes[c]!;
    out[p++] = (emptyAsNull && s === '' && k !== CURRENCY) || s === null ? null : utf8 ? (utf8[c] ??= Buffer.from(s, 'utf8')) : s;
  }
}

/** Per dictionary, its values as UTF-8 (made when first used): see eachCall's `codesAsUtf8`. */
const utf8Codes = new WeakMap<readonly string[], Array<Buffer | undefined>>();

export function setUserId(batch: CallBatch, index: number, userId: number): void {
  batch.nums[index * STRIDE + USER_ID] = userId;
}

/** The distinct user ids of a batch. */
export function userIdsOf(batch: CallBatch): Set<number> {
  const ids = new Set<number>();
  for (let i = 0; i < batch.count; i++) {
    const v = batch.nums[i * STRIDE + USER_ID]!;
    if (v === v) ids.add(v);
  }
  return ids;
}

/**
 * The batch as one text per column, values joined by U+001F with U+001E for null (what
 * PostgreSQL's `string_to_array(col, chr(31), chr(30))` reads back). Undefined when a text value
 * holds either character (the caller then falls back to array parameters).
 */
export function columnTexts(batch: CallBatch): string[] | undefined {
  const out: string[] = [];
  const col = new Array<string>(batch.count);
  for (let k = 0; k < NUMS; k++) {
    for (let r = 0; r < batch.count; r++) {
      const v = batch.nums[r * STRIDE + k]!;
      col[r] = v !== v ? NULL_TEXT : String(v);
    }
    out.push(col.join(SEP));
  }
  const unusual = (s: string) => s.includes(SEP) || s.includes(NULL_TEXT);
  for (let k = NUMS; k < STRIDE; k++) {
    for (let r = 0; r < batch.count; r++) {
      const c = batch.nums[r * STRIDE + k]!;
      const s = c !== c ? NULL_TEXT : batch.codes[c]!;
      if (c === c && unusual(s)) return undefined;
      col[r] = s;
    }
    out.push(col.join(SEP));
  }
  for (let k = 0; k < TEXTS; k++) {
    for (let r = 0; r < batch.count; r++) {
      const s = batch.texts[r * TEXTS + k]!;
      if (s !== NULL_TEXT && unusual(s)) return undefined;
      col[r] = s;
    }
    out.push(col.join(SEP));
  }
  return out;
}

/**
 * The batch in COPY's text format: one line per call, values in BATCH_COLUMNS order separated by
 * tabs, `\N` for null, booleans as 1/0 (valid boolean input), and backslash escapes for the
 * characters the format reserves.
 */
export function copyTextOf(calls: CallBatch): string {
  const lines = new Array<string>(calls.count);
  for (let r = 0; r < calls.count; r++) lines[r] = copyLine(calls, r);
  return lines.join('\n') + '\n';
}

const copyRow = new Array<unknown>(BATCH_WIDTH);
const copyCells = new Array<string>(BATCH_WIDTH);

/** Call `r` as one line of COPY text, without its line end. */
function copyLine(calls: CallBatch, r: number): string {
  copyCall(calls, r, copyRow, 0);
  for (let c = 0; c < BATCH_WIDTH; c++) {
    const v = copyRow[c];
    copyCells[c] = v === null ? '\\N' : typeof v === 'string' ? (COPY_SPECIAL.test(v) ? v.replace(COPY_ESCAPES, escapeCopy) : v) : String(v);
  }
  return copyCells.join('\t');
}

/**
 * The same text as UTF-8 bytes, written line by line into one buffer of its own (transferable
 * between threads). The parser worker sends this rather than a string: a string of a batch is a
 * large object, which V8 frees only in a full collection, and the miner's thread, mostly idle
 * while PostgreSQL works, let some 100 MB of them pile up.
 */
export function copyBytesOf(calls: CallBatch, pool?: BufferPool): Uint8Array {
  const first = Math.max(4096, calls.count * 320) & ~7;
  let buf = Buffer.from(pool?.take(first) ?? new ArrayBuffer(first));
  let at = 0;
  for (let r = 0; r < calls.count; r++) {
    const line = copyLine(calls, r);
    // A UTF-16 unit takes at most 3 bytes of UTF-8; +1 for the line end.
    if (at + line.length * 3 + 1 > buf.length) {
      // A multiple of 8, so that the buffer, handed back, can hold a batch's numbers too.
      const bigger = Buffer.from(new ArrayBuffer((Math.max(buf.length * 2, at + line.length * 3 + 1) + 7) & ~7));
      buf.copy(bigger, 0, 0, at);
      pool?.give(buf.buffer as ArrayBuffer);
      buf = bigger;
    }
    at += buf.write(line, at, 'utf8');
    buf[at++] = 10;
  }
  return new Uint8Array(buf.buffer, 0, at);
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES = /[\\\t\n\r]/g;
const escapeCopy = (ch: string): string => (ch === '\\' ? '\\\\' : ch === '\t' ? '\\t' : ch === '\n' ? '\\n' : '\\r');
