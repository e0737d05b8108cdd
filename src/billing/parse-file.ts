import { createReadStream } from 'node:fs';
import { CallBatchBuilder, TextCodes, type BufferPool } from '../db/call-batch.js';
import type { DbDiscardedRow } from '../db/tables.js';
import type { CallRating } from '../rating/call-rating.js';
import { classifyCdr, DISCARD_TEXT, type CallDraft, type DiscardReason } from './classify-call.js';
import { KEPT_CHARS, readLines } from './line-reader.js';
import {
  headerNames, isCmrHeader, isHeaderLine, isTypesLine, layoutFromFieldCount, layoutFromHeader, makeDecoder, RowError, splitLine,
  type CdrRow, type RowDecoder,
} from './parse-cdr.js';
import type { RatedSiteContext } from './site-context.js';

/**
 * Reads one CDR file into batches of call rows and discarded rows, ready to insert. No database:
 * it runs in the miner's thread for small files and in a worker thread for large ones, while the
 * miner commits the previous batch.
 */

export class FileError extends Error {
  constructor(message: string, readonly kind: 'not-cdr' | 'cmr' | 'io') {
    super(message);
    this.name = 'FileError';
  }
}

export interface ParsedBatch {
  /** The calls, in the insert format (see src/db/call-batch.ts). */
  calls: CallBatchBuilder;
  /** Call indexes whose user automatic acquisition must create (or find) first. */
  acquire: Array<{ index: number; partition: string; line: string }>;
  discards: DbDiscardedRow[];
  /** Outgoing calls with an account code that is not in the table (logged and counted). */
  unknownAccounts: Array<{ line: number; code: string }>;
  /** Outgoing calls whose destination is unknown. */
  unknownDestinations: number;
  /** Last file line this batch covers (the checkpoint once committed). */
  lastLine: number;
  /** Data rows read, and rows that yielded no call. */
  rows: number;
  discardedRows: number;
  layout: string | null;
  /** Line 1, in the first batch of a file with a header. */
  header: string | null;
}

export interface ParseOptions {
  path: string;
  /** Lines up to this one were committed before: skipped (but the header is still read). */
  start: number;
  batchSize: number;
  ctx: RatedSiteContext;
  siteId: number;
  fileId: number;
  /** Cluster id for rows whose cluster id column is empty (from the file name). */
  clusterId: string;
  now: number;
  /** Buffers to build batches in (handed back by the consumer once it stored them). */
  buffers?: BufferPool;
  /** Awaited for each batch: back-pressure comes from the consumer. Return false to stop reading. */
  onBatch(batch: ParsedBatch): Promise<boolean>;
}

export interface ParseResult {
  layout: string | null;
  headerSeen: boolean;
  stopped: boolean;
}

