import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { parseCdrFileName } from '../billing/parse-cdr.js';
import { fsyncPath, pathExists } from '../fs-utils.js';
import type { Db } from '../db/knex.js';
import { findFileBySha, findFileBySpoolPath, insertFile } from '../db/queries/cdr-files.js';
import { findSiteByCode, findSiteIdByCluster, listSites } from '../db/queries/sites.js';
import type { Channel } from '../db/tables.js';

/**
 * The durable spool between the receivers (FTP, SFTP, drop folder, `tollgate import`) and the
 * miner: `<dataDir>/spool/<SITE>/incoming|done|failed`. A file counts as received once it is
 * completely written, fsynced and renamed into `incoming/`, and recorded by name, size and
 * SHA-256; only then does the sender get a success. The same content received twice is kept once.
 */

export class ReceiveError extends Error {
  constructor(message: string, readonly code: 'bad-name' | 'unknown-site' | 'too-large' | 'io') {
    super(message);
    this.name = 'ReceiveError';
  }
}

export interface ReceiveResult {
  status: 'accepted' | 'duplicate' | 'skipped';
  fileId: number;
  siteCode: string;
  sha256: string;
  size: number;
}

export interface SpoolOptions {
  dataDir: string;
  db: Db;
  log: Logger;
  maxFileBytes: number;
  /** Called after a file has been accepted, so the miner can start at once. */
  onAccepted?: (fileId: number) => void;
  now?: () => number;
}

export type Spool = ReturnType<typeof createSpool>;

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._~+-]{0,200}$/;

/**
 * Checks a received file's name; throws a `ReceiveError` naming the problem. Any safe name is
 * taken from `tollgate import` and the drop folder (the miner then judges the content); the FTP
 * and SFTP receivers only take CUCM's own names (`cdr_…`, `cmr_…`), since CUCM writes nothing
 * else and clients probe with other names.
 */
export function checkFileName(rawName: string, channel: Channel): string {
  const name = path.basename(rawName);
  if (!SAFE_NAME.test(name) || name !== rawName.replace(/^.*[\\/]/, '')) {
    throw new ReceiveError(
      `refused file name ${JSON.stringify(rawName)}: only letters, digits and . _ ~ + - are allowed, and it must not start with _ or .`,
      'bad-name',
    );
  }
  if ((channel === 'ftp' || channel === 'sftp') && !parseCdrFileName(name)) {
    throw new ReceiveError(`refused file name ${JSON.stringify(rawName)}: not a CUCM CDR/CMR file name (cdr_<cluster>_<node>_<yyyymmddhhmm>_<seq>)`, 'bad-name');
  }
  return name;
}

