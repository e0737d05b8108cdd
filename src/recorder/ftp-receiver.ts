import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { posix } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { FtpSrv, type FileSystem, type FtpConnection } from 'ftp-srv';
import type { Logger } from 'pino';
import type { ReceiverUser } from '../config.js';
import { ReceiveError, type Spool } from './spool.js';
import { pendingSet, type Receiver } from './pending.js';

/**
 * The FTP receiver for CUCM's "Billing Application Server" push. Each login gets a virtual file
 * system: any directory exists and is empty, an upload goes straight into the spool, and the
 * `226` success reply is only sent once the spool has fsynced and recorded the file.
 */

/** What a receiver login is bound to: the spool derives the site from it. */
export type ReceiverBinding = { site?: string; cluster?: string };

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * The login matching `username` and `password`, compared in constant time (every user is
 * checked, whatever matches first). Shared by the FTP and SFTP receivers.
 */
export function matchReceiverUser(users: readonly ReceiverUser[], username: string, password: string): ReceiverUser | undefined {
  const u = digest(username);
  const p = digest(password);
  let found: ReceiverUser | undefined;
  for (const user of users) {
    const okUser = timingSafeEqual(u, digest(user.username));
    const okPass = timingSafeEqual(p, digest(user.password));
    if (okUser && okPass && !found) found = user;
  }
  return found;
}

/** The spool binding (site code or cluster id) of a login. */
export function bindingOf(user: ReceiverUser): ReceiverBinding {
  return user.site ? { site: user.site } : { cluster: user.cluster };
}

/** Upload names that are staged until renamed: `_x`, `.x`, `x.tmp`, `x.part`. */
export function isTempUploadName(name: string): boolean {
  return /^[_.]/.test(name) || /\.(tmp|part)$/i.test(name);
}

/** Names that can only be files (so a STAT/SIZE of them must not claim a directory). */
export function looksLikeUploadName(name: string): boolean {
  return isTempUploadName(name) || /^(cdr|cmr)_/i.test(name);
}

interface VfsStat {
  name: string; size: number; mtime: Date; mode: number; uid: number; gid: number;
  isDirectory(): boolean; isFile(): boolean;
}

function vstat(name: string, dir: boolean, size = 0, mtime = new Date()): VfsStat {
  return { name, size, mtime, mode: dir ? 0o40755 : 0o100644, uid: 0, gid: 0, isDirectory: () => dir, isFile: () => !dir };
}

/**
 * The writable ftp-srv pipes an upload into. Data goes to `target`; `_final` waits for `done`
 * (the spool's receive, or the staging file's completion), so the STOR reply follows it. After a
 * failure the rest of the upload is read and dropped so that the client sees the error reply.
 */
class UploadSink extends Writable {
  private failure: Error | undefined;
  private waiting: (() => void) | undefined;
  bytes = 0;

  constructor(private readonly target: Writable, private readonly done: Promise<unknown>) {
    super();
    target.on('error', () => undefined);
    target.on('drain', () => this.release());
    target.on('close', () => this.release());
    done.catch((err: unknown) => {
      this.failure = err instanceof Error ? err : new Error(String(err));
      this.release();
    });
    // ftp-srv ends an upload by emitting 'close' on the stream when the data socket ends.
    this.once('close', () => {
      if (!this.writableEnded && !this.destroyed) this.end();
    });
  }

  private release(): void {
    const cb = this.waiting;
    this.waiting = undefined;
    cb?.();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.failure || this.target.destroyed) return cb();
    if (this.target.write(chunk)) return cb();
    this.waiting = () => cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.failure) this.target.end();
    this.done.then(() => cb(), (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))));
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.writableFinished) this.target.destroy(err ?? new Error('upload aborted'));
    this.release();
    cb(err);
  }
}

interface Staged { file: string; size: number; mtime: Date }

/** The per-login virtual file system. Nothing outside the spool's staging folder is touched. */
class VirtualFs implements FileSystem {
  readonly root = '/';
  cwd = '/';
  private readonly staged = new Map<string, Staged>();
  /** Files handed over in this session, so that a SIZE/MDTM right after the upload finds them. */
  private readonly stored = new Map<string, { size: number; mtime: Date }>();
  private readonly uploads = new Set<UploadSink>();
  private closed = false;

  constructor(
    readonly connection: FtpConnection,
    private readonly ctx: { spool: Spool; log: Logger; binding: ReceiverBinding; track: <T>(p: Promise<T>) => Promise<T> },
  ) {}

  private resolve(p: string | null | undefined): string {
    return posix.resolve(this.cwd, (p ?? '.').replace(/\\/g, '/'));
  }

  currentDirectory(): string { return this.cwd; }