export async function parseCdrFile(o: ParseOptions): Promise<ParseResult> {
  const { ctx, start } = o;
  let decoder: RowDecoder | undefined;
  let headerSeen = false;
  let header: string | null = null;
  let layout: string | null = null;
  let fatal: FileError | undefined;
  let stopped = false;
  const codes = new TextCodes();
  let b = fresh(start);

  function fresh(lastLine: number): ParsedBatch {
    return {
      calls: new CallBatchBuilder(o.batchSize + (o.batchSize >> 2), codes, o.buffers), acquire: [], discards: [], unknownAccounts: [], unknownDestinations: 0, lastLine, rows: 0, discardedRows: 0,
      layout, header: null,
    };
  }

  function discard(line: number, party: 0 | 1, reason: DiscardReason, detail: string, raw: string, row?: CdrRow, ext = ''): void {
    b.discards.push({
      site_id: o.siteId, cdr_file_id: o.fileId, line, party, reason, detail,
      raw: raw.length > KEPT_CHARS ? raw.slice(0, KEPT_CHARS) : raw,
      cluster_id: row ? row.clusterId || o.clusterId : o.clusterId, pkid: row?.pkid ?? '', extension: ext, created_at: o.now, resolved_at: null,
    });
  }

  function onLine(text: string, n: number, tooLong: boolean, bytes: Buffer, from: number, to: number): void {
    if (fatal || stopped) return;
    if (n === 1 && !tooLong && isHeaderLine(text)) {
      headerSeen = true;
      let names: string[];
      try {
        names = headerNames(text);
      } catch (err) {
        fatal = new FileError(`line 1: unreadable header: ${(err as Error).message}`, 'not-cdr');
        return;
      }
      if (isCmrHeader(names)) {
        fatal = new FileError('this is a CMR (call management record) file, not a CDR file', 'cmr');
        return;
      }
      try {
        decoder = makeDecoder(layoutFromHeader(names));
        layout = decoder.layout.name;
        header = text;
      } catch (err) {
        fatal = new FileError(`line 1: ${(err as Error).message}`, 'not-cdr');
      }
      return;
    }
    if (n === 2 && headerSeen && isTypesLine(text)) return;
    if (text.trim() === '' && !tooLong) return;
    if (!decoder) {
      // No header: the layout follows from the first record's field count (123, 129 or 133).
      let found;
      try {
        found = tooLong ? undefined : layoutFromFieldCount(splitLine(text).length);
      } catch {
        found = undefined;
      }
      if (!found) {
        fatal = new FileError(
          `line ${n}: not a CUCM CDR file (neither a header naming cdrRecordType nor a record of 123, 129 or 133 fields)`,
          'not-cdr',
        );
        return;
      }
      decoder = makeDecoder(found);
      layout = found.name;
    }
    if (n <= start) return;
    b.lastLine = n;
    b.rows++;
    if (tooLong) {
      discard(n, 0, 'malformed', 'malformed row (line longer than 1 MiB)', text);
      b.discardedRows++;
      return;
    }
    let row: CdrRow;
    try {
      row = decoder.decode(text, bytes, from, to);
      if (text.includes('\uFFFD')) {
        const bad = firstInvalidField(row);
        if (bad) throw new RowError(`${bad}: not valid UTF-8`);
      }
    } catch (err) {
      discard(n, 0, 'malformed', `malformed row (${(err as Error).message})`, text);
      b.discardedRows++;
      return;
    }
    const classified = classifyCdr(row, ctx);
    for (const d of classified.discards) {
      discard(n, d.party, d.reason, `${DISCARD_TEXT[d.reason]}: ${d.detail}`, text, row, d.extension);
    }
    if (classified.calls.length === 0) b.discardedRows++;
    if (classified.calls.length > 0 && (text.includes('\u001f') || text.includes('\u001e'))) b.calls.markUnusualText();
    for (const c of classified.calls) {
      if (c.userId === null && c.direction !== 'tandem' && ctx.autoAcquire) {
        b.acquire.push({ index: b.calls.count, partition: c.partition, line: c.line });
      }
      const rating = ctx.rater ? rateDraft(ctx, c) : null;
      if (rating?.unknownAccount) b.unknownAccounts.push({ line: n, code: c.accountCode });
      if (rating?.unknownDestination) b.unknownDestinations++;
      addCall(b.calls, row, c, o.siteId, o.fileId, n, o.clusterId, rating);
    }
  }

  async function flush(): Promise<void> {
    const batch = b;
    b = fresh(batch.lastLine);
    batch.layout = layout;
    if (header !== null) {
      batch.header = header;
      header = null;
    }
    if (!(await o.onBatch(batch))) stopped = true;
  }

  const source = createReadStream(o.path, { highWaterMark: 256 * 1024 });
  try {
    await readLines(source, {
      line: onLine,
      afterChunk: async () => {
        b.calls.seal();
        if (fatal || stopped) {
          source.destroy();
          return;
        }
        if (b.rows >= o.batchSize) {
          await flush();
          if (stopped) source.destroy();
        }
      },
    });
  } catch (err) {
    if (!fatal && !stopped) throw new FileError(`cannot read ${o.path}: ${(err as Error).message}`, 'io');
  }
  if (stopped) return { layout, headerSeen, stopped };
  if (fatal) throw fatal;
  await flush();
  return { layout, headerSeen, stopped };
}

function firstInvalidField(row: CdrRow): string | undefined {
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === 'string' && value.includes('\uFFFD')) return key;
  }
  return undefined;
}

/** Classifies the destination of a call and rates it with the site's tariffs and account codes. */
export function rateDraft(ctx: RatedSiteContext, c: CallDraft): CallRating | null {
  if (!ctx.rater) return null;
  return ctx.rater.rate({
    direction: c.direction, userId: c.userId, dialedNumber: c.dialedNumber, remoteNumber: c.remoteNumber,
    gatewayTariff: c.gateway !== '' ? ctx.gatewayFor(c.gateway)?.tariff ?? null : null,
    startAt: c.startAt, durationS: c.durationS, answered: c.answered, accountCode: c.accountCode,
  });
}

/**
 * Appends a call to a batch, in NUM_COLUMNS, CODED_COLUMNS then TEXT_COLUMNS order (checked by a
 * unit test). Without a rating (rating off) the call is stored unrated: no cost, the classifier's
 * coarse type.
 */
export function addCall(
  b: CallBatchBuilder, row: CdrRow, c: CallDraft, siteId: number, fileId: number, line: number, fallbackCluster: string, r: CallRating | null,
): void {
  b.num(siteId);
  b.num(row.gcidCm * 16777216 + row.gcidCall);
  b.num(c.party);
  b.num(c.answered);
  b.num(c.startAt);
  b.num(c.ringS);
  b.num(c.durationS);
  b.num(c.userId);
  b.num(row.origCause);
  b.num(row.destCause);
  b.num(c.redirected);
  b.num(c.transferred);
  b.num(c.conference);
  b.num(c.direction === 'outgoing' || c.direction === 'tandem' ? row.destLeg : row.origLeg);
  b.num(r ? r.cost : null);
  b.num(fileId);
  b.num(line);
  b.code(row.clusterId || fallbackCluster);
  b.code(c.direction);
  b.code(c.extension);
  b.code(c.partition);
  b.code(c.gateway);
  b.code(r ? r.destinationType : c.destinationType);
  b.code(r ? r.currency : null);
  b.code(r ? r.nation : '');
  b.code(r ? r.area : '');
  b.code(r ? r.carrier : '');
  b.code(r ? r.tariffCode : '');
  b.code(r ? r.costCenter : '');
  b.code(r ? r.accountName : '');
  b.text(row.pkid);
  b.text(r ? r.remoteNumber : c.remoteNumber);
  b.text(r ? r.dialedNumber : c.dialedNumber);
  b.text(c.accountCode);
  b.text(row.lastRedirectDn);
  b.end();
}
