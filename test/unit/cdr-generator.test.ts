import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LAYOUTS, type LayoutName } from '../../src/billing/cdr-layouts.js';
import { isCmrHeader, layoutFromHeader, makeDecoder, parseCdrFileName, splitLine } from '../../src/billing/parse-cdr.js';
import {
  cdrFileName, cdrLines, cmrFileName, cmrLines, generateCdrFile, usDialPlan, type CdrGeneratorOptions,
} from '../../src/demo/cdr-generator.js';
import { classifyCdr } from '../../src/billing/classify-call.js';
import { loadSiteContext } from '../../src/billing/load-site-context.js';
import { findSiteByCode } from '../../src/db/queries/sites.js';
import { demoDialPlan, demoPeople, ensureDemoSite } from '../../src/demo/demo-site.js';
import { cucmIpInt } from '../../src/demo/rng.js';
import { createTestDb, tempDir } from '../support/test-db.js';

const plan = usDialPlan({
  seed: 11, users: 30, firstExtension: 2001,
  trunks: ['SIP-TRUNK-PSTN', 'S0/SU0/DS1-0@gw1.example.com', 'S0/SU0/DS1-1@gw1.example.com'],
});

function options(over: Partial<CdrGeneratorOptions> = {}): CdrGeneratorOptions {
  return {
    layout: 'cucm12', header: true, quoted: true, clusterId: 'TestCluster', startEpoch: 1_745_000_000, spanSeconds: 3600,
    rows: 400, seed: 42, plan, ...over,
  };
}

const EXPECTED: Record<LayoutName, number> = { 'cucm10.5': 123, cucm11: 129, cucm12: 133 };

