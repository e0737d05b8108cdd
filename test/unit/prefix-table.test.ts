import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  buildPrefixTable, parsePrefixTable, parsePrefixTableCsv, parsePrefixTableJson, PrefixTableError, toE164Prefix, type PrefixTableProblem,
} from '../../src/rating/prefix-table.js';

const sample = (name: string): string => readFileSync(new URL(`../../src/rating/samples/${name}`, import.meta.url), 'utf8');

/** The problems a bad table is rejected with (fails if it is accepted). */
function problems(parse: () => unknown): PrefixTableProblem[] {
  try {
    parse();
  } catch (err) {
    if (err instanceof PrefixTableError) return err.problems;
    throw err;
  }
  assert.fail('the table was accepted');
}

describe('toE164Prefix', () => {
  const cases: Array<[string, string | null]> = [
    ['3902', '3902'],
    ['+4930', '4930'],
    [' 44 ', '44'],
    ['IT:02', '3902'],
    ['it:347', '39347'],
    ['GB:020', '4420'],
    ['GB:20', '4420'],
    ['DE:0151', '49151'],
    ['US:212', '1212'],
    ['US:1212', '1212'],
    ['RU:8812', '7812'],
    ['FR:01', '331'],
    ['XX:12', null],
    ['0123', null],
    ['12a', null],
    ['', null],
    ['1234567890123456', null],
    ['IT:', null],
  ];
  for (const [text, e164] of cases) it(`${JSON.stringify(text)} → ${e164}`, () => assert.equal(toE164Prefix(text), e164));
});

describe('buildPrefixTable', () => {
  const table = buildPrefixTable([
    { prefix: '39', nation: 'IT', label: 'Italy' },
    { prefix: '3902', area: 'Milano' },
    { prefix: '39335', type: 'mobile', area: 'TIM' },
    { prefix: '3933', type: 'mobile' },
    { prefix: '1', area: 'NANP' },
  ]);

  it('finds the longest prefix, each field from the longest entry that sets it', () => {
    assert.deepEqual(table.lookup('390212345678'), { prefix: '3902', type: null, nation: 'IT', area: 'Milano', label: 'Italy' });
    assert.deepEqual(table.lookup('393351234567'), { prefix: '39335', type: 'mobile', nation: 'IT', area: 'TIM', label: 'Italy' });
    assert.deepEqual(table.lookup('393381234567'), { prefix: '3933', type: 'mobile', nation: 'IT', area: null, label: 'Italy' });
    assert.deepEqual(table.lookup('390612345678'), { prefix: '39', type: null, nation: 'IT', area: null, label: 'Italy' });
    assert.equal(table.lookup('12125551234')?.area, 'NANP');
  });

  it('finds nothing when no entry is a prefix of the number', () => {
    assert.equal(table.lookup('442079460000'), null);
    assert.equal(table.lookup('3'), null);
    assert.equal(table.lookup(''), null);
    assert.equal(buildPrefixTable([]).lookup('39'), null);
  });

  it('rejects duplicates and non-E.164 prefixes', () => {
    assert.deepEqual(problems(() => buildPrefixTable([{ prefix: '39' }, { prefix: '39' }, { prefix: 'x1' }])).map((p) => p.message), [
      'duplicate of line 1', 'not E.164 digits',
    ]);
  });

  it('keeps its entries and sample flag', () => {
    assert.equal(table.size, 5);
    assert.equal(table.sample, false);
    assert.equal(buildPrefixTable([], { sample: true }).sample, true);
  });
});

