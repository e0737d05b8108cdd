import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { parseCdrFile } from '../../src/billing/parse-file.js';
import { buildParseWorkerBundle, DEFAULT_BUNDLE_DIR, freshParseWorkerBundle, withoutTsx } from '../../src/billing/parse-worker-bundle.js';
import type { FromWorker, ParseJob, ToWorker } from '../../src/billing/parse-worker.js';
import { loadSiteContextData } from '../../src/billing/load-site-context.js';
import { buildSiteContext, loadRaterFactory, type SiteContextData } from '../../src/billing/site-context.js';
import { CodeTable, eachCall, fromWire, type CallBatch } from '../../src/db/call-batch.js';
import { findSiteByCode } from '../../src/db/queries/sites.js';
import { cdrFile, type RowSpec } from '../support/cdr-rows.js';
import { setupPipeline, user } from '../support/pipeline.js';

/**
 * The parser worker bundled into plain JavaScript (src/billing/parse-worker-bundle.ts): built from
 * the sources, used only while they are unchanged, and parsing a file exactly as the TypeScript does.
 */

describe('withoutTsx', () => {
  it('drops the options that load tsx and keeps the others', () => {
    assert.deepEqual(withoutTsx(['--import', 'tsx', '--expose-gc']), ['--expose-gc']);
    assert.deepEqual(withoutTsx(['--import=tsx', '--enable-source-maps']), ['--enable-source-maps']);
    // What the tsx command itself adds.
    assert.deepEqual(withoutTsx(['--require', '/app/node_modules/tsx/dist/preflight.cjs', '--import', 'file:///app/node_modules/tsx/dist/loader.mjs']), []);
    assert.deepEqual(withoutTsx(['-r', 'tsx/cjs', '--import', './otel.mjs']), ['--import', './otel.mjs']);
    assert.deepEqual(withoutTsx(['--max-old-space-size=512']), ['--max-old-space-size=512']);
    assert.deepEqual(withoutTsx([]), []);
  });
});

describe('parser worker bundle', () => {
  let p: Awaited<ReturnType<typeof setupPipeline>>;
  let dir: string;
  let file: string;
  let ctxData: SiteContextData;
  let siteId: number;

  before(async () => {
    p = await setupPipeline('sqlite', { site: { clusterIds: ['BundleCluster'] } });
    await p.addUser(user('alice', '1001', { devices: ['SEP000000001001'] }));
    await p.addUser(user('bob', '1002', { devices: ['SEP000000001002'] }));
    const rows: RowSpec[] = Array.from({ length: 2500 }, (_, i) => ({
      callId: i + 1, calling: i % 2 === 0 ? '1001' : '1002', called: i % 3 === 0 ? '1002' : `9503555${String(i).padStart(4, '0')}`,
      origDevice: i % 2 === 0 ? 'SEP000000001001' : 'SEP000000001002', destDevice: i % 3 === 0 ? 'SEP000000001002' : 'SIP-TRUNK-PSTN',
      at: 1_735_700_000 + i * 10, talk: i % 7 === 0 ? 0 : 30 + (i % 60),
    }));
    file = path.join(p.dir, 'cdr_BundleCluster_01_202501010000_1');
    await writeFile(file, cdrFile(rows, 'BundleCluster'));
    const site = (await findSiteByCode({ db: p.db, code: 'HQ' }))!;
    siteId = site.id;
    ctxData = await loadSiteContextData({ db: p.db, site, rating: true });
    mkdirSync(path.join(DEFAULT_BUNDLE_DIR, '..'), { recursive: true });
    // Inside the project, as the default one: the bundle imports its packages from node_modules.
    dir = await mkdtemp(path.join(DEFAULT_BUNDLE_DIR, '..', 'tollgate-test-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await p.close();
  });

  it('is built from the parser sources and taken while they are unchanged, never once one differs', async () => {
    assert.equal(freshParseWorkerBundle(dir), undefined, 'no bundle yet');
    const built = await buildParseWorkerBundle(dir);
    assert.ok(built.inputs > 10, `bundled ${built.inputs} files`);
    const url = freshParseWorkerBundle(dir);
    assert.equal(url?.pathname, path.join(dir, 'parse-worker.mjs'));

    const manifestFile = path.join(dir, 'parse-worker.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { inputs: Record<string, string> };
    assert.ok('src/billing/parse-cdr.ts' in manifest.inputs);
    // A source edited since the build (its hash no longer matches): the bundle is not used.
    const edited = { inputs: { ...manifest.inputs, 'src/billing/parse-cdr.ts': '0'.repeat(64) } };
    writeFileSync(manifestFile, JSON.stringify(edited));
    assert.equal(freshParseWorkerBundle(dir), undefined);
    writeFileSync(manifestFile, '{not json');
    assert.equal(freshParseWorkerBundle(dir), undefined);
    rmSync(manifestFile);
    assert.equal(freshParseWorkerBundle(dir), undefined);
  });

  it('runs without tsx and parses a file into the same calls as the TypeScript parser', async () => {
    await buildParseWorkerBundle(dir);
    const url = freshParseWorkerBundle(dir);
    assert.ok(url);
    const job: ParseJob = { path: file, start: 0, batchSize: 1000, ctxData, siteId, fileId: 7, clusterId: 'BundleCluster', now: 1_735_800_000 };

    const values = (batch: CallBatch, out: string[]) => eachCall(batch, false, (v) => out.push(JSON.stringify(v)));
    const fromBundle: string[] = [];
    let rows = 0;
    // A spare started ahead (as prewarmParser does), then given its job: both ways the miner uses.
    const worker = new Worker(url, { workerData: { prewarm: { rating: true } }, execArgv: [] });
    const table = new CodeTable();
    await new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'batch') {
          rows += (JSON.parse(Buffer.from(m.meta).toString('utf8')) as { rows: number }).rows;
          values(fromWire(m.calls, table), fromBundle);
          worker.postMessage({ type: 'ack', proceed: true, buffers: [] } satisfies ToWorker);
        } else if (m.type === 'done') resolve();
        else reject(new Error(m.message));
      });
      worker.on('error', reject);
      worker.postMessage({ type: 'job', job } satisfies ToWorker);
    });
    await worker.terminate();

    const here: string[] = [];
    await parseCdrFile({
      ...job, ctx: buildSiteContext(ctxData, await loadRaterFactory()),
      onBatch: async (b) => {
        values(b.calls.build(), here);
        return true;
      },
    });
    assert.equal(rows, 2500);
    assert.ok(here.length >= 2500, `${here.length} calls`);
    assert.deepEqual(fromBundle, here);
  });
});
