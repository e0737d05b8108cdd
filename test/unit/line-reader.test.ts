import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { KEPT_CHARS, MAX_LINE_BYTES, readLines } from '../../src/billing/line-reader.js';

async function lines(chunks: Array<Buffer | string>): Promise<Array<[number, string, boolean]>> {
  const out: Array<[number, string, boolean]> = [];
  await readLines(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))), {
    line: (t, n, tooLong) => out.push([n, t, tooLong]),
    afterChunk: async () => undefined,
  });
  return out;
}

describe('readLines', () => {
  it('handles LF, CRLF, a missing final newline and blank lines', async () => {
    assert.deepEqual(await lines(['a\r\nb\n', '\nc']), [[1, 'a', false], [2, 'b', false], [3, '', false], [4, 'c', false]]);
  });
  it('joins a line split across chunks, and a UTF-8 character split across chunks', async () => {
    const e = Buffer.from('é');
    assert.deepEqual(await lines([Buffer.concat([Buffer.from('ab'), e.subarray(0, 1)]), Buffer.concat([e.subarray(1), Buffer.from('c\nd\n')])]), [
      [1, 'abéc', false], [2, 'd', false],
    ]);
  });
  it('strips a BOM and turns bytes that are not UTF-8 into U+FFFD', async () => {
    assert.deepEqual(await lines([Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0xff, 0x0a, 0x62])]), [[1, 'a\uFFFD', false], [2, 'b', false]]);
  });
  it('cuts a line over the limit, keeps its start, and goes on with the next line', async () => {
    const big = 'x'.repeat(MAX_LINE_BYTES + 10);
    const out = await lines(['ok\n', big.slice(0, 500_000), big.slice(500_000), '\nnext\n']);
    assert.equal(out.length, 3);
    assert.deepEqual(out[0], [1, 'ok', false]);
    assert.equal(out[1]![2], true);
    assert.equal(out[1]![1].length, KEPT_CHARS);
    assert.deepEqual(out[2], [3, 'next', false]);
  });
  it('an empty input has no lines', async () => {
    assert.deepEqual(await lines([]), []);
  });
});

describe('readLines, line by line decoding', () => {
  it('cuts an over-long line that arrives in one chunk', async () => {
    const out = await lines([`a\n${'y'.repeat(MAX_LINE_BYTES + 1)}\r\nb`]);
    assert.deepEqual(out.map(([n, t, tooLong]) => [n, t.length, tooLong]), [[1, 1, false], [2, KEPT_CHARS, true], [3, 1, false]]);
  });
  it('joins a CRLF split between chunks, and a line spread over many chunks', async () => {
    assert.deepEqual(await lines(['a\r', '\nb', 'c', 'd\r\n']), [[1, 'a', false], [2, 'bcd', false]]);
  });
  it('strips the BOM of line 1 only, also when it arrives byte by byte', async () => {
    const bom = [0xef, 0xbb, 0xbf].map((b) => Buffer.from([b]));
    assert.deepEqual(await lines([...bom, 'x\n', Buffer.from([0xef, 0xbb, 0xbf, 0x79])]), [[1, 'x', false], [2, '\uFEFFy', false]]);
  });
});
