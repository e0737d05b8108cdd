import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LAYOUTS } from '../../src/billing/cdr-layouts.js';
import {
  headerNames, Interner, isCmrHeader, isHeaderLine, isTypesLine, layoutFromFieldCount, layoutFromHeader, makeDecoder, parseCdrFileName, RowError, splitLine,
} from '../../src/billing/parse-cdr.js';

const S1 = readFileSync(new URL('../../../shared/fixtures/cucm/cdr_cucmOHSUtest_02_202504181632_101', import.meta.url), 'utf8').split('\n');
const CMR = readFileSync(new URL('../../../shared/fixtures/cucm/cmr_cucmOHSUtest_02_202504181632_101', import.meta.url), 'utf8').split('\n');
const S2 = readFileSync(new URL('../fixtures/cdr/good/cdr_StandAloneCluster_01_201811072218_1001', import.meta.url), 'utf8').split('\n')[0]!;
const S3 = readFileSync(new URL('../fixtures/cdr/good/cdr_NASA-ARC-UC-cluster_02_201605010946_2001', import.meta.url), 'utf8').split('\r\n');

describe('splitLine', () => {
  it('splits quoted and bare cells, with "" as an escaped quote and empty cells', () => {
    assert.deepEqual(splitLine('1,"a,b","say ""hi""",,""'), ['1', 'a,b', 'say "hi"', '', '']);
    assert.deepEqual(splitLine(''), ['']);
    assert.deepEqual(splitLine('a,'), ['a', '']);
  });
  it('names the field of an unterminated quote', () => {
    assert.throws(() => splitLine('1,2,"abc'), /unterminated quote in field 3/);
  });
  it('refuses text after a closing quote', () => {
    assert.throws(() => splitLine('1,"ab"c,3'), /after the closing quote of field 2/);
  });
});

describe('layouts', () => {
  it('knows the three release layouts by field count', () => {
    assert.equal(LAYOUTS['cucm10.5'].length, 123);
    assert.equal(LAYOUTS.cucm11.length, 129);
    assert.equal(LAYOUTS.cucm12.length, 133);
    assert.equal(layoutFromFieldCount(123)?.name, 'cucm10.5');
    assert.equal(layoutFromFieldCount(129)?.name, 'cucm11');
    assert.equal(layoutFromFieldCount(133)?.name, 'cucm12');
    assert.equal(layoutFromFieldCount(50), undefined);
  });
  it('recognises the real 12.x header (both lines) and its names match LAYOUTS.cucm12', () => {
    assert.ok(isHeaderLine(S1[0]!));
    assert.ok(isTypesLine(S1[1]!));
    const names = splitLine(S1[0]!);
    assert.deepEqual(names, [...LAYOUTS.cucm12]);
    assert.equal(layoutFromHeader(names).name, 'cucm12');
  });
  it('maps by name, case-insensitively, in any order', () => {
    const names = [...LAYOUTS.cucm12].reverse().map((n) => n.toUpperCase());
    const layout = layoutFromHeader(names);
    assert.equal(layout.name, 'custom');
    const row = S1[4]!.split(',').reverse().join(',');
    // reversing keeps quoted cells intact here because no S1 cell contains a comma
    assert.equal(makeDecoder(layout).decode(row).pkid, 'ed56fecd-bd2d-48d4-ae03-7ee3766d6048');
  });
  it("accepts Cisco's illustrated header with blanks around the commas", () => {
    const spaced = LAYOUTS.cucm12.map((n) => `"${n}"`).join(' , ');
    assert.equal(layoutFromHeader(headerNames(spaced)).name, 'cucm12');
  });
  it('lists every missing required column', () => {
    const names = LAYOUTS.cucm12.filter((n) => n !== 'pkid' && n !== 'duration');
    assert.throws(() => layoutFromHeader(names), (err: Error) => err instanceof RowError && /pkid/.test(err.message) && /duration/.test(err.message));
  });
  it('tells a CMR header from a CDR header', () => {
    assert.ok(isCmrHeader(splitLine(CMR[0]!)));
    assert.ok(!isCmrHeader(splitLine(S1[0]!)));
  });
});

