import type { Readable } from 'node:stream';

/** A line longer than this (in bytes) is cut and reported as malformed; CUCM rows are < 8 kB. */
export const MAX_LINE_BYTES = 1024 * 1024;
/** How much of an over-long line is kept as the discarded row's raw text (bytes, so at most as many characters). */
export const KEPT_CHARS = 64 * 1024;

export interface LineSink {
  /**
   * Called for every line (1-based number), without its line end; `tooLong` when cut.
   * `bytes[start..end)` are the line's bytes (without line end and BOM), valid during the call only.
   */
  line(text: string, number: number, tooLong: boolean, bytes: Buffer, start: number, end: number): void;
  /** Called after each chunk; awaited, so the sink can commit a batch (and apply back-pressure). */
  afterChunk(): Promise<void>;
}

const LF = 10;
const CR = 13;

/**
 * Streams a file as lines: LF or CRLF, a missing final newline, a UTF-8 BOM. Bytes that are not
 * UTF-8 become U+FFFD (the caller decides whether the fields it needs are affected). Memory stays
 * bounded by one chunk plus `MAX_LINE_BYTES`, whatever the file holds.
 *
 * Each line is decoded from the chunk's bytes on its own (a line feed byte never occurs inside a
 * UTF-8 sequence), not sliced from a decoded chunk: a value the caller keeps from a line (a
 * slice) then keeps that line alive, not the whole chunk's text. Kept slices of 256 kB chunk
 * texts made the parser promote every chunk to the old generation.
 */
export async function readLines(source: Readable, sink: LineSink): Promise<number> {
  /** Start of the line in progress, from earlier chunks (copies, at most MAX_LINE_BYTES). */
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflow = false;
  let number = 0;
  const emit = (bytes: Buffer, start: number, end: number, tooLong: boolean) => {
    number++;
    if (number === 1 && end - start >= 3 && bytes[start] === 0xef && bytes[start + 1] === 0xbb && bytes[start + 2] === 0xbf) start += 3;
    if (end > start && bytes[end - 1] === CR) end--;
    sink.line(bytes.toString('utf8', start, end), number, tooLong, bytes, start, end);
  };
  const emitPending = (tail: Buffer | undefined) => {
    if (overflow) {
      const all = Buffer.concat(pending);
      emit(all, 0, all.length, true);
    } else {
      const all = Buffer.concat(tail ? [...pending, tail] : pending);
      emit(all, 0, all.length, false);
    }
    pending = [];
    pendingBytes = 0;
    overflow = false;
  };
  const keep = (piece: Buffer) => {
    if (overflow || piece.length === 0) return;
    if (pendingBytes + piece.length > MAX_LINE_BYTES) {
      const kept = Buffer.concat([...pending, piece.subarray(0, Math.max(0, KEPT_CHARS - pendingBytes))]);
      pending = [kept.subarray(0, Math.min(kept.length, KEPT_CHARS))];
      pendingBytes = pending[0]!.length;
      overflow = true;
      return;
    }
    // A copy: a view would keep the whole chunk alive.
    pending.push(Buffer.from(piece));
    pendingBytes += piece.length;
  };
  for await (const chunk of source) {
    const buf = chunk as Buffer;
    let start = 0;
    let nl: number;
    while ((nl = buf.indexOf(LF, start)) !== -1) {
      const length = nl - start;
      if (pendingBytes > 0 || overflow || length > MAX_LINE_BYTES) {
        if (overflow || pendingBytes + length > MAX_LINE_BYTES) {
          keep(buf.subarray(start, nl));
          emitPending(undefined);
        } else emitPending(buf.subarray(start, nl));
      } else {
        emit(buf, start, nl, false);
      }
      start = nl + 1;
    }
    if (start < buf.length) keep(buf.subarray(start));
    await sink.afterChunk();
  }
  if (pendingBytes > 0 || overflow) emitPending(undefined);
  await sink.afterChunk();
  return number;
}