export function createSpool(opts: SpoolOptions) {
  const root = path.resolve(opts.dataDir, 'spool');
  const tmpDir = path.join(root, '.tmp');
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));

  function siteDir(siteCode: string, box: 'incoming' | 'done' | 'failed'): string {
    return path.join(root, siteCode, box);
  }

  /** Relative spool path as stored in `cdr_files.spool_path`. */
  function rel(abs: string): string {
    return path.relative(root, abs).split(path.sep).join('/');
  }

  function abs(spoolPath: string): string {
    return path.join(root, ...spoolPath.split('/'));
  }

  async function resolveSite(name: string, site?: string, cluster?: string): Promise<{ id: number; code: string }> {
    if (site) {
      const s = await findSiteByCode({ db: opts.db, code: site });
      if (!s) throw new ReceiveError(`site ${site} does not exist`, 'unknown-site');
      return { id: s.id, code: s.code };
    }
    const clusterId = cluster ?? parseCdrFileName(name)?.clusterId;
    if (!clusterId) throw new ReceiveError(`cannot tell the site of ${name}: no site given and no cluster id in the name`, 'unknown-site');
    if (cluster) {
      const fromName = parseCdrFileName(name)?.clusterId;
      if (fromName && fromName !== cluster) {
        throw new ReceiveError(`${name} is from cluster ${fromName}, but this login is for cluster ${cluster}`, 'unknown-site');
      }
    }
    const id = await findSiteIdByCluster({ db: opts.db, clusterId });
    if (id === undefined) throw new ReceiveError(`cluster ${clusterId} is not assigned to any site`, 'unknown-site');
    const s = (await listSites({ db: opts.db })).find((x) => x.id === id)!;
    return { id, code: s.code };
  }

  /**
   * Writes `source` into the spool and records it. Throws a `ReceiveError` when the file cannot be
   * kept (bad name, unknown site, too large, disk full); nothing is recorded then.
   */
  async function receive(args: { name: string; source: Readable; channel: Channel; site?: string; cluster?: string }): Promise<ReceiveResult> {
    let name: string;
    try {
      name = checkFileName(args.name, args.channel);
    } catch (err) {
      args.source.resume();
      throw err;
    }
    let site: { id: number; code: string };
    try {
      site = await resolveSite(name, args.site, args.cluster);
    } catch (err) {
      args.source.resume();
      throw err;
    }
    await mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${randomBytes(8).toString('hex')}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const max = opts.maxFileBytes;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > max) return cb(new ReceiveError(`${name} is larger than the limit of ${max} bytes`, 'too-large'));
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      // `flush` fsyncs the file before the stream closes: the sender's success means durable.
      await pipeline(args.source, meter, createWriteStream(tmp, { flush: true }));
    } catch (err) {
      await rm(tmp, { force: true });
      if (err instanceof ReceiveError) throw err;
      throw new ReceiveError(`could not store ${name}: ${(err as Error).message}`, 'io');
    }
    const sha256 = hash.digest('hex');
    return register({ tmp, name, sha256, size, site, channel: args.channel });
  }

  /**
   * Takes a complete file that a receiver staged under `stagingDir` (same filesystem as the
   * spool): fsyncs it, hashes it and moves it into the spool without copying.
   */
  async function receiveLocalFile(args: { file: string; name: string; channel: Channel; site?: string; cluster?: string }): Promise<ReceiveResult> {
    let name: string;
    try {
      name = checkFileName(args.name, args.channel);
    } catch (err) {
      await rm(args.file, { force: true });
      throw err;
    }
    let site: { id: number; code: string };
    try {
      site = await resolveSite(name, args.site, args.cluster);
    } catch (err) {
      await rm(args.file, { force: true });
      throw err;
    }
    // The size first: a client writing at a huge offset makes a sparse file not worth hashing.
    if ((await stat(args.file)).size > opts.maxFileBytes) {
      await rm(args.file, { force: true });
      throw new ReceiveError(`${name} is larger than the limit of ${opts.maxFileBytes} bytes`, 'too-large');
    }
    await fsyncPath(args.file);
    const { sha256, size } = await hashFile(args.file);
    return register({ tmp: args.file, name, sha256, size, site, channel: args.channel });
  }

  /**
   * Takes a copy of a local file (`tollgate import`): the kernel copies it into the staging folder
   * (a copy-on-write clone where the filesystem can) while this thread hashes the original, then
   * the copy is fsynced and moved like a staged upload. For a large file this is about three times
   * as fast as streaming it through `receive`, which reads, hashes and writes every chunk in this
   * thread. The hash must name exactly the bytes the spool keeps: when the original changed while
   * it was copied (its size, modification or change time, or inode differ afterwards, as any
   * write makes them), or was written to in the two seconds before (a write in the same tick of
   * the file system's clock leaves the times alone), the copy itself is hashed instead.
   */
  async function receiveCopy(args: { file: string; name: string; channel: Channel; site?: string; cluster?: string }): Promise<ReceiveResult> {
    const name = checkFileName(args.name, args.channel);
    const site = await resolveSite(name, args.site, args.cluster);
    if ((await stat(args.file)).size > opts.maxFileBytes) {
      throw new ReceiveError(`${name} is larger than the limit of ${opts.maxFileBytes} bytes`, 'too-large');
    }
    const tmp = await stagingPath();
    let staged: { sha256: string; size: number };
    try {
      const statAt = Date.now();
      const before = await stat(args.file, { bigint: true });
      const [, original] = await Promise.all([copyFile(args.file, tmp, constants.COPYFILE_FICLONE), hashFile(args.file)]);
      const fh = await open(tmp, 'r+');
      let copied: bigint;
      try {
        await fh.sync();
        copied = (await fh.stat({ bigint: true })).size;
      } finally {
        await fh.close();
      }
      const after = await stat(args.file, { bigint: true });
      // A file written to within the last seconds could change again inside the same tick of the
      // file system's clock, leaving its times as they were ("racy" files, as git calls them).
      const settled = statAt - Number(before.mtimeMs) > RACY_MS && statAt - Number(before.ctimeMs) > RACY_MS;
      const unchanged = settled && before.size === after.size && before.mtimeNs === after.mtimeNs && before.ctimeNs === after.ctimeNs &&
        before.ino === after.ino && before.dev === after.dev && copied === before.size && BigInt(original.size) === before.size;
      staged = unchanged ? original : await hashFile(tmp);
      opts.log.debug({ file: name, hashed: unchanged ? 'original' : 'copy' }, 'imported file copied and hashed');
    } catch (err) {
      await rm(tmp, { force: true });
      throw new ReceiveError(`could not store ${name}: ${(err as Error).message}`, 'io');
    }
    if (staged.size > opts.maxFileBytes) {
      // The original grew while it was copied.
      await rm(tmp, { force: true });
      throw new ReceiveError(`${name} is larger than the limit of ${opts.maxFileBytes} bytes`, 'too-large');
    }
    return register({ tmp, name, sha256: staged.sha256, size: staged.size, site, channel: args.channel });
  }

  /** A fresh path in the staging folder, for receivers that write a file in several steps. */
  async function stagingPath(): Promise<string> {
    await mkdir(tmpDir, { recursive: true });
    return path.join(tmpDir, `${randomBytes(8).toString('hex')}.part`);
  }

  async function register(args: { tmp: string; name: string; sha256: string; size: number; site: { id: number; code: string }; channel: Channel }): Promise<ReceiveResult> {
    const { tmp, name, sha256, size, site, channel } = args;
    const dup = await findFileBySha({ db: opts.db, sha256 });
    if (dup) {
      await rm(tmp, { force: true });
      opts.log.info({ file: name, sha256, firstId: dup.id }, 'file received again; already recorded, ignored');
      return { status: 'duplicate', fileId: dup.id, siteCode: site.code, sha256, size };
    }
    const kind = parseCdrFileName(name)?.kind ?? 'unknown';
    const box = kind === 'cmr' ? 'done' : 'incoming';
    const dir = siteDir(site.code, box);
    await mkdir(dir, { recursive: true });
    let target = path.join(dir, name);
    if (await pathExists(target)) target = path.join(dir, `${name}~${sha256.slice(0, 12)}`);
    try {
      await rename(tmp, target);
      await fsyncPath(dir);
    } catch (err) {
      await rm(tmp, { force: true });
      throw new ReceiveError(`could not store ${name}: ${(err as Error).message}`, 'io');
    }
    let fileId: number;
    try {
      fileId = await insertFile({
        db: opts.db,
        file: {
          siteId: site.id, name, kind, size, sha256, channel, spoolPath: rel(target),
          status: kind === 'cmr' ? 'skipped' : 'received', receivedAt: now(),
        },
      });
    } catch (err) {
      // A concurrent receive of the same content won the unique sha256: keep theirs.
      const again = await findFileBySha({ db: opts.db, sha256 });
      await rm(target, { force: true });
      if (again) return { status: 'duplicate', fileId: again.id, siteCode: site.code, sha256, size };
      throw new ReceiveError(`could not record ${name}: ${(err as Error).message}`, 'io');
    }
    opts.log.info({ file: name, site: site.code, size, sha256, channel, fileId, kind }, kind === 'cmr' ? 'CMR file stored (not billed)' : 'CDR file received');
    if (kind !== 'cmr') opts.onAccepted?.(fileId);
    return { status: kind === 'cmr' ? 'skipped' : 'accepted', fileId, siteCode: site.code, sha256, size };
  }

  /**
   * After a crash: a file renamed into `incoming/` whose row was not yet written is recorded now;
   * half-written uploads in `.tmp/` were never acknowledged and are removed (the sender resends).
   */
  async function recover(): Promise<number> {
    let recovered = 0;
    await rm(tmpDir, { recursive: true, force: true });
    const sites = await listSites({ db: opts.db });
    for (const site of sites) {
      const dir = siteDir(site.code, 'incoming');
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const entry of names) {
        const file = path.join(dir, entry);
        if (await findFileBySpoolPath({ db: opts.db, spoolPath: rel(file) })) continue;
        const { sha256, size } = await hashFile(file);
        const dup = await findFileBySha({ db: opts.db, sha256 });
        if (dup) {
          await rm(file, { force: true });
          continue;
        }
        const kind = parseCdrFileName(entry.replace(/~[0-9a-f]{12}$/, ''))?.kind ?? 'unknown';
        const id = await insertFile({
          db: opts.db,
          file: { siteId: site.id, name: entry.replace(/~[0-9a-f]{12}$/, ''), kind, size, sha256, channel: 'import', spoolPath: rel(file), status: 'received', receivedAt: now() },
        });
        opts.log.warn({ file: entry, site: site.code, fileId: id }, 'recovered a spooled file that had not been recorded (crash during receive)');
        recovered++;
      }
    }
    return recovered;
  }

  return { root, maxFileBytes: opts.maxFileBytes, receive, receiveLocalFile, receiveCopy, stagingPath, recover, siteDir, abs, rel };
}

/** A file modified this recently may change without its times showing it (see receiveCopy). */
const RACY_MS = 2000;

export async function hashFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  // 1 MiB reads: a sixteenth of the calls of the default 64 KiB, for a file read once.
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