describe('decodeRow', () => {
  const d12 = makeDecoder(layoutFromHeader(splitLine(S1[0]!)));
  it('decodes the real 12.x on-net call', () => {
    const r = d12.decode(S1[4]!);
    assert.equal(r.recordType, 1);
    assert.equal(r.gcidCm, 2);
    assert.equal(r.gcidCall, 25447);
    assert.equal(r.callingNumber, '5033466594');
    assert.equal(r.finalCalled, '5033466593');
    assert.equal(r.callingPartition, 'OnNet');
    assert.equal(r.origination, 1744993928);
    assert.equal(r.connect, 1744993930);
    assert.equal(r.disconnect, 1744993941);
    assert.equal(r.duration, 11);
    assert.equal(r.origDevice, 'SEPCC7F750586B7');
    assert.equal(r.destDevice, 'SEPCC8E7148AD29');
    assert.equal(r.clusterId, 'cucmOHSUtest');
    assert.equal(r.destCause, 0);
    assert.equal(r.origCause, 16);
  });
  it('decodes a headerless 11.x row (129 fields)', () => {
    const r = makeDecoder(layoutFromFieldCount(129)!).decode(S2);
    assert.equal(r.callingNumber, '8307758566');
    assert.equal(r.finalCalled, '3333');
    assert.equal(r.origDevice, '10.141.71.238');
    assert.equal(r.destDevice, 'SEPBC16F516D030');
    assert.equal(r.connect, 0);
    assert.equal(r.huntPilotDn, '');
  });
  it('decodes headerless, unquoted 10.5 rows (123 fields) where huntPilotDN comes first', () => {
    const d = makeDecoder(layoutFromFieldCount(123)!);
    const r = d.decode(S3[0]!);
    assert.equal(r.callingNumber, '46710');
    assert.equal(r.finalCalled, '712569614000');
    assert.equal(r.destDevice, 'S0/SU0/DS1-3@ar-vg-n263-101-pr-f02-20.arc.nasa.gov');
    assert.equal(r.finalCalledPattern, '7.1[2-9]XX[2-9]XXXXXX');
    assert.equal(r.duration, 163);
    const transfer = d.decode(S3[3]!);
    assert.equal(transfer.origCause, 393216);
    // 10.5 writes huntPilotDN before huntPilotPartition (which holds a GUID in real data)
    assert.equal(transfer.huntPilotDn, '45000');
  });
  it('decodes a 10.5 file under an unquoted names header', () => {
    const layout = layoutFromHeader([...LAYOUTS['cucm10.5']]);
    assert.equal(layout.name, 'cucm10.5');
    assert.equal(makeDecoder(layout).decode(S3[1]!).finalCalled, '47640');
  });
  it('reports a wrong field count', () => {
    assert.throws(() => d12.decode('1,2,3'), /expected 133 fields, found 3/);
  });
  it('names a non-integer column and its value', () => {
    const bad = S1[4]!.replace(',1744993930,1744993941,', ',17449x3930,1744993941,');
    assert.throws(() => d12.decode(bad), /dateTimeConnect: not an integer \("17449x3930"\)/);
  });
  it('refuses an empty required integer', () => {
    const bad = S1[4]!.replace(/^1,2,25447,/, ',2,25447,');
    assert.throws(() => d12.decode(bad), /cdrRecordType: empty/);
  });
  it('keeps numbers as text: leading zeros, +E.164, # and SIP URIs survive', () => {
    const row = S1[4]!.replace('"5033466593","5033466593","rubbleb"', '"00441234","+14085551212#","rubbleb"');
    const r = d12.decode(row);
    assert.equal(r.originalCalled, '00441234');
    assert.equal(r.finalCalled, '+14085551212#');
  });
});