  async get(fileName: string): Promise<VfsStat> {
    const p = this.resolve(fileName);
    const file = this.staged.get(p) ?? this.stored.get(p);
    if (file) return vstat(posix.basename(p), false, file.size, file.mtime);
    if (looksLikeUploadName(posix.basename(p))) throw new Error(`${fileName}: no such file`);
    return vstat(posix.basename(p) || '/', true);
  }

  async list(): Promise<VfsStat[]> { return []; }
  async chdir(path?: string): Promise<string> { return (this.cwd = this.resolve(path)); }
  async mkdir(path: string): Promise<string> { return this.resolve(path); }
  async chmod(): Promise<void> {}
  async read(): Promise<never> { throw new Error('downloads are not allowed on this server'); }
  getUniqueName(): string { return `upload-${Date.now()}`; }

  async delete(path: string): Promise<void> {
    const p = this.resolve(path);
    const staged = this.staged.get(p);
    this.staged.delete(p);
    if (staged) await rm(staged.file, { force: true });
  }

  async write(fileName: string, opts: { append?: boolean; start?: unknown } = {}): Promise<{ stream: Writable; clientPath: string }> {
    const clientPath = this.resolve(fileName);
    const name = posix.basename(clientPath);
    if (this.closed) throw new Error('the server is shutting down: try again later');
    if (opts.append || (typeof opts.start === 'number' && opts.start > 0)) {
      throw new Error('append and restart (APPE/REST) are not supported: send the whole file again');
    }
    if (isTempUploadName(name)) return { stream: await this.stage(clientPath), clientPath };
    const source = new PassThrough();
    const done = this.ctx.track(this.ctx.spool.receive({ name, source, channel: 'ftp', ...this.ctx.binding }));
    done.then((r) => this.remember(clientPath, r.size), (err: unknown) => this.refused(name, err));
    return { stream: this.watch(new UploadSink(source, done)), clientPath };
  }

  private async stage(clientPath: string): Promise<UploadSink> {
    await this.delete(clientPath);
    const file = await this.ctx.spool.stagingPath();
    const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
    const done = this.ctx.track(finished(out));
    const sink = this.watch(new UploadSink(out, done));
    done.then(
      () => this.staged.set(clientPath, { file, size: sink.bytes, mtime: new Date() }),
      () => rm(file, { force: true }),
    );
    return sink;
  }

  private watch(sink: UploadSink): UploadSink {
    this.uploads.add(sink);
    sink.once('close', () => this.uploads.delete(sink));
    sink.once('error', () => this.uploads.delete(sink));
    return sink;
  }

  async rename(from: string, to: string): Promise<void> {
    const src = this.resolve(from);
    const dst = this.resolve(to);
    const staged = this.staged.get(src);
    if (!staged) throw new Error(`${from}: no such file (only a file uploaded under a temporary name can be renamed)`);
    if (this.closed) throw new Error('the server is shutting down: try again later');
    this.staged.delete(src);
    const name = posix.basename(dst);
    if (isTempUploadName(name)) {
      this.staged.set(dst, staged);
      return;
    }
    try {
      await this.ctx.track(this.ctx.spool.receiveLocalFile({ file: staged.file, name, channel: 'ftp', ...this.ctx.binding }));
      this.remember(dst, staged.size);
    } catch (err) {
      await rm(staged.file, { force: true });
      this.refused(name, err);
      throw err instanceof ReceiveError ? err : new Error(`could not store ${name}: ${(err as Error).message}`);
    }
  }

  private remember(path: string, size: number): void {
    this.stored.delete(path);
    this.stored.set(path, { size, mtime: new Date() });
    if (this.stored.size > 1000) this.stored.delete(this.stored.keys().next().value ?? '');
  }

  private refused(name: string, err: unknown): void {
    const code = err instanceof ReceiveError ? err.code : 'io';
    this.ctx.log.warn({ file: name, code, ip: this.connection.ip, error: (err as Error).message }, 'FTP upload refused');
  }

  /** The client went away: drop unfinished uploads and staged files that were never renamed. */
  async abort(): Promise<void> {
    this.closed = true;
    for (const sink of this.uploads) if (!sink.writableEnded) sink.destroy(new Error('connection closed during the upload'));
    const files = [...this.staged.values()];
    this.staged.clear();
    await Promise.all(files.map((s) => rm(s.file, { force: true })));
  }
}

type BunyanArgs = unknown[];
type BunyanLike = { child(fields: Record<string, unknown>): BunyanLike } & Record<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', (...a: BunyanArgs) => void>;