describe('cdr generator', () => {
  it('is deterministic: the same seed gives the same lines, another seed other lines', () => {
    const a = [...cdrLines(options())];
    const b = [...cdrLines(options())];
    const c = [...cdrLines(options({ seed: 43 }))];
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.slice(2), c.slice(2));
  });

  for (const layout of Object.keys(EXPECTED) as LayoutName[]) {
    for (const quoted of [true, false]) {
      it(`${layout} ${quoted ? 'quoted' : 'unquoted'}: header equals LAYOUTS, every record decodes`, () => {
        const lines = [...cdrLines(options({ layout, quoted, rows: 500 }))];
        assert.equal(lines.length, 502);
        const names = splitLine(lines[0]!);
        assert.deepEqual(names, [...LAYOUTS[layout]]);
        assert.ok(lines[0]!.startsWith('"cdrRecordType","globalCallID_callManagerId"'));
        const types = lines[1]!.split(',');
        assert.equal(types.length, EXPECTED[layout]);
        assert.ok(types.every((t) => /^(INTEGER|VARCHAR\(\d+\)|UNIQUEIDENTIFIER)$/.test(t)));
        assert.equal(types[names.indexOf('pkid')], 'UNIQUEIDENTIFIER');
        assert.equal(types[names.indexOf('callingPartyNumber')], 'VARCHAR(50)');
        const decoder = makeDecoder(layoutFromHeader(names));
        assert.equal(decoder.layout.name, layout);
        const pkids = new Set<string>();
        let lastCall = 0;
        for (const line of lines.slice(2)) {
          assert.equal(splitLine(line).length, EXPECTED[layout]);
          const row = decoder.decode(line);
          assert.equal(row.recordType, 1);
          assert.match(row.pkid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
          pkids.add(row.pkid);
          assert.equal(row.clusterId, 'TestCluster');
          assert.equal(row.duration, row.connect > 0 ? row.disconnect - row.connect : 0);
          assert.ok(row.origination >= 1_745_000_000 && row.disconnect >= row.origination);
          if (row.connect > 0) assert.ok(row.connect >= row.origination && row.connect <= row.disconnect);
          if (row.origDevice.startsWith('S0/') || row.origDevice.startsWith('SIP-TRUNK')) assert.equal(row.callingPartition, '');
          assert.ok(row.gcidCall >= lastCall - 5, 'global call ids increase');
          lastCall = Math.max(lastCall, row.gcidCall);
        }
        assert.equal(pkids.size, 500);
        if (quoted) assert.match(lines[2]!, /^1,[12],\d+,\d+,\d+,[12],\d+,-?\d+,"/);
        else assert.ok(!lines.slice(2).some((l) => l.includes('"')));
      });
    }
  }

  it('writes the call kinds classification relies on', () => {
    const names = LAYOUTS.cucm12;
    const decoder = makeDecoder(layoutFromHeader(names));
    const rows = [...cdrLines(options({ rows: 3000 }))].slice(2).map((l) => decoder.decode(l));
    const trunkNames = new Set(plan.trunks);
    const out = rows.filter((r) => r.origDevice.startsWith('SEP') && trunkNames.has(r.destDevice));
    const inc = rows.filter((r) => trunkNames.has(r.origDevice) && r.destDevice.startsWith('SEP'));
    const internal = rows.filter((r) => r.origDevice.startsWith('SEP') && r.destDevice.startsWith('SEP'));
    assert.ok(out.length > 1000 && inc.length > 700 && internal.length > 300, `${out.length}/${inc.length}/${internal.length}`);
    assert.ok(out.every((r) => r.finalCalled.startsWith('9') && r.finalCalled.length >= 11));
    assert.ok(out.some((r) => r.finalCalled.startsWith('9011')));
    assert.ok(out.some((r) => r.clientMatterCode !== '') && out.some((r) => r.authCodeDescription !== ''));
    assert.ok(rows.some((r) => r.connect === 0 && r.destCause === 17));
    assert.ok(rows.some((r) => r.origCause === 393216 && r.origTermOnBehalfOf === 10));
    assert.ok(rows.some((r) => r.joinOnBehalfOf === 10));
    assert.ok(rows.some((r) => r.originalCalled !== r.finalCalled && r.lastRedirectReason === 15));
    assert.ok(rows.some((r) => /^b00\d+$/.test(r.finalCalled) && r.joinOnBehalfOf === 4 && r.comment.startsWith('ConfControllerDn=')));
    assert.ok(rows.some((r) => r.lastRedirectOnBehalfOf === 27 && r.lastRedirectReason === 354));
    assert.ok(rows.some((r) => r.origDevice.includes('@')));
  });

  it('names files like CUCM and writes a CMR file the miner recognises', () => {
    const name = cdrFileName('Demo-Cluster_1', 1, new Date(Date.UTC(2025, 3, 18, 16, 32)), 101);
    assert.equal(name, 'cdr_Demo-Cluster_1_01_202504181632_101');
    assert.deepEqual(parseCdrFileName(name), { kind: 'cdr', clusterId: 'Demo-Cluster_1', node: '01', stamp: '202504181632', seq: '101' });
    assert.equal(cmrFileName('C1', '02', 1_745_000_000, 7), 'cmr_C1_02_202504181813_7');
    const cmr = [...cmrLines({ clusterId: 'C1', startEpoch: 1_745_000_000, rows: 3, seed: 1, plan })];
    assert.equal(cmr.length, 5);
    const names = splitLine(cmr[0]!);
    assert.equal(names.length, 48);
    assert.ok(isCmrHeader(names));
    for (const l of cmr.slice(2)) assert.equal(splitLine(l).length, 48);
  });

  it('encodes IP addresses as CUCM does (signed little-endian)', () => {
    assert.equal(cucmIpInt('10.248.64.14'), 239138826);
    assert.equal(cucmIpInt('10.191.1.196'), -1006518518);
    assert.equal(cucmIpInt('192.168.18.188'), -1139627840);
  });

  it('streams a file to disk with the same content as the lines', async () => {
    const tmp = tempDir();
    try {
      const file = path.join(tmp.dir, 'cdr_TestCluster_01_202504181632_1');
      const r = await generateCdrFile(file, options({ rows: 2000 }));
      const text = await readFile(file, 'utf8');
      assert.equal(text, [...cdrLines(options({ rows: 2000 }))].join('\n') + '\n');
      assert.equal(r.rows, 2000);
      assert.equal(r.bytes, Buffer.byteLength(text));
    } finally {
      tmp.remove();
    }
  });

  it('generates rows the demo site classifies as calls (few discards, all explained)', async () => {
    const t = await createTestDb();
    try {
      const people = demoPeople();
      const demoPlan = demoDialPlan(people);
      await ensureDemoSite({ db: t.db, plan: demoPlan, people, now: 1 });
      await ensureDemoSite({ db: t.db, plan: demoPlan, people, now: 2 });
      assert.equal(Number((await t.db('users').count({ n: '*' }).first())?.n), 40);
      const site = (await findSiteByCode({ db: t.db, code: 'DEMO' }))!;
      const ctx = await loadSiteContext({ db: t.db, site });
      const decoder = makeDecoder(layoutFromHeader(LAYOUTS.cucm12));
      let calls = 0;
      const reasons = new Map<string, number>();
      const lines = [...cdrLines(options({ rows: 4000, plan: demoPlan, clusterId: 'DemoCluster', header: false }))];
      for (const line of lines) {
        const c = classifyCdr(decoder.decode(line), ctx);
        calls += c.calls.length;
        for (const d of c.discards) reasons.set(d.reason, (reasons.get(d.reason) ?? 0) + 1);
      }
      const discarded = [...reasons.values()].reduce((a, b) => a + b, 0);
      assert.ok(calls > 4000, `calls ${calls}`);
      assert.ok(discarded < 4000 * 0.04, `discarded ${discarded}: ${JSON.stringify([...reasons])}`);
      assert.ok((reasons.get('recording-leg') ?? 0) > 0);
    } finally {
      await t.close();
    }
  });
});