describe('the byte scan agrees with the reference scan', () => {
  /** decode() as a value to compare: the row, or the error's message. */
  const outcome = (f: () => unknown): unknown => {
    try {
      return f();
    } catch (err) {
      return `${(err as Error).name}: ${(err as Error).message}`;
    }
  };
  // Each real row with its own layout: S1 rows under the 12.x header, S2 headerless 11.x, S3
  // headerless 10.5.
  const d12 = layoutFromHeader(splitLine(S1[0]!));
  const seeds: Array<[string, ReturnType<typeof layoutFromHeader>]> = [
    [S1[4]!, d12], [S1[2]!, d12], [S2, layoutFromFieldCount(129)!], [S3[0]!, layoutFromFieldCount(123)!], [S3[3]!, layoutFromFieldCount(123)!],
  ];
  // Deterministic pseudo-random mutations of real rows: quotes, escaped quotes, commas inside
  // and outside quotes, blanks after a closing quote, non-ASCII characters and invalid bytes,
  // signs, letters and long digit runs in integer cells, cut and doubled cells.
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const inserts = ['"', '""', ',', '"a,b"', ' ', 'é', '\uFFFD', '-', '-123', '7', 'x', '12345678901234567', '-0', '0x10', '1e3', ',,', '"x"y', '\t'];
  function mutate(line: string): string {
    let out = line;
    for (let k = 1 + rand(3); k > 0; k--) {
      const at = rand(out.length + 1);
      const op = rand(5);
      if (op === 0) out = out.slice(0, at) + inserts[rand(inserts.length)]! + out.slice(at);
      else if (op === 1) out = out.slice(0, at) + out.slice(at + 1 + rand(3));
      else if (op === 2 || op === 3) {
        // Replace one cell (most of the time a harmless value of the same kind).
        const cells = out.split(',');
        const c = rand(cells.length);
        cells[c] = op === 3 ? (cells[c]!.startsWith('"') ? `"v${rand(1000)}"` : String(rand(100000))) : inserts[rand(inserts.length)]!;
        out = cells.join(',');
      } else out = out.slice(0, at) + out.slice(at).replace(/^[^,]*,/, (c) => c + c);
    }
    return out;
  }
  /** The line's bytes as read from a file, with some characters replaced by invalid UTF-8 bytes. */
  function bytesOf(line: string): { text: string; bytes: Buffer } {
    let bytes = Buffer.from(line, 'utf8');
    if (rand(4) === 0) {
      bytes = Buffer.from(bytes);
      for (let k = 1 + rand(2); k > 0; k--) bytes[rand(bytes.length)] = [0xff, 0xc3, 0x80, 0xe2][rand(4)]!;
    }
    return { text: bytes.toString('utf8'), bytes };
  }
  it('on 5,000 mutated rows of three layouts: the same row or the same error', () => {
    let refused = 0;
    // One decoder per layout for all rows, as for a file: its interner's hits are checked too.
    const fast = new Map(seeds.map(([, l]) => [l, makeDecoder(l)]));
    const reference = new Map(seeds.map(([, l]) => [l, makeDecoder(l, { scanBytes: false })]));
    for (let i = 0; i < 5000; i++) {
      const [original, layout] = seeds[i % seeds.length]!;
      const { text, bytes } = i < seeds.length ? { text: original, bytes: Buffer.from(original) } : bytesOf(mutate(original));
      const framed = Buffer.concat([Buffer.from('xx'), bytes, Buffer.from('\r\n')]);
      const viaBytes = outcome(() => fast.get(layout)!.decode(text, framed, 2, framed.length - 2));
      const viaText = outcome(() => fast.get(layout)!.decode(text));
      const expected = outcome(() => reference.get(layout)!.decode(text));
      assert.deepEqual(viaBytes, expected, text);
      assert.deepEqual(viaText, expected, text);
      if (typeof expected === 'string') refused++;
    }
    const counts = [...fast.values()].reduce((a, d) => ({ bytes: a.bytes + d.counts.bytes, text: a.text + d.counts.text }), { bytes: 0, text: 0 });
    // Both paths were taken many times, and mutated rows were both read and refused.
    assert.ok(counts.bytes > 3000, `the byte scan read only ${counts.bytes} of 10,000 decodes`);
    assert.ok(counts.text > 1000, `the reference scan read only ${counts.text} of 10,000 decodes`);
    assert.ok(refused > 300 && refused < 4000, `${refused} of 5,000 rows refused`);
  });
  it('interns repeated values: one string per distinct byte sequence, bounded', () => {
    const it = new Interner();
    const b = Buffer.from('SEP001122334455,SEP001122334455,SEP001122334456,é,');
    const a = it.get(b, 0, 15)!;
    assert.equal(a, 'SEP001122334455');
    assert.equal(it.get(b, 16, 31), a);
    assert.equal(it.get(b, 32, 47), 'SEP001122334456');
    assert.equal(it.get(b, 48, 50), 'é');
    assert.equal(it.get(b, 0, 0), '');
    assert.equal(it.get(Buffer.alloc(Interner.MAX_BYTES + 1, 65), 0, Interner.MAX_BYTES + 1), undefined, 'too long to keep');
    // Fill it: every value stays found, the first one past the limit is not kept.
    const keys: string[] = [];
    for (let i = 0; keys.length < Interner.MAX_ENTRIES - 4; i++) keys.push(`D${i}`);
    for (const k of keys) assert.equal(it.get(Buffer.from(k), 0, k.length), k);
    assert.equal(it.get(Buffer.from('overflow'), 0, 8), undefined);
    for (const k of [...keys, 'SEP001122334455', 'é']) assert.equal(it.get(Buffer.from(k), 0, Buffer.byteLength(k)), k);
  });
  it('reads non-ASCII cells from the bytes, and invalid UTF-8 as U+FFFD like the text', () => {
    const d = d12;
    const line = S1[4]!.replace('"5033466594"', '"5033466594é"').replaceAll('"OnNet"', '"Ön\uFFFDNet"');
    // As read from a file: each U+FFFD was an invalid byte (0xFF), which decodes as U+FFFD.
    const encoded = Buffer.from(line, 'utf8');
    const parts: Buffer[] = [];
    let from = 0;
    for (let at = encoded.indexOf('\uFFFD'); at !== -1; at = encoded.indexOf('\uFFFD', from)) {
      parts.push(encoded.subarray(from, at), Buffer.from([0xff]));
      from = at + 3;
    }
    const bytes = Buffer.concat([...parts, encoded.subarray(from)]);
    assert.equal(bytes.toString('utf8'), line);
    const r = makeDecoder(d).decode(line, bytes, 0, bytes.length);
    assert.equal(r.callingNumber, '5033466594é');
    assert.equal(r.callingPartition, 'Ön\uFFFDNet');
  });
});

describe('parseCdrFileName', () => {
  it('reads cluster ids with - and _ from the right', () => {
    assert.deepEqual(parseCdrFileName('cdr_Nucor_Enterprise-Cluster-01_06_202101122006_158160'), {
      kind: 'cdr', clusterId: 'Nucor_Enterprise-Cluster-01', node: '06', stamp: '202101122006', seq: '158160',
    });
    assert.equal(parseCdrFileName('cmr_Cluster1_02_200404061011_6125')?.kind, 'cmr');
    assert.equal(parseCdrFileName('readme.txt'), undefined);
    assert.equal(parseCdrFileName('cdr_x_1_2020_1'), undefined);
  });
});
