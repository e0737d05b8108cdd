import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getFile } from '../../src/db/queries/cdr-files.js';
import { sampleCdr, setupPipeline, sha256 } from '../support/pipeline.js';

/**
 * `tollgate import` copies a file into the spool while it hashes the original: the recorded hash
 * must still name exactly the bytes the spool keeps, also when the original grows meanwhile.
 */
describe('spool: a local file taken by copy', () => {
  let p: Awaited<ReturnType<typeof setupPipeline>>;
  before(async () => {
    p = await setupPipeline('sqlite');
  });
  after(async () => {
    await p.close();
  });

  it('records the hash and size of the copy it keeps', async () => {
    const file = path.join(p.dir, 'cdr_cucmOHSUtest_02_202504181632_7');
    await writeFile(file, sampleCdr);
    const r = await p.spool.receiveCopy({ file, name: path.basename(file), channel: 'import', site: 'HQ' });
    assert.equal(r.status, 'accepted');
    const row = (await getFile({ db: p.db, id: r.fileId }))!;
    const kept = await readFile(p.spool.abs(row.spool_path));
    assert.deepEqual(kept, sampleCdr);
    assert.equal(row.sha256, sha256(sampleCdr));
    assert.equal(Number(row.size), sampleCdr.length);
  });

  it('a file that grows while it is copied: the hash is of what was kept, whatever the timing', async () => {
    // 40 MB of CDR lines, then appends while the copy and the hash run.
    const lines = sampleCdr.toString('utf8').split('\n');
    const body = lines.slice(2).filter((l) => l !== '').join('\n') + '\n';
    const big = Buffer.from(lines[0] + '\n' + lines[1] + '\n' + body.repeat(Math.ceil((40 * 1024 * 1024) / body.length)));
    for (let round = 0; round < 3; round++) {
      const file = path.join(p.dir, `cdr_cucmOHSUtest_02_202504181633_${round}`);
      await writeFile(file, big);
      const receiving = p.spool.receiveCopy({ file, name: path.basename(file), channel: 'import', site: 'HQ' });
      const growing = (async () => {
        for (let i = 0; i < 20; i++) {
          await appendFile(file, body);
          await new Promise((r) => setTimeout(r, 2 * round));
        }
      })();
      const [r] = await Promise.all([receiving, growing]);
      const row = (await getFile({ db: p.db, id: r.fileId }))!;
      const kept = await readFile(p.spool.abs(row.spool_path));
      assert.equal(row.sha256, sha256(kept), `round ${round}`);
      assert.equal(Number(row.size), kept.length);
    }
  });
});
