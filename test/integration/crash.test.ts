import assert from 'node:assert/strict';
import { createWriteStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { mkdirSync, renameSync } from 'node:fs';
import { cliEnv, runCli, startCli } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { SHARED_FIXTURES } from '../support/pipeline.js';
import { tempDir } from '../support/test-db.js';

const S1 = readFileSync(path.join(SHARED_FIXTURES, 'cdr_cucmOHSUtest_02_202504181632_101'), 'utf8').split('\n');
const ROWS = 60_000;

/** A file of ROWS rows: the real internal call with new pkids and call ids, every 50th row malformed. */
async function writeBigFile(file: string): Promise<void> {
  const out = createWriteStream(file);
  out.write(`${S1[0]}\n${S1[1]}\n`);
  for (let i = 0; i < ROWS; i++) {
    const pkid = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    let line = S1[4]!.replace('ed56fecd-bd2d-48d4-ae03-7ee3766d6048', pkid).replace(/^1,2,25447,/, `1,2,${100000 + i},`)
      .replace('"5033466594"', `"${5000 + (i % 300)}"`);
    if (i % 50 === 49) line = line.slice(0, 200);
    if (!out.write(line + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

/** The committed checkpoint line of a file (the first file when no name is given), read as a second process would. */
function progress(dbFile: string, name?: string): number {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      const row = (name
        ? db.prepare('select checkpoint_line as n from cdr_files where name = ?').get(name)
        : db.prepare('select checkpoint_line as n from cdr_files order by id limit 1').get()) as { n: number } | undefined;
      return row?.n ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

describe('crash safety', () => {
  it('kill -9 in the middle of an import, then a restart, stores exactly what an uninterrupted run stores', { timeout: 240_000 }, async () => {
    const t = tempDir();
    try {
      const file = path.join(t.dir, 'cdr_cucmOHSUtest_02_202504181700_500');
      await writeBigFile(file);
      const args = ['import', '--site', 'HQ', '--auto-acquire', '--json', file];
      const envA = cliEnv({ TOLLGATE_DATA_DIR: path.join(t.dir, 'a'), TOLLGATE_BATCH_SIZE: '500' });
      const envB = cliEnv({ TOLLGATE_DATA_DIR: path.join(t.dir, 'b'), TOLLGATE_BATCH_SIZE: '500' });

      const clean = await runCli(args, envA);
      assert.equal(clean.code, 0, clean.stderr);
      const summaryA = JSON.parse(clean.stdout);
      assert.equal(summaryA.rows, ROWS);

      // Kill twice, at different points of the file, before letting it finish.
      const dbB = path.join(t.dir, 'b', 'tollgate.db');
      let killedAt: number[] = [];
      for (const target of [ROWS * 0.2, ROWS * 0.6]) {
        const child = startCli(args, envB);
        const exited = once(child, 'exit');
        let done = false;
        child.on('exit', () => (done = true));
        while (!done && progress(dbB) < target) await new Promise((r) => setTimeout(r, 5));
        assert.ok(!done, 'the import finished before it could be killed; raise ROWS');
        child.kill('SIGKILL');
        await exited;
        killedAt.push(progress(dbB));
      }
      assert.ok(killedAt[0]! > 0 && killedAt[0]! < ROWS && killedAt[1]! > killedAt[0]!, `killed at ${killedAt.join(', ')}`);
      const resumed = await runCli(args, envB);
      assert.equal(resumed.code, 0, resumed.stderr);
      const summaryB = JSON.parse(resumed.stdout);
      for (const k of ['rows', 'stored', 'discarded', 'duplicates']) assert.equal(summaryB[k], summaryA[k], k);

      const exportA = await runCli(['calls', '--format', 'csv'], envA);
      const exportB = await runCli(['calls', '--format', 'csv'], envB);
      assert.equal(exportA.code, 0);
      const linesA = exportA.stdout.trim().split('\n');
      assert.equal(linesA.length, 1 + summaryA.stored);
      assert.equal(exportB.stdout, exportA.stdout, 'the calls differ from the uninterrupted run');
      const discA = await runCli(['discarded', '--json', '--limit', '100000'], envA);
      const discB = await runCli(['discarded', '--json', '--limit', '100000'], envB);
      const strip = (s: string) => (JSON.parse(s) as Array<Record<string, unknown>>).map(({ id: _id, ...rest }) => rest);
      assert.deepEqual(strip(discB.stdout), strip(discA.stdout));
      assert.equal(strip(discA.stdout).length, ROWS / 50);
    } finally {
      t.remove();
    }
  });

  it('kill -9 of the server while it mines a dropped file, then a restart, loses and doubles nothing', { timeout: 240_000 }, async () => {
    const t = tempDir();
    try {
      const file = path.join(t.dir, 'cdr_cucmOHSUtest_02_202504181700_501');
      await writeBigFile(file);
      const reference = cliEnv({ TOLLGATE_DATA_DIR: path.join(t.dir, 'ref'), TOLLGATE_BATCH_SIZE: '500' });
      const refSetup = await runCli(['import', '--site', 'HQ', '--auto-acquire', '--json', path.join(SHARED_FIXTURES, 'cdr_cucmOHSUtest_02_202504181632_101')], reference);
      assert.equal(refSetup.code, 0);
      const ref = await runCli(['import', '--site', 'HQ', '--auto-acquire', '--json', file], reference);
      assert.equal(ref.code, 0, ref.stderr);

      const dataDir = path.join(t.dir, 'srv');
      const watch = path.join(t.dir, 'drop');
      mkdirSync(path.join(watch, 'HQ'), { recursive: true });
      const env = cliEnv({
        TOLLGATE_DATA_DIR: dataDir, TOLLGATE_BATCH_SIZE: '500', TOLLGATE_WATCH_DIR: watch, TOLLGATE_WATCH_INTERVAL_MS: '100',
        TOLLGATE_FTP_PORT: '0', TOLLGATE_SFTP_PORT: '0', TOLLGATE_HTTP_HOST: '127.0.0.1', TOLLGATE_HTTP_PORT: String(await freePort()),
      });
      // the site exists (with automatic acquisition) before the server takes the file
      const setup = await runCli(['import', '--site', 'HQ', '--auto-acquire', '--json', path.join(SHARED_FIXTURES, 'cdr_cucmOHSUtest_02_202504181632_101')], env);
      assert.equal(setup.code, 0, setup.stderr);

      const db = path.join(dataDir, 'tollgate.db');
      const bigProgress = () => progress(db, path.basename(file));
      const server = startCli(['serve'], env);
      const exited = once(server, 'exit');
      renameSync(file, path.join(watch, 'HQ', path.basename(file)));
      const deadline = Date.now() + 120_000;
      while (bigProgress() < ROWS * 0.3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const at = bigProgress();
      server.kill('SIGKILL');
      await exited;
      assert.ok(at > 0 && at < ROWS, `killed at line ${at}`);

      const again = startCli(['serve'], env);
      const againExited = once(again, 'exit');
      while (Date.now() < deadline) {
        const h = new Database(db, { readonly: true, fileMustExist: true });
        const r = h.prepare("select status from cdr_files where name = 'cdr_cucmOHSUtest_02_202504181700_501'").get() as { status: string } | undefined;
        h.close();
        if (r?.status === 'done') break;
        await new Promise((res) => setTimeout(res, 100));
      }
      again.kill('SIGTERM');
      const [code] = await againExited;
      assert.equal(code, 0, 'graceful stop on SIGTERM');

      const a = await runCli(['calls', '--format', 'csv'], reference);
      const b = await runCli(['calls', '--format', 'csv'], env);
      assert.equal(b.stdout.split('\n').length, a.stdout.split('\n').length);
      if (b.stdout !== a.stdout) {
        const al = a.stdout.split('\n');
        const bl = b.stdout.split('\n');
        const i = al.findIndex((l, k) => l !== bl[k]);
        assert.fail(`the calls differ from the uninterrupted run at line ${i}:\n${al[i]}\n${bl[i]}`);
      }
      const st = JSON.parse((await runCli(['status', '--json'], env)).stdout);
      const stRef = JSON.parse((await runCli(['status', '--json'], reference)).stdout);
      assert.equal(st.sites[0].stored, stRef.sites[0].stored);
      assert.deepEqual(st.sites[0].discarded, stRef.sites[0].discarded);
      assert.equal(st.sites[0].rows, stRef.sites[0].rows);
    } finally {
      t.remove();
    }
  });
});
