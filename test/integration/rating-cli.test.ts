import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { cliEnv, runCli } from '../support/cli.js';
import { cdrFile } from '../support/cdr-rows.js';
import { tempDir } from '../support/test-db.js';

/** The rating commands end to end, as an administrator runs them, on one SQLite database. */

const README_TARIFF = `tariff,kind,name,carrier,currency,sample,prefix,type,band,setup,per_minute,first,next,min_charge,days,from,to,date
ACME,tariff,ACME business,ACME Telecom,EUR,false,,,,,,,,,,,,
ACME,band,,,,,,,offpeak,,,,,,,,,
ACME,band,,,,,,,peak,,,,,,mon-fri,08:00,18:00,
ACME,holiday,Christmas,,,,,,offpeak,,,,,,,,,12-25
ACME,rate,,,,,,mobile,,0.05,0.12,30,6,0.10,,,,
ACME,rate,,,,,,mobile,peak,,0.15,,,,,,,
ACME,rate,,,,,33,,,,0.09,1,1,,,,,
`;

describe('rating commands', () => {
  const tmp = tempDir();
  const env = cliEnv({ TOLLGATE_DATA_DIR: path.join(tmp.dir, 'data') });
  const file = (name: string, text: string) => {
    const f = path.join(tmp.dir, name);
    writeFileSync(f, text);
    return f;
  };
  const cli = async (...args: string[]) => runCli(args, env);
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `tollgate ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    await ok('migrate');
    await ok('tariffs', 'import', '--samples');
    await ok('sites', 'import', file('sites.csv', 'code,country,area_code,timezone,currency,cluster_ids,access_codes,tariff\nROM,IT,06,Europe/Rome,EUR,RomeCluster,0,IT-SAMPLE\n'));
  });
  const ACCOUNTS = 'code,site,description,privacy_digits,cost_center,replace_with_description\n4711,ROM,Audit,3,CC-A,yes\n99,*,Everyone,0,,no\n';
  after(() => tmp.remove());

  it('imports the README tariff and the samples; export re-imports to the same tariffs', async () => {
    assert.match(await ok('tariffs', 'import', file('acme.csv', README_TARIFF)), /1 tariffs imported: ACME/);
    assert.match(await ok('tariffs', 'import', '--samples'), /4 tariffs imported: US-SAMPLE \(sample\), IT-SAMPLE \(sample\), GB-SAMPLE \(sample\), DE-SAMPLE \(sample\)/);
    const list = JSON.parse(await ok('tariffs', 'list', '--json')) as Array<{ code: string; sample: boolean }>;
    assert.deepEqual(list.filter((t) => ['ACME', 'DE-SAMPLE', 'US-SAMPLE'].includes(t.code)).map((t) => [t.code, t.sample]), [['ACME', false], ['DE-SAMPLE', true], ['US-SAMPLE', true]]);
    const json = await ok('tariffs', 'export', '--format', 'json');
    const csv = await ok('tariffs', 'export');
    assert.match(await ok('tariffs', 'import', file('all.csv', csv)), new RegExp(`${list.length} tariffs imported`));
    assert.equal(await ok('tariffs', 'export', '--format', 'json'), json);
  });

  it('rejects a bad tariff file whole, listing every problem with line and column', async () => {
    const before = await ok('tariffs', 'export', '--format', 'json');
    const bad = file('bad.csv', `${README_TARIFF.replace('ACME,tariff,ACME business', 'ACME,tariff,ACME changed')}ACME,rate,,,,,,national,,,0.0x5,60,60,,,,,\nACME,rate,,,,,,moon,,,0.01,60,60,,,,,\n`);
    const r = await cli('tariffs', 'import', bad);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nothing imported/);
    assert.match(r.stderr, /bad\.csv:9: per_minute: .*0\.0x5/);
    assert.match(r.stderr, /bad\.csv:10: type: .*moon/);
    assert.equal(await ok('tariffs', 'export', '--format', 'json'), before, 'nothing changed');
  });

  it('refuses to reference or delete a tariff wrongly', async () => {
    const r = await cli('sites', 'import', file('sites-bad.csv', 'code,country,timezone,currency,tariff\nROM,IT,Europe/Rome,EUR,NOPE\n'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /sites-bad\.csv:2: tariff: tariff "NOPE" does not exist/);
    const d = await cli('tariffs', 'delete', 'IT-SAMPLE');
    assert.equal(d.code, 2);
    assert.match(d.stderr, /in use by site ROM/);
    await ok('tariffs', 'import', file('tmp.csv', README_TARIFF.replaceAll('ACME,', 'TMP,')));
    assert.match(await ok('tariffs', 'delete', 'TMP'), /deleted/);
    assert.equal((await cli('tariffs', 'delete', 'TMP')).code, 2);
  });

  it('imports account codes all or nothing, and lists them', async () => {
    const bad = await cli('accounts', 'import', file('acc-bad.csv', 'code,site,description,privacy_digits\n4711,ROM,Audit,20\n4711,ROM,Audit again,1\n12,PAR,x,1\n'));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /acc-bad\.csv:2: privacy_digits: .*\(got "20"\)/);
    assert.match(bad.stderr, /acc-bad\.csv:3: code: a second row for code "4711" of site ROM/);
    assert.match(bad.stderr, /acc-bad\.csv:4: site: site "PAR" does not exist/);
    assert.equal((JSON.parse(await ok('accounts', 'list', '--json')) as Array<{ description: string }>).some((a) => a.description === 'Audit again'), false);
    await ok('accounts', 'import', file('acc.csv', ACCOUNTS));
    const csv = parse(await ok('accounts', 'export'), { columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(csv, [
      { code: '99', site: '*', description: 'Everyone', privacy_digits: '0', cost_center: '', replace_with_description: 'false' },
      { code: '4711', site: 'ROM', description: 'Audit', privacy_digits: '3', cost_center: 'CC-A', replace_with_description: 'true' },
    ]);
  });

  it('rates imported CDRs, recalculates and compares from the command line', async () => {
    const at = Date.UTC(2026, 10, 17, 9, 0) / 1000; // 10:00 in Rome, a Tuesday: peak
    const cdr = file('cdr_RomeCluster_01_202611170900_1', cdrFile([
      { callId: 1, calling: '100', called: '00612345678', origDevice: 'SEP000000000100', destDevice: 'SIP-TRUNK', at, talk: 120, cmc: '4711' },
      { callId: 2, calling: '100', called: '03331234567', origDevice: 'SEP000000000100', destDevice: 'SIP-TRUNK', at, talk: 60 },
    ], 'RomeCluster'));
    await ok('accounts', 'import', file('acc2.csv', ACCOUNTS));
    await ok('users', 'import', file('users.csv', 'username,site,extension,cost_center\nmario,ROM,100,CC-M\n'));
    await ok('import', '--site', 'ROM', cdr);
    const calls = parse(await ok('calls', '--site', 'ROM'), { columns: true }) as Array<Record<string, string>>;
    assert.deepEqual(calls.map((c) => [c.destination_type, c.nation, c.carrier, c.currency, c.account_code, c.cost_center, c.remote_number]), [
      ['local', 'IT', 'Sample Carrier IT', 'EUR', 'Audit', 'CC-A', '0612345XXX'],
      ['mobile', 'IT', 'Sample Carrier IT', 'EUR', '', 'CC-M', '3331234567'],
    ]);
    assert.ok(calls.every((c) => /^\d+$/.test(c.cost ?? '')), 'every call has a cost');
    const cmp = parse(await ok('compare-tariffs', '--tariff', 'IT-SAMPLE', '--tariff', 'DE-SAMPLE', '--site', 'ROM'), { columns: true }) as Array<Record<string, string>>;
    const total = cmp.find((r) => r.group === 'total')!;
    assert.equal(total.calls, '2');
    assert.ok('IT-SAMPLE (EUR)' in total && 'DE-SAMPLE (EUR)' in total);
    const rc = JSON.parse(await ok('recalculate', '--site', 'ROM', '--json')) as { processed: number; changed: number };
    assert.deepEqual([rc.processed, rc.changed], [2, 0]);
    const bad = await cli('recalculate', '--site', 'NOPE');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--site: no site "NOPE"/);
  });
});