/** ftp-srv logs through a bunyan-style logger: route it to pino at debug; drop trace (it shows raw commands, PASS included). */
function ftpSrvLog(log: Logger): BunyanLike {
  const emit = (...args: BunyanArgs): void => {
    if (!log.isLevelEnabled('debug')) return;
    const [first, ...rest] = args;
    const text = rest.filter((x) => typeof x === 'string' || typeof x === 'number').join(' ');
    if (first instanceof Error) log.debug({ err: first }, text || first.message);
    else if (typeof first === 'object' && first !== null) log.debug(first, text);
    else log.debug(Object.assign({}, ...rest.filter((x) => typeof x === 'object')), [String(first), text].filter(Boolean).join(' '));
  };
  const noop = (): void => undefined;
  return { child: (fields) => ftpSrvLog(log.child(fields)), trace: noop, debug: emit, info: emit, warn: emit, error: emit, fatal: emit };
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;

/**
 * The IPv4 address of this host a client most likely reached: loopback for local clients, else
 * the interface whose subnet holds the client, else the first external interface.
 */
export function localAddressFor(clientIp: string): string {
  const ip = clientIp.replace(/^::ffff:/, '');
  if (ip === '127.0.0.1' || ip === '::1' || ip.startsWith('127.')) return '127.0.0.1';
  const toInt = (a: string) => a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
  const v4 = Object.values(networkInterfaces()).flat().filter((i): i is NetworkInterfaceInfo => !!i && i.family === 'IPv4' && !i.internal);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(ip)) {
    const c = toInt(ip);
    const same = v4.find((i) => ((toInt(i.address) ^ c) & toInt(i.netmask)) === 0);
    if (same) return same.address;
  }
  return v4[0]?.address ?? '127.0.0.1';
}

/**
 * Starts the embedded FTP server on `host:port` (port 0: any free port; the real one is returned).
 * Logins are checked against `users`; uploads go into `spool`. `close()` drops unfinished uploads,
 * waits for the spool operations in flight, then stops the server.
 */
export async function startFtpReceiver(opts: {
  host: string; port: number; pasvUrl?: string | undefined; pasvMin: number; pasvMax: number;
  users: ReceiverUser[]; spool: Spool; log: Logger;
}): Promise<Receiver> {
  const { log, spool } = opts;
  const wildcard = opts.host === '0.0.0.0' || opts.host === '::';
  const fixed = opts.pasvUrl ? opts.pasvUrl.replace(/^[a-z]+:\/\//i, '').replace(/[:/].*$/, '') : wildcard ? undefined : opts.host;
  // Without a configured address, announce the local address facing the client (not 127.0.0.1,
  // which a remote CUCM cannot reach).
  const pasvHost = fixed ?? ((clientIp: string) => localAddressFor(clientIp));
  const urlHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const srv = new FtpSrv({
    // ftp-srv takes a function of the client's address too; its typings only list a string.
    url: `ftp://${urlHost}:${opts.port}`, pasv_url: pasvHost as unknown as string, pasv_min: opts.pasvMin, pasv_max: opts.pasvMax,
    anonymous: false, greeting: 'tollgate CDR receiver', log: ftpSrvLog(log),
  });
  // ftp-srv installs signal handlers that call process.exit(): shutdown is the server's job.
  for (const s of SIGNALS) {
    for (const l of process.listeners(s)) if (!before.get(s)?.has(l)) process.removeListener(s, l);
  }

  const { pending, track } = pendingSet();
  const sessions = new Map<string, VirtualFs>();
  let closing: Promise<void> | undefined;

  srv.on('login', ({ connection, username, password }, resolve, reject) => {
    const user = matchReceiverUser(opts.users, username, password);
    if (closing) return reject(new Error('the server is shutting down'));
    if (!user) {
      log.warn({ username, ip: connection.ip }, 'FTP login refused: wrong username or password');
      reject(new Error('Login incorrect'));
      return;
    }
    const fs = new VirtualFs(connection, { spool, log: log.child({ user: username }), binding: bindingOf(user), track });
    sessions.set(connection.id, fs);
    log.debug({ username, ip: connection.ip }, 'FTP login');
    resolve({ fs });
  });
  srv.on('disconnect', ({ id }) => {
    const fs = sessions.get(id);
    sessions.delete(id);
    if (fs) void track(fs.abort());
  });
  srv.on('client-error', ({ context, error }) => log.debug({ context, err: error }, 'FTP client error'));

  await srv.listen();
  const port = ((srv as unknown as { server: NetServer }).server.address() as AddressInfo).port;
  log.info({ host: opts.host, port, pasv: `${fixed ?? 'address facing the client'}:${opts.pasvMin}-${opts.pasvMax}` }, 'FTP receiver listening');
  const netServer = (srv as unknown as { server: NetServer }).server;
  return {
    port,
    listening: () => netServer.listening && !closing,
    close() {
      closing ??= (async () => {
        const all = [...sessions.values()];
        sessions.clear();
        await Promise.allSettled(all.map((fs) => fs.abort()));
        while (pending.size > 0) await Promise.allSettled([...pending]);
        await srv.close();
        log.info('FTP receiver stopped');
      })();
      return closing;
    },
  };
}
