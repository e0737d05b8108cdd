import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

/** A line longer than this (in characters) is cut and reported as malformed; CUCM rows are < 8 kB. */
export const MAX_LINE_CHARS = 1024 * 1024;
/** How much of an over-long line is kept as the discarded row's raw text. */
export const KEPT_CHARS = 64 * 1024;

export interface LineSink {
  /** Called for every line (1-based number), without its line end; `tooLong` when cut. */
  line(text: string, number: number, tooLong: boolean): void;
  /** Called after each chunk; awaited, so the sink can commit a batch (and apply back-pressure). */
  afterChunk(): Promise<void>;
}

/**
 * Streams a file as lines: LF or CRLF, a missing final newline, a UTF-8 BOM. Bytes that are not
 * UTF-8 become U+FFFD (the caller decides whether the fields it needs are affected). Memory stays
 * bounded by one chunk plus `MAX_LINE_CHARS`, whatever the file holds.
 */
export async function readLines(source: Readable, sink: LineSink): Promise<number> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let number = 0;
  let overflow = false;
  let first = true;
  const emit = (text: string, tooLong: boolean) => {
    number++;
    const t = text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
    sink.line(t, number, tooLong);
  };
  const take = (s: string) => {
    let start = 0;
    let nl: number;
    while ((nl = s.indexOf('\n', start)) !== -1) {
      if (overflow) {
        emit(rest, true);
        rest = '';
        overflow = false;
      } else {
        emit(start === 0 && rest !== '' ? rest + s.slice(0, nl) : s.slice(start, nl), false);
        if (start === 0) rest = '';
      }
      start = nl + 1;
    }
    const tail = start === 0 ? s : s.slice(start);
    if (overflow) return;
    if (rest.length + tail.length > MAX_LINE_CHARS) {
      rest = (rest + tail).slice(0, KEPT_CHARS);
      overflow = true;
    } else {
      rest = start === 0 ? rest + tail : tail;
    }
  };
  for await (const chunk of source) {
    let s = decoder.write(chunk as Buffer);
    if (first && s.length > 0) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      first = false;
    }
    take(s);
    await sink.afterChunk();
  }
  take(decoder.end());
  if (overflow) emit(rest, true);
  else if (rest !== '') emit(rest, false);
  await sink.afterChunk();
  return number;
}
