import assert from 'node:assert/strict';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mineFile, PARSE_BATCH_LINES, type StoredBatch } from '../../src/billing/mine-file.js';
import { loadSiteContextData } from '../../src/billing/load-site-context.js';
import { getFile } from '../../src/db/queries/cdr-files.js';
import { findSiteByCode } from '../../src/db/queries/sites.js';
import { cdrFile, type RowSpec } from '../support/cdr-rows.js';
import { testLog } from '../support/logger.js';
import { setupPipeline, user } from '../support/pipeline.js';

/**
 * A transaction of the miner takes several parsed batches (up to TOLLGATE_BATCH_SIZE lines): all
 * of them and the file's checkpoint commit together or not at all, in this thread and through the
 * parser worker.
 */

const ROWS = 2 * PARSE_BATCH_LINES + 500;
const pgUrl = process.env.TOLLGATE_TEST_PG_URL;

/** Rows of file `n` (each file its own calls, so the spool takes each as a new file). */
function rows(n: number): RowSpec[] {
  return Array.from({ length: ROWS }, (_, i) => ({
    callId: n * 100_000 + i + 1, calling: i % 2 === 0 ? '1001' : '1002', called: `9503555${String(i % 10000).padStart(4, '0')}`,
    origDevice: i % 2 === 0 ? 'SEP000000001001' : 'SEP000000001002', destDevice: 'SIP-TRUNK-PSTN', at: 1_735_700_000 + i * 10, talk: 30 + (i % 60),
  }));
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`mining transactions (${kind})`, { skip: kind === 'postgres' && !pgUrl ? 'TOLLGATE_TEST_PG_URL is not set' : false }, () => {
    let p: Awaited<ReturnType<typeof setupPipeline>>;
    let files = 0;

    before(async () => {
      p = await setupPipeline(kind, { site: { clusterIds: ['GroupCluster'] } });
      await p.addUser(user('alice', '1001', { devices: ['SEP000000001001'] }));
      await p.addUser(user('bob', '1002', { devices: ['SEP000000001002'] }));
    });
    after(async () => {
      await p.close();
    });

    /** Writes and spools a new file; returns its id. */
    async function spoolNew(): Promise<number> {
      const n = ++files;
      const name = `cdr_GroupCluster_01_202501010000_${n}`;
      const file = path.join(p.dir, name);
      await writeFile(file, cdrFile(rows(n), 'GroupCluster'));
      const r = await p.spool.receive({ name, source: createReadStream(file), channel: 'import', site: 'HQ' });
      assert.equal(r.status, 'accepted');
      return r.fileId;
    }

    async function mine(fileId: number, inline: boolean, batchSize: number, leaseUntil: () => number, onBatch?: (b: StoredBatch) => void, maxTransactionMs = 600_000) {
      const site = (await findSiteByCode({ db: p.db, code: 'HQ' }))!;
      const row = (await getFile({ db: p.db, id: fileId }))!;
      return mineFile({
        db: p.db, log: testLog, file: row, path: p.spool.abs(row.spool_path), site, ctxData: await loadSiteContextData({ db: p.db, site }),
        batchSize, clusterId: 'GroupCluster', now: () => 1_735_800_000, leaseUntil, inline, maxTransactionMs, ...(onBatch ? { onBatch } : {}),
      });
    }

    const counts = async (fileId: number) => {
      const c = await p.db('calls').where({ cdr_file_id: fileId }).count({ n: '*' }).first();
      const f = (await getFile({ db: p.db, id: fileId }))!;
      return { calls: Number(c?.n), checkpoint: Number(f.checkpoint_line), stored: Number(f.stored) };
    };

    it('the parser worker (and on SQLite the checkpointing thread) run at a lower priority than the thread that writes (Linux)', { skip: process.platform !== 'linux' ? 'Linux only' : false }, async () => {
      const niceOf = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      const own = niceOf(readFileSync('/proc/thread-self/stat', 'utf8'));
      let lowered = -1;
      const id = await spoolNew();
      // A transaction per parsed batch: the first commit comes while the parser still runs.
      await mine(id, false, PARSE_BATCH_LINES, () => {
        if (lowered === -1) {
          lowered = 0;
          for (const t of readdirSync('/proc/self/task')) {
            try {
              if (niceOf(readFileSync(`/proc/self/task/${t}/stat`, 'utf8')) === Math.min(19, own + 5)) lowered++;
            } catch {
              // The thread ended meanwhile.
            }
          }
        }
        return 0;
      });
      assert.equal(lowered, kind === 'sqlite' ? 2 : 1);
    });

    it('records more discarded rows than one insert takes, all in the transaction', async () => {
      const n = ++files;
      const name = `cdr_GroupCluster_01_202501010000_${n}`;
      const file = path.join(p.dir, name);
      // Every other line is malformed (a wrong field count): 1,200 discarded rows, one transaction.
      const good = cdrFile(rows(n).slice(0, 1200), 'GroupCluster').split('\n');
      const lines = [good[0]!, good[1]!];
      for (const l of good.slice(2).filter((x) => x !== '')) lines.push(l, `1,2,garbage,${lines.length}`);
      await writeFile(file, lines.join('\n') + '\n');
      const r = await p.spool.receive({ name, source: createReadStream(file), channel: 'import', site: 'HQ' });
      let checkpoints = 0;
      const result = await mine(r.fileId, false, 50_000, () => (checkpoints++, 0));
      assert.equal(checkpoints, 1);
      assert.equal(result.stored, 1200);
      assert.equal(result.discarded, 1200);
      const d = await p.db('discarded_rows').where({ cdr_file_id: r.fileId }).count({ n: '*' }).first();
      assert.equal(Number(d?.n), 1200);
      const reasons = await p.db('discarded_rows').where({ cdr_file_id: r.fileId }).distinct('reason').pluck('reason');
      assert.deepEqual(reasons, ['malformed']);
    });

    for (const inline of [true, false]) {
      it(`stores each call once from a file that overlaps one mined before (${inline ? 'this thread' : 'parser worker'})`, async () => {
        // The second file repeats the first one's calls and adds 300: each batch holds calls that
        // are stored already (on PostgreSQL its COPY fails and the batch goes in with ON CONFLICT).
        const n = ++files;
        const first = rows(n);
        const write = async (name: string, specs: RowSpec[]) => {
          const file = path.join(p.dir, name);
          await writeFile(file, cdrFile(specs, 'GroupCluster'));
          const r = await p.spool.receive({ name, source: createReadStream(file), channel: 'import', site: 'HQ' });
          assert.equal(r.status, 'accepted');
          return r.fileId;
        };
        const a = await write(`cdr_GroupCluster_01_202501010000_${n}`, first);
        const more = first.concat(first.slice(0, 300).map((r) => ({ ...r, callId: r.callId + 50_000 })));
        const b = await write(`cdr_GroupCluster_01_202501010001_${n}`, more);
        assert.equal((await mine(a, inline, 50_000, () => 0)).stored, ROWS);
        const again = await mine(b, inline, 50_000, () => 0);
        assert.equal(again.stored, 300);
        assert.equal(again.duplicates, ROWS);
        const c = await p.db('calls').whereIn('cdr_file_id', [a, b]).count({ n: '*' }).first();
        assert.equal(Number(c?.n), ROWS + 300);
        // The dictionary-coded texts (bound as UTF-8 bytes on SQLite) are stored as text, equal
        // to the values they were made from.
        const alice = await p.db('calls').where({ cdr_file_id: a, direction: 'outgoing', extension: '1001', cluster_id: 'GroupCluster', gateway: 'SIP-TRUNK-PSTN' }).count({ n: '*' }).first();
        assert.equal(Number(alice?.n), ROWS / 2);
        if (kind === 'sqlite') {
          const types = await p.db('calls').where({ cdr_file_id: a }).distinct(p.db.raw("typeof(cluster_id) || typeof(direction) || typeof(extension) || typeof(partition) || typeof(gateway) || typeof(destination_type) || typeof(nation) as t"));
          assert.deepEqual(types.map((r: { t: string }) => r.t), ['text'.repeat(7)]);
        }
      });

      it(`commits several parsed batches as one transaction and reports each commit once (${inline ? 'this thread' : 'parser worker'})`, async () => {
        const id = await spoolNew();
        const commits: number[] = [];
        let checkpoints = 0;
        const result = await mine(id, inline, 2 * PARSE_BATCH_LINES, () => (checkpoints++, 0), (b) => commits.push(b.stored));
        assert.equal(result.stored, ROWS);
        assert.equal(result.rows, ROWS);
        // Parsed batches of at least PARSE_BATCH_LINES lines (whole chunks of the file): three, in
        // two transactions, each moving the checkpoint once.
        assert.equal(checkpoints, 2);
        assert.equal(commits.length, 2);
        assert.ok(commits[0]! >= 2 * PARSE_BATCH_LINES);
        assert.equal(commits[0]! + commits[1]!, ROWS);
        assert.deepEqual(await counts(id), { calls: ROWS, checkpoint: ROWS + 2, stored: ROWS });
      });

      it(`commits a transaction open too long before it reaches batchSize lines (${inline ? 'this thread' : 'parser worker'})`, async () => {
        const id = await spoolNew();
        const commits: number[] = [];
        let checkpoints = 0;
        await mine(id, inline, ROWS, () => (checkpoints++, 0), (b) => commits.push(b.stored), 0);
        assert.equal(checkpoints, 3);
        assert.equal(commits.length, 3);
        assert.deepEqual(await counts(id), { calls: ROWS, checkpoint: ROWS + 2, stored: ROWS });
      });

      it(`undoes every batch of a failed transaction, and a second run stores each call once (${inline ? 'this thread' : 'parser worker'})`, async () => {
        const id = await spoolNew();
        let checkpoints = 0;
        let failAt = 1;
        const failing = () => {
          if (++checkpoints === failAt) throw new Error('database gone');
          return 0;
        };
        // The whole file is one transaction of three parsed batches: its checkpoint fails, after
        // all three were inserted, and all three are undone.
        await assert.rejects(mine(id, inline, 3 * PARSE_BATCH_LINES, failing), /database gone/);
        assert.equal(checkpoints, 1);
        assert.deepEqual(await counts(id), { calls: 0, checkpoint: 0, stored: 0 });
        // With a transaction per parsed batch, a failure keeps the transactions before it.
        checkpoints = 0;
        failAt = 2;
        await assert.rejects(mine(id, inline, PARSE_BATCH_LINES, failing), /database gone/);
        const first = await counts(id);
        assert.ok(first.calls >= PARSE_BATCH_LINES && first.calls < ROWS);
        assert.deepEqual(first, { calls: first.calls, checkpoint: first.calls + 2, stored: first.calls });
        const rest = await mine(id, inline, 3 * PARSE_BATCH_LINES, () => 0);
        assert.equal(rest.stored, ROWS - first.calls);
        assert.equal(rest.duplicates, 0);
        assert.deepEqual(await counts(id), { calls: ROWS, checkpoint: ROWS + 2, stored: ROWS });
      });
    }
  });
}
