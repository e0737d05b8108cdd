import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { getFile } from '../../src/db/queries/cdr-files.js';
import { createSpool, type Spool } from '../../src/recorder/spool.js';
import { sampleCdr, setupPipeline, sha256 } from '../support/pipeline.js';

/**
 * `tollgate import` copies a file into the spool while it hashes the original: the recorded hash
 * must still name exactly the bytes the spool keeps, also when the original changes meanwhile or
 * was written to just before.
 */
describe('spool: a local file taken by copy', () => {
  let p: Awaited<ReturnType<typeof setupPipeline>>;
  let spool: Spool;
  const logged: Array<{ file?: string; hashed?: string }> = [];
  before(async () => {
    p = await setupPipeline('sqlite');
    const log = pino({ level: 'debug' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    spool = createSpool({ dataDir: p.dataDir, db: p.db, log, maxFileBytes: 200 * 1024 * 1024 });
  });
  after(async () => {
    await p.close();
  });
  const hashedOf = (name: string) => logged.find((l) => l.file === name && l.hashed)?.hashed;

  /** 40 MB of CDR lines, different for each tag. */
  function bigFile(tag: number): { body: string; content: Buffer } {
    const lines = sampleCdr.toString('utf8').split('\n');
    const body = lines.slice(2).filter((l) => l !== '').join('\n') + '\n';
    const rows = body.repeat(Math.ceil((40 * 1024 * 1024) / body.length));
    return { body, content: Buffer.from(`${lines[0]}\n${lines[1]}\n${rows}${'\n'.repeat(tag + 1)}`) };
  }

  it('a settled file: the original is hashed while the kernel copies it, and the hash is of what is kept', async () => {
    const name = 'cdr_cucmOHSUtest_02_202504181632_7';
    const file = path.join(p.dir, name);
    await writeFile(file, sampleCdr);
    // Files written in the last two seconds are hashed from the copy (their times could lag).
    await new Promise((r) => setTimeout(r, 2100));
    const r = await spool.receiveCopy({ file, name, channel: 'import', site: 'HQ' });
    assert.equal(r.status, 'accepted');
    assert.equal(hashedOf(name), 'original');
    const row = (await getFile({ db: p.db, id: r.fileId }))!;
    assert.deepEqual(await readFile(p.spool.abs(row.spool_path)), sampleCdr);
    assert.equal(row.sha256, sha256(sampleCdr));
    assert.equal(Number(row.size), sampleCdr.length);
  });

  it('a file written just before: the copy is hashed', async () => {
    const name = 'cdr_cucmOHSUtest_02_202504181632_8';
    const file = path.join(p.dir, name);
    const content = Buffer.concat([sampleCdr, Buffer.from('\n')]);
    await writeFile(file, content);
    const r = await spool.receiveCopy({ file, name, channel: 'import', site: 'HQ' });
    assert.equal(hashedOf(name), 'copy');
    assert.equal(r.sha256, sha256(content));
  });

  it('a settled file that grows while it is copied: the hash is of what was kept, whatever the timing', async () => {
    const files = [0, 1, 2].map((round) => {
      const name = `cdr_cucmOHSUtest_02_202504181633_${round}`;
      return { round, name, file: path.join(p.dir, name), ...bigFile(round) };
    });
    for (const f of files) await writeFile(f.file, f.content);
    await new Promise((r) => setTimeout(r, 2100));
    for (const f of files) {
      const receiving = spool.receiveCopy({ file: f.file, name: f.name, channel: 'import', site: 'HQ' });
      const growing = (async () => {
        for (let i = 0; i < 20; i++) {
          await appendFile(f.file, f.body);
          await new Promise((r) => setTimeout(r, 2 * f.round));
        }
      })();
      const [r] = await Promise.all([receiving, growing]);
      assert.equal(r.status, 'accepted', `round ${f.round}`);
      const row = (await getFile({ db: p.db, id: r.fileId }))!;
      const kept = await readFile(p.spool.abs(row.spool_path));
      assert.equal(row.sha256, sha256(kept), `round ${f.round}`);
      assert.equal(Number(row.size), kept.length);
    }
  });
});
