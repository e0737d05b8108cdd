import { createReadStream } from 'node:fs';
import type { Logger } from 'pino';
import type { Db } from '../db/knex.js';
import { checkpointFile, setFileHeader } from '../db/queries/cdr-files.js';
import { insertCalls } from '../db/queries/insert-calls.js';
import { insertDiscarded } from '../db/queries/insert-discarded.js';
import { ensureAnonymousUser } from '../db/queries/users.js';
import type { DbCallRow, DbCdrFileRow, DbDiscardedRow } from '../db/tables.js';
import { classifyCdr, DISCARD_TEXT, type CallDraft, type DiscardReason, type SiteContext } from './classify-call.js';
import { KEPT_CHARS, readLines } from './line-reader.js';
import {
  headerNames, isCmrHeader, isHeaderLine, isTypesLine, layoutFromFieldCount, layoutFromHeader, makeDecoder, RowError, splitLine,
  type CdrRow, type RowDecoder,
} from './parse-cdr.js';

/**
 * Mines one spooled CDR file into calls and discarded rows, in batches. Each batch is one
 * transaction that also moves the file's checkpoint, so a process killed at any moment resumes
 * after the last committed line and stores every call exactly once.
 */

export class FileError extends Error {
  constructor(message: string, readonly kind: 'not-cdr' | 'cmr' | 'io') {
    super(message);
    this.name = 'FileError';
  }
}

export interface MineResult {
  rows: number;
  stored: number;
  duplicates: number;
  discarded: number;
  layout: string | null;
}

export interface StoredBatch {
  siteId: number;
  fileId: number;
  /** Calls that were new in this batch. */
  stored: number;
  users: Set<number>;
}

export interface MineOptions {
  db: Db;
  log: Logger;
  file: DbCdrFileRow;
  path: string;
  site: { id: number; code: string };
  ctx: SiteContext;
  batchSize: number;
  /** Fallback cluster id (from the file name) for rows whose cluster id column is empty. */
  clusterId: string;
  now: () => number;
  leaseUntil: () => number;
  onBatch?: (batch: StoredBatch) => void;
  /** Checked after each committed batch: true stops mining (the file resumes later). */
  shouldStop?: () => boolean;
}

/** Thrown when `shouldStop` asked to stop after a committed batch. */
export class MiningStopped extends Error {}

interface Pending {
  calls: DbCallRow[];
  /** Calls of automatic acquisition that need their anonymous user first. */
  acquire: Array<{ row: DbCallRow; partition: string; line: string }>;
  discards: DbDiscardedRow[];
  lastLine: number;
  rows: number;
  discardedRows: number;
}

const MAX_RAW = KEPT_CHARS;

