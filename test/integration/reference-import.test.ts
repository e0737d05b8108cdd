import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImportError, importReferenceFile } from '../../src/admin/reference-import.js';
import { listSites } from '../../src/db/queries/sites.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../docs/examples');

describe('sites, gateways and users import', () => {
  let t: TestDb;
  const now = 1_700_000_000;
  before(async () => {
    t = await createTestDb();
  });
  after(async () => t.close());

  it('loads the documented examples (CSV with BOM, CRLF and semicolons included)', async () => {
    assert.equal(await importReferenceFile({ db: t.db, kind: 'sites', file: path.join(EXAMPLES, 'sites.csv'), now }), 2);
    assert.equal(await importReferenceFile({ db: t.db, kind: 'gateways', file: path.join(EXAMPLES, 'gateways.csv'), now }), 3);
    assert.equal(await importReferenceFile({ db: t.db, kind: 'users', file: path.join(EXAMPLES, 'users.csv'), now }), 3);
    const sites = await listSites({ db: t.db });
    assert.deepEqual(sites.map((s) => [s.code, s.driver, s.clusterIds, s.accessCodes, s.autoAcquire]), [
      ['HQ', 'cucm', ['StandAloneCluster', 'cucmOHSUtest'], ['9'], false],
      ['MIL', 'cucm-partition', ['CL-MILANO'], ['0'], true],
    ]);
    const gw = await t.db('gateways').orderBy('name').select('name', 'match');
    assert.deepEqual(gw.map((g) => [g.name, g.match]), [['S0/SU0/DS1-*@gw1.example.com', 'glob'], ['SBC-MILANO', 'exact'], ['SIP-TRUNK-PSTN', 'exact']]);
    const bob = await t.db('users').where({ username: 'bob' }).first();
    assert.equal(bob.fax_extension, '5033466500');
    assert.equal(Boolean(bob.fax_billing), false);
    const devices = await t.db('user_devices').where({ user_id: bob.id }).orderBy('device_name');
    assert.deepEqual(devices.map((d) => d.device_name), ['CSFBOB', 'SEPCC8E7148AD29']);
    // importing again updates in place
    assert.equal(await importReferenceFile({ db: t.db, kind: 'users', file: path.join(EXAMPLES, 'users.csv'), now }), 3);
    assert.equal((await t.db('users').count({ n: '*' }).first())!.n, 3);
  });

  it('stores a site\'s Phone Lock option for internal numbers (empty: the global setting)', async () => {
    const file = path.join(t.dir, 'sites-lock.csv');
    writeFileSync(file, 'code,country,timezone,currency,lock_allow_internal\nLK1,US,UTC,USD,no\nLK2,US,UTC,USD,\n');
    assert.equal(await importReferenceFile({ db: t.db, kind: 'sites', file, now }), 2);
    const rows = await t.db('sites').whereIn('code', ['LK1', 'LK2']).orderBy('code').select('lock_allow_internal');
    assert.deepEqual(rows.map((r) => (r.lock_allow_internal === null ? null : Boolean(r.lock_allow_internal))), [false, null]);
    writeFileSync(file, 'code,country,timezone,currency,lock_allow_internal\nLK1,US,UTC,USD,maybe\n');
    await assert.rejects(importReferenceFile({ db: t.db, kind: 'sites', file, now }), /lock_allow_internal: must be true or false/);
  });

  it('rejects a file with bad records as a whole and lists every problem', async () => {
    const file = path.join(t.dir, 'bad-users.json');
    writeFileSync(file, JSON.stringify([
      { username: 'zed', site: 'HQ', extension: '2001' },
      { username: 'x', site: 'NOPE', email: 'not-an-email', extension: '20 01', fax_billing: 'maybe', colour: 'red' },
      { site: 'HQ' },
    ]));
    await assert.rejects(importReferenceFile({ db: t.db, kind: 'users', file, now }), (err: Error) => {
      assert.ok(err instanceof ImportError);
      const text = err.problems.join('\n');
      assert.match(text, /bad-users.json\[1\]: email: not an e-mail address \(got "not-an-email"\)/);
      assert.match(text, /bad-users.json\[1\]: extension: not a directory number \(got "20 01"\)/);
      assert.match(text, /bad-users.json\[1\]: fax_billing: must be true or false/);
      assert.match(text, /bad-users.json\[1\]: unknown column "colour"/);
      assert.match(text, /bad-users.json\[2\]: username/);
      return true;
    });
    assert.equal(await t.db('users').where({ username: 'zed' }).first(), undefined, 'nothing half-imported');
    const csv = path.join(t.dir, 'bad-sites.csv');
    writeFileSync(csv, 'code,country,timezone,currency\nOK,US,UTC,USD\nBAD,USA,Mars/Base,dollars\n');
    await assert.rejects(importReferenceFile({ db: t.db, kind: 'sites', file: csv, now }), /bad-sites.csv:3: country: .*\n.*bad-sites.csv:3: timezone: unknown time zone/);
    assert.equal((await listSites({ db: t.db })).some((s) => s.code === 'OK'), false);
    const unknownSite = path.join(t.dir, 'gw.csv');
    writeFileSync(unknownSite, 'site,name\nNOPE,SIP-X\n');
    await assert.rejects(importReferenceFile({ db: t.db, kind: 'gateways', file: unknownSite, now }), /gw.csv:2: site: site "NOPE" does not exist/);
  });
});
