import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { ReceiveError, type Spool } from './spool.js';

/**
 * A polling drop folder: `<dir>/cdr_<cluster>_…` (site from the cluster id) and
 * `<dir>/<SITE>/…` (site from the folder name). A file is taken once its size and mtime did not
 * change between two scans, handed to the spool and then deleted. Files the spool refuses go to
 * `<dir>/.rejected/` with a `<name>.error.txt` report; names starting with `.` or `_` are ignored.
 */

interface Candidate { file: string; name: string; site?: string }
interface Seen { size: number; mtimeMs: number }

/** After a disk error the file stays where it is and is tried again after this many intervals. */
const IO_RETRY_INTERVALS = 15;

function ignored(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

async function listFiles(dir: string): Promise<Array<{ name: string; isDir: boolean }>> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => !ignored(e.name) && (e.isFile() || e.isDirectory())).map((e) => ({ name: e.name, isDir: e.isDirectory() }));
}

/**
 * Starts polling `dir` every `intervalMs`. `close()` stops the timer and waits for a scan in
 * progress (a file being handed over is finished first).
 */
export function startWatchFolder(opts: { dir: string; intervalMs: number; spool: Spool; log: Logger }): { close(): Promise<void> } {
  const { dir, spool, log } = opts;
  const seen = new Map<string, Seen>();
  const retryAfter = new Map<string, number>();
  let missingWarned = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let scanning: Promise<void> | undefined;

  async function candidates(): Promise<Candidate[]> {
    const out: Candidate[] = [];
    for (const e of await listFiles(dir)) {
      if (!e.isDir) {
        out.push({ file: path.join(dir, e.name), name: e.name });
        continue;
      }
      let inner: Array<{ name: string; isDir: boolean }>;
      try {
        inner = await listFiles(path.join(dir, e.name));
      } catch {
        continue;
      }
      for (const f of inner) if (!f.isDir) out.push({ file: path.join(dir, e.name, f.name), name: f.name, site: e.name });
    }
    return out;
  }

  async function reject(c: Candidate, err: ReceiveError): Promise<void> {
    const rejectedDir = path.join(dir, '.rejected');
    await mkdir(rejectedDir, { recursive: true });
    let target = path.join(rejectedDir, c.name);
    try {
      await stat(target);
      target = path.join(rejectedDir, `${c.name}~${Date.now()}`);
    } catch {
      // free name
    }
    const report = [
      `file: ${path.relative(dir, c.file)}`,
      `site: ${c.site ?? '(from the cluster id in the name)'}`,
      `rejected at: ${new Date().toISOString()}`,
      `reason (${err.code}): ${err.message}`,
      '',
    ].join('\n');
    // The report first: once the file shows up in .rejected/, its report is complete.
    await writeFile(`${target}.error.txt`, report);
    await rename(c.file, target);
    log.warn({ file: c.name, site: c.site, code: err.code, error: err.message, movedTo: target }, 'drop-folder file rejected');
  }

  async function take(c: Candidate, scanNo: number): Promise<void> {
    let result;
    try {
      result = await spool.receive({ name: c.name, source: createReadStream(c.file), channel: 'watch', site: c.site });
    } catch (err) {
      if (err instanceof ReceiveError && err.code !== 'io') return reject(c, err);
      // Disk full, or the file vanished/unreadable: leave it in place and try again later.
      retryAfter.set(c.file, scanNo + IO_RETRY_INTERVALS);
      log.warn({ file: c.name, site: c.site, error: (err as Error).message }, 'could not take a drop-folder file; will retry');
      return;
    }
    await unlink(c.file).catch((err: Error) => log.warn({ file: c.file, error: err.message }, 'could not delete a taken drop-folder file'));
    log.info({ file: c.name, site: result.siteCode, status: result.status, fileId: result.fileId }, 'drop-folder file taken');
  }

  let scanNo = 0;
  async function scan(): Promise<void> {
    scanNo++;
    let list: Candidate[];
    try {
      list = await candidates();
      missingWarned = false;
    } catch (err) {
      if (!missingWarned) log.warn({ dir, error: (err as Error).message }, 'cannot read the drop folder');
      missingWarned = true;
      return;
    }
    const present = new Set<string>();
    for (const c of list) {
      if (closed) return;
      present.add(c.file);
      let st;
      try {
        st = await stat(c.file);
      } catch {
        continue;
      }
      const prev = seen.get(c.file);
      seen.set(c.file, { size: st.size, mtimeMs: st.mtimeMs });
      if (!prev || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs) continue;
      if ((retryAfter.get(c.file) ?? 0) > scanNo) continue;
      retryAfter.delete(c.file);
      try {
        await take(c, scanNo);
      } catch (err) {
        retryAfter.set(c.file, scanNo + IO_RETRY_INTERVALS);
        log.error({ file: c.file, err }, 'could not take or reject a drop-folder file; will retry');
      }
      if (!retryAfter.has(c.file)) seen.delete(c.file);
    }
    for (const f of seen.keys()) if (!present.has(f)) seen.delete(f);
    for (const f of retryAfter.keys()) if (!present.has(f)) retryAfter.delete(f);
  }

  function schedule(delay: number): void {
    if (closed) return;
    timer = setTimeout(() => {
      scanning = scan()
        .catch((err: unknown) => log.error({ err }, 'drop-folder scan failed'))
        .finally(() => {
          scanning = undefined;
          schedule(opts.intervalMs);
        });
    }, delay);
  }

  log.info({ dir, intervalMs: opts.intervalMs }, 'watching drop folder');
  schedule(0);
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await scanning;
    },
  };
}