export async function mineFile(o: MineOptions): Promise<MineResult> {
  const { file, ctx, site } = o;
  const start = file.checkpoint_line;
  let decoder: RowDecoder | undefined;
  let headerSeen = false;
  let fatal: FileError | undefined;
  let stopped = false;
  let header: string | undefined;
  const result: MineResult = { rows: 0, stored: 0, duplicates: 0, discarded: 0, layout: file.layout };
  let pending = fresh(start);

  function fresh(lastLine: number): Pending {
    return { calls: [], acquire: [], discards: [], lastLine, rows: 0, discardedRows: 0 };
  }

  function discard(line: number, party: 0 | 1, reason: DiscardReason, detail: string, raw: string, row?: CdrRow, ext = ''): void {
    pending.discards.push({
      site_id: site.id, cdr_file_id: file.id, line, party, reason, detail,
      raw: raw.length > MAX_RAW ? raw.slice(0, MAX_RAW) : raw,
      cluster_id: row ? row.clusterId || o.clusterId : o.clusterId, pkid: row?.pkid ?? '', extension: ext, created_at: o.now(), resolved_at: null,
    });
  }

  function onLine(text: string, n: number, tooLong: boolean): void {
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
        result.layout = decoder.layout.name;
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
      let layout;
      try {
        layout = tooLong ? undefined : layoutFromFieldCount(splitLine(text).length);
      } catch {
        layout = undefined;
      }
      if (!layout) {
        fatal = new FileError(
          `line ${n}: not a CUCM CDR file (neither a header naming cdrRecordType nor a record of 123, 129 or 133 fields)`,
          'not-cdr',
        );
        return;
      }
      decoder = makeDecoder(layout);
      result.layout = layout.name;
    }
    if (n <= start) return; // committed before a restart
    pending.lastLine = n;
    pending.rows++;
    if (tooLong) {
      discard(n, 0, 'malformed', `malformed row (line longer than 1 MiB)`, text);
      pending.discardedRows++;
      return;
    }
    let row: CdrRow;
    try {
      row = decoder.decode(text);
      const bad = firstInvalidField(row);
      if (bad) throw new RowError(`${bad}: not valid UTF-8`);
    } catch (err) {
      discard(n, 0, 'malformed', `malformed row (${(err as Error).message})`, text);
      pending.discardedRows++;
      return;
    }
    const classified = classifyCdr(row, ctx);
    for (const d of classified.discards) {
      discard(n, d.party, d.reason, `${DISCARD_TEXT[d.reason]}: ${d.detail}`, text, row, d.extension);
    }
    if (classified.calls.length === 0) pending.discardedRows++;
    for (const c of classified.calls) {
      const call = toCallRow(row, c, site.id, file.id, n, o.clusterId);
      if (c.userId === null && c.direction !== 'tandem' && ctx.autoAcquire) {
        pending.acquire.push({ row: call, partition: c.partition, line: c.line });
      } else pending.calls.push(call);
    }
  }

  async function commit(): Promise<void> {
    const batch = pending;
    pending = fresh(batch.lastLine);
    if (batch.rows === 0 && batch.lastLine <= start) return;
    const users = new Set<number>();
    const stored = await o.db.transaction(async (tx) => {
      if (header !== undefined && file.header === null) {
        await setFileHeader({ db: tx, id: file.id, header });
        header = undefined;
      }
      for (const a of batch.acquire) {
        a.row.user_id = await ensureAnonymousUser({ db: tx, siteId: site.id, siteCode: site.code, partition: a.partition, line: a.line, now: o.now() });
        batch.calls.push(a.row);
      }
      const n = await insertCalls({ db: tx, rows: batch.calls });
      await insertDiscarded({ db: tx, rows: batch.discards });
      await checkpointFile({
        db: tx, id: file.id, line: batch.lastLine, rows: batch.rows, stored: n,
        duplicates: batch.calls.length - n, discarded: batch.discardedRows, layout: result.layout, leaseUntil: o.leaseUntil(),
      });
      return n;
    });
    for (const c of batch.calls) if (c.user_id !== null) users.add(c.user_id);
    result.rows += batch.rows;
    result.stored += stored;
    result.duplicates += batch.calls.length - stored;
    result.discarded += batch.discardedRows;
    if (stored > 0) o.onBatch?.({ siteId: site.id, fileId: file.id, stored, users });
  }

  let source;
  try {
    source = createReadStream(o.path, { highWaterMark: 256 * 1024 });
  } catch (err) {
    throw new FileError(`cannot open ${o.path}: ${(err as Error).message}`, 'io');
  }
  try {
    await readLines(source, {
      line: onLine,
      afterChunk: async () => {
        if (fatal) {
          source.destroy();
          return;
        }
        if (pending.rows >= o.batchSize) {
          await commit();
          if (o.shouldStop?.()) {
            stopped = true;
            source.destroy();
          }
        }
      },
    });
  } catch (err) {
    if (!fatal && !stopped) throw new FileError(`cannot read ${o.path}: ${(err as Error).message}`, 'io');
  }
  if (stopped) throw new MiningStopped('stopped');
  if (fatal) throw fatal;
  await commit();
  if (result.layout === null && file.checkpoint_line === 0) {
    // An empty file, or one with only the header lines: valid, nothing to bill.
    result.layout = headerSeen ? 'header-only' : 'empty';
  }
  o.log.debug({ ...result }, 'file mined');
  return result;
}

function firstInvalidField(row: CdrRow): string | undefined {
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === 'string' && value.includes('\uFFFD')) return key;
  }
  return undefined;
}

export function toCallRow(row: CdrRow, c: CallDraft, siteId: number, fileId: number, line: number, fallbackCluster: string): DbCallRow {
  return {
    site_id: siteId,
    cluster_id: row.clusterId || fallbackCluster,
    gcid_cm: row.gcidCm,
    gcid_call: row.gcidCall,
    pkid: row.pkid,
    party: c.party,
    direction: c.direction,
    answered: c.answered,
    start_at: c.startAt,
    ring_s: c.ringS,
    duration_s: c.durationS,
    extension: c.extension,
    partition: c.partition,
    user_id: c.userId,
    remote_number: c.remoteNumber,
    dialed_number: c.dialedNumber,
    gateway: c.gateway,
    destination_type: c.destinationType,
    account_code: c.accountCode,
    client_matter_code: row.clientMatterCode,
    auth_code_description: row.authCodeDescription,
    orig_cause: row.origCause,
    dest_cause: row.destCause,
    redirect_reason: row.lastRedirectReason,
    original_called: row.originalCalled,
    last_redirect_dn: row.lastRedirectDn,
    redirected: c.redirected,
    transferred: c.transferred,
    conference: c.conference,
    orig_leg: row.origLeg,
    dest_leg: row.destLeg,
    cost: null,
    currency: null,
    cdr_file_id: fileId,
    cdr_line: line,
  };
}
