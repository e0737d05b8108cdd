import type { DbOrTx } from '../knex.js';
import type { Channel, DbCdrFileRow } from '../tables.js';

export async function findFileBySha(options: { db: DbOrTx; sha256: string }): Promise<DbCdrFileRow | undefined> {
  return options.db<DbCdrFileRow>('cdr_files').where({ sha256: options.sha256 }).first();
}

export async function findFileBySpoolPath(options: { db: DbOrTx; spoolPath: string }): Promise<DbCdrFileRow | undefined> {
  return options.db<DbCdrFileRow>('cdr_files').where({ spool_path: options.spoolPath }).first();
}

export async function getFile(options: { db: DbOrTx; id: number }): Promise<DbCdrFileRow | undefined> {
  return options.db<DbCdrFileRow>('cdr_files').where({ id: options.id }).first();
}

/** Records a received file (status `received`, or `skipped` for a CMR). Returns its id. */
export async function insertFile(options: {
  db: DbOrTx;
  file: { siteId: number; name: string; kind: DbCdrFileRow['kind']; size: number; sha256: string; channel: Channel; spoolPath: string; status: 'received' | 'skipped'; receivedAt: number };
}): Promise<number> {
  const f = options.file;
  const [row] = await options.db('cdr_files')
    .insert({
      site_id: f.siteId, name: f.name, kind: f.kind, size: f.size, sha256: f.sha256, channel: f.channel,
      spool_path: f.spoolPath, status: f.status, received_at: f.receivedAt,
      finished_at: f.status === 'skipped' ? f.receivedAt : null,
    })
    .returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

/**
 * Takes the oldest file waiting to be mined, or one whose previous miner's lease ran out, and
 * marks it `processing` under `owner` until `leaseUntil`. Two miners (the server and a CLI import)
 * never take the same file: the update only succeeds while the file is still free.
 */
export async function claimNextFile(options: { db: DbOrTx; owner: string; now: number; leaseUntil: number; onlyId?: number }): Promise<DbCdrFileRow | undefined> {
  const { db, owner, now, leaseUntil, onlyId } = options;
  const free = (q: ReturnType<DbOrTx>) =>
    q.where((w) => w.where({ status: 'received' }).orWhere((p) => p.where({ status: 'processing' }).where('lease_until', '<', now)));
  for (let attempt = 0; attempt < 5; attempt++) {
    const q = free(db('cdr_files')).orderBy('id').first('id');
    if (onlyId !== undefined) q.where({ id: onlyId });
    const next = await q;
    if (!next) return undefined;
    const n = await free(db('cdr_files').where({ id: next.id })).update({ status: 'processing', lease_owner: owner, lease_until: leaseUntil });
    if (n === 1) return getFile({ db, id: Number(next.id) });
  }
  return undefined;
}

/** Files `processing` under one of these owners (for leases left by a crashed local process). */
export async function listLeases(options: { db: DbOrTx }): Promise<Array<{ id: number; lease_owner: string | null }>> {
  return options.db('cdr_files').where({ status: 'processing' }).select('id', 'lease_owner');
}

/** Frees a file's lease so that any miner may take it again now. */
export async function expireLease(options: { db: DbOrTx; id: number }): Promise<void> {
  await options.db('cdr_files').where({ id: options.id, status: 'processing' }).update({ lease_until: 0 });
}

/** Keeps the header line of a file (for reprocessing rows of a layout tollgate does not know). */
export async function setFileHeader(options: { db: DbOrTx; id: number; header: string }): Promise<void> {
  await options.db('cdr_files').where({ id: options.id }).update({ header: options.header });
}

/** Commits a batch's progress: the last line done and the counters, and extends the lease. */
export async function checkpointFile(options: {
  db: DbOrTx; id: number; line: number; rows: number; stored: number; duplicates: number; discarded: number; layout: string | null; leaseUntil: number;
  unknownAccounts: number; unknownDestinations: number;
}): Promise<void> {
  const { db, id, line, rows, stored, duplicates, discarded, layout, leaseUntil, unknownAccounts, unknownDestinations } = options;
  await db('cdr_files').where({ id }).update({
    checkpoint_line: line,
    rows: db.raw('rows + ?', [rows]),
    stored: db.raw('stored + ?', [stored]),
    duplicates: db.raw('duplicates + ?', [duplicates]),
    discarded: db.raw('discarded + ?', [discarded]),
    unknown_accounts: db.raw('unknown_accounts + ?', [unknownAccounts]),
    unknown_destinations: db.raw('unknown_destinations + ?', [unknownDestinations]),
    layout,
    lease_until: leaseUntil,
  });
}

export async function finishFile(options: {
  db: DbOrTx; id: number; status: 'done' | 'failed' | 'skipped'; spoolPath: string; finishedAt: number; error?: string | null;
}): Promise<void> {
  const { db, id, status, spoolPath, finishedAt, error } = options;
  await db('cdr_files').where({ id }).update({
    status, spool_path: spoolPath, finished_at: finishedAt, error: error ?? null, lease_owner: null, lease_until: null,
  });
}

/** Files received but not yet finished (`received` or `processing`). */
export async function countPendingFiles(options: { db: DbOrTx }): Promise<number> {
  const row = await options.db('cdr_files').whereIn('status', ['received', 'processing']).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}
