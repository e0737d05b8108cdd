import type { DbCallRow } from './tables.js';

/**
 * A batch of calls to insert, in the form that is cheapest to build, to send from the parser
 * worker to the miner's thread (the Float64Array's buffer is transferred, the text travels as
 * one string) and to bind: numeric columns (booleans as 0/1, null as NaN) in one Float64Array,
 * text columns in one array. JSON or structured cloning of row objects took a third of the
 * miner thread's time.
 */

export const NUM_COLUMNS = [
  'site_id', 'gcid', 'party', 'answered', 'start_at', 'ring_s', 'duration_s', 'user_id', 'orig_cause', 'dest_cause',
  'redirected', 'transferred', 'conference', 'trunk_leg', 'cost', 'cdr_file_id', 'cdr_line',
] as const satisfies ReadonlyArray<keyof DbCallRow>;
export const TEXT_COLUMNS = [
  'cluster_id', 'pkid', 'direction', 'extension', 'partition', 'remote_number', 'dialed_number', 'gateway',
  'destination_type', 'account_code', 'last_redirect_dn', 'currency', 'nation', 'area', 'carrier', 'tariff_code', 'cost_center',
  'account_name',
] as const satisfies ReadonlyArray<keyof DbCallRow>;
/** Insert column order: the numeric columns, then the text ones. */
export const BATCH_COLUMNS: readonly string[] = [...NUM_COLUMNS, ...TEXT_COLUMNS];

const NUMS = NUM_COLUMNS.length;
const TEXTS = TEXT_COLUMNS.length;
const USER_ID = NUM_COLUMNS.indexOf('user_id');
const SEP = '\u001f';
const NULL_TEXT = '\u001e';

export interface CallBatch {
  count: number;
  nums: Float64Array;
  texts: string[];
}

/** The wire form of a CallBatch between threads. */
export interface CallBatchWire {
  count: number;
  nums: Float64Array;
  /** Texts joined by U+001F; JSON when a value holds U+001E or U+001F. */
  text: string;
  json: boolean;
}

/**
 * Builds a batch call by call: `num()` for each NUM_COLUMNS and `text()` for each TEXT_COLUMNS, in
 * column order. `seal()` (the parser calls it after each chunk of the file) joins the texts added
 * so far into one string: the values are slices of the chunk's text, and holding them until the
 * batch is sent kept every chunk alive long enough to be promoted to the old generation, where
 * the parser thread's garbage piled up as some 60 MB of RSS between full collections.
 */
export class CallBatchBuilder {
  count = 0;
  private nums: Float64Array;
  private n = 0;
  private texts: string[] = [];
  /** Texts already sealed, each segment the SEP-joined values of whole calls. */
  private segments: string[] = [];
  private plain = true;

  /** `expected`: about how many calls the batch will hold (sizes the numeric buffer). */
  constructor(expected = 1024) {
    this.nums = new Float64Array(Math.max(16, expected) * NUMS);
  }

  num(v: number | boolean | null): void {
    if (this.n === this.nums.length) {
      const bigger = new Float64Array(this.nums.length * 2);
      bigger.set(this.nums);
      this.nums = bigger;
    }
    this.nums[this.n++] = v === null ? NaN : typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }

  text(s: string | null): void {
    this.texts.push(s === null ? NULL_TEXT : s);
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
    if (this.segments.length === 0) return this.texts;
    return [...this.segments.flatMap((seg) => seg.split(SEP)), ...this.texts];
  }

  build(): CallBatch {
    return { count: this.count, nums: this.nums.slice(0, this.n), texts: this.allTexts() };
  }

  /** The batch in wire form; `nums.buffer` is the thing to transfer. */
  wire(): CallBatchWire {
    const nums = this.nums.slice(0, this.n);
    if (!this.plain) return { count: this.count, nums, text: JSON.stringify(this.allTexts()), json: true };
    this.seal();
    return { count: this.count, nums, text: this.segments.join(SEP), json: false };
  }
}

export function fromWire(w: CallBatchWire): CallBatch {
  const texts = w.json ? (JSON.parse(w.text) as string[]) : w.count === 0 ? [] : w.text.split(SEP);
  return { count: w.count, nums: w.nums, texts };
}

/** Writes the values of call `index`, in BATCH_COLUMNS order, into `out` from position `at`. */
export function copyCall(batch: CallBatch, index: number, out: unknown[], at: number): void {
  let p = at;
  const nb = index * NUMS;
  for (let k = 0; k < NUMS; k++) {
    const v = batch.nums[nb + k]!;
    // NaN is null; int32 values go out as small integers (`| 0`), which bind as SQLite integers
    // without a float conversion (a Float64Array read alone yields a heap number).
    out[p++] = v !== v ? null : v >= -2147483648 && v <= 2147483647 ? v | 0 : v;
  }
  const tb = index * TEXTS;
  for (let k = 0; k < TEXTS; k++) {
    const s = batch.texts[tb + k]!;
    out[p++] = s === NULL_TEXT ? null : s;
  }
}

export function setUserId(batch: CallBatch, index: number, userId: number): void {
  batch.nums[index * NUMS + USER_ID] = userId;
}

/** The distinct user ids of a batch. */
export function userIdsOf(batch: CallBatch): Set<number> {
  const ids = new Set<number>();
  for (let i = 0; i < batch.count; i++) {
    const v = batch.nums[i * NUMS + USER_ID]!;
    if (v === v) ids.add(v);
  }
  return ids;
}

export const BATCH_WIDTH = NUMS + TEXTS;

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
      const v = batch.nums[r * NUMS + k]!;
      col[r] = v !== v ? NULL_TEXT : String(v);
    }
    out.push(col.join(SEP));
  }
  for (let k = 0; k < TEXTS; k++) {
    for (let r = 0; r < batch.count; r++) {
      const s = batch.texts[r * TEXTS + k]!;
      if (s !== NULL_TEXT && (s.includes(SEP) || s.includes(NULL_TEXT))) return undefined;
      col[r] = s;
    }
    out.push(col.join(SEP));
  }
  return out;
}