describe('parsePrefixTableCsv', () => {
  it('reads a header, skips # lines and blank lines, and marks "# sample data" tables', () => {
    const t = parsePrefixTableCsv('# sample data\nprefix,type,nation,area\n\n# a comment\nIT:02,,,Milano\n"1212",local,us,"New York, NY"\n44#9,,,x#y\n'.replace('44#9', '449'));
    assert.equal(t.sample, true);
    assert.deepEqual(t.entries, [
      { prefix: '3902', area: 'Milano' },
      { prefix: '1212', type: 'local', nation: 'US', area: 'New York, NY' },
      { prefix: '449', area: 'x#y' },
    ]);
    assert.equal(parsePrefixTableCsv('prefix,area\n39,Italia\n').sample, false);
  });

  it('accepts semicolons, tabs, a BOM, CRLF, upper-case headers and a label column', () => {
    const t = parsePrefixTableCsv('\uFEFFPREFIX;Type;Area;Label\r\n4420;local;London;Inner London\r\n');
    assert.deepEqual(t.entries, [{ prefix: '4420', type: 'local', area: 'London', label: 'Inner London' }]);
    assert.deepEqual(parsePrefixTableCsv('prefix\ttype\n49800\ttoll-free\n').entries, [{ prefix: '49800', type: 'toll-free' }]);
  });

  it('rejects the whole table, listing every problem with line, column and value', () => {
    const csv = [
      '# sample data', // 1
      'prefix,type,nation,area', // 2
      '39,,,Italia', // 3 good
      '12x,local,USA,', // 4 two problems
      ',foo,,', // 5 two problems
      'IT:02,,,Milano', // 6 good
      '3902,,,Milan again', // 7 duplicate of 6 (same E.164 prefix)
      '1,2', // 8 wrong field count
      `44,national,,${'x'.repeat(101)}`, // 9 area too long
    ].join('\n');
    const found = problems(() => parsePrefixTableCsv(csv)).map((p) => [p.line, p.column, p.value]);
    assert.deepEqual(found, [
      [4, 'prefix', '12x'],
      [4, 'nation', 'USA'],
      [5, 'prefix', ''],
      [5, 'type', 'foo'],
      [7, 'prefix', '3902'],
      [8, '', '1,2'],
      [9, 'area', 'x'.repeat(101)],
    ]);
  });

  it('rejects unknown columns, a missing prefix column and an empty file', () => {
    assert.deepEqual(problems(() => parsePrefixTableCsv('prefix,colour\n39,red\n')).map((p) => [p.line, p.column, p.message]), [[2, 'colour', 'unknown column']]);
    assert.deepEqual(problems(() => parsePrefixTableCsv('area\nMilano\n')).map((p) => [p.line, p.column, p.message]), [[1, 'prefix', 'missing column']]);
    assert.equal(problems(() => parsePrefixTableCsv('# only a comment\n'))[0]?.message, 'no header row (prefix,type,nation,area)');
  });

  it('reports the first line of a record spanning lines', () => {
    assert.deepEqual(problems(() => parsePrefixTableCsv('prefix,area\n39,ok\n"12\n34",x\n')).map((p) => p.line), [3]);
  });
});

describe('parsePrefixTableJson', () => {
  it('reads an array or { sample, entries }', () => {
    assert.deepEqual(parsePrefixTableJson('[{"prefix":"DE:030","area":"Berlin"}]').entries, [{ prefix: '4930', area: 'Berlin' }]);
    const t = parsePrefixTableJson('{"sample":true,"entries":[{"prefix":"+4989","area":"München","type":""}]}');
    assert.equal(t.sample, true);
    assert.deepEqual(t.entries, [{ prefix: '4989', area: 'München' }]);
  });

  it('rejects the whole table, listing every problem with the entry position', () => {
    const found = problems(() => parsePrefixTableJson('[{"prefix":"39","colour":"red"},{"prefix":0},3,{"area":"x"},{"prefix":"39"}]'));
    assert.deepEqual(found.map((p) => [p.line, p.column]), [[1, 'colour'], [2, 'prefix'], [3, ''], [4, 'prefix'], [5, 'prefix']]);
  });

  it('rejects what is not JSON or not a list', () => {
    assert.match(problems(() => parsePrefixTableJson('[{'))[0]!.message, /not valid JSON/);
    assert.match(problems(() => parsePrefixTableJson('{"entries":1}'))[0]!.message, /array of entries/);
  });
});

describe('sample tables', () => {
  for (const [file, probe, area] of [
    ['prefixes-us.csv', '12125551234', 'New York, NY'],
    ['prefixes-it.csv', '393351234567', 'TIM'],
    ['prefixes-gb.csv', '441612345678', 'Manchester'],
    ['prefixes-de.json', '4915112345678', 'Telekom'],
  ] as const) {
    it(`${file} parses, is marked as a sample and names areas`, () => {
      const t = parsePrefixTable(sample(file));
      assert.equal(t.sample, true);
      assert.ok(t.size >= 10, `${t.size} entries`);
      assert.equal(t.lookup(probe)?.area, area);
    });
  }

  it('parsePrefixTable tells JSON from CSV', () => {
    assert.equal(parsePrefixTable(' [ {"prefix":"1"} ]').size, 1);
    assert.equal(parsePrefixTable('prefix\n1\n').size, 1);
  });
});
