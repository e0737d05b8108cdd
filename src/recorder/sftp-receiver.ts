import { createHash } from 'node:crypto';
import { open, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { posix } from 'node:path';
import ssh2, { type Attributes, type Connection, type ParsedKey, type SFTPWrapper } from 'ssh2';
import type { Logger } from 'pino';
import type { ReceiverUser } from '../config.js';
import { bindingOf, isTempUploadName, looksLikeUploadName, matchReceiverUser, type ReceiverBinding } from './ftp-receiver.js';
import { ReceiveError, type Spool } from './spool.js';
import { pendingSet, type Receiver } from './pending.js';

/**
 * The SFTP receiver (CUCM 12+ only speaks SFTP with AES-CTR ciphers). A virtual file system like
 * the FTP one: any directory exists and is empty; a file opened for writing is staged in the spool
 * and handed over on CLOSE, whose STATUS OK is only sent once the spool has recorded it.
 */

const { Server, utils } = ssh2;
const { OPEN_MODE, STATUS_CODE } = utils.sftp;

/** CUCM 12+ only accepts the CTR ciphers; GCM first for everyone else. */
const CIPHERS = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr'] as const;
/** ssh2's defaults plus diffie-hellman-group14-sha1 last, for older CUCM releases. */
const KEX = [
  'curve25519-sha256', 'curve25519-sha256@libssh.org', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384', 'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256', 'diffie-hellman-group14-sha256', 'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512', 'diffie-hellman-group14-sha1',
] as const;

/** `SHA256:…` fingerprint of a public key, as `ssh-keygen -l` prints it. */
function fingerprint(key: ParsedKey): string {
  return 'SHA256:' + createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '');
}

/**
 * ssh2's generateKeyPairSync('ed25519') drops leading zero bytes of the key (about 1 key in 250
 * comes out malformed and cannot be parsed back), so a key is only kept once it parses.
 */
function generateHostKey(): string {
  for (let attempt = 0; attempt < 50; attempt++) {
    const pem = utils.generateKeyPairSync('ed25519').private;
    const key = utils.parseKey(pem);
    if (!(key instanceof Error) && key.getPublicSSH().length === 51) return pem;
  }
  throw new Error('could not generate a valid ed25519 host key');
}

async function loadHostKey(file: string, log: Logger): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
    if (((await stat(file)).mode & 0o077) !== 0) log.warn({ file }, 'SFTP host key file is readable by others: chmod 600 it');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    pem = generateHostKey();
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
    log.info({ file }, 'generated a new SFTP host key');
  }
  const key = utils.parseKey(pem);
  if (key instanceof Error) throw new Error(`cannot read the SFTP host key ${file}: ${key.message}`);
  log.info({ file, type: key.type, fingerprint: fingerprint(key) }, 'SFTP host key');
  return pem;
}

function attrs(dir: boolean, size = 0, mtime = Date.now()): Attributes {
  const t = Math.floor(mtime / 1000);
  return { mode: dir ? 0o40755 : 0o100644, uid: 0, gid: 0, size, atime: t, mtime: t };
}

function normalize(p: string): string {
  return posix.resolve('/', p.replace(/\\/g, '/') || '.');
}

interface OpenFile { kind: 'file'; path: string; file: string; fh: FileHandle; size: number; writes: Set<Promise<void>>; error?: Error }
interface OpenDir { kind: 'dir'; sent: boolean }
interface Staged { file: string; size: number; mtime: number }

interface SessionCtx { spool: Spool; log: Logger; binding: ReceiverBinding; ip: string; track: <T>(p: Promise<T>) => Promise<T> }

/** Serves one SFTP channel. Returns `abort()`, called when the client goes away. */
function serveSftp(sftp: SFTPWrapper, ctx: SessionCtx): { abort(): Promise<void> } {
  const handles = new Map<string, OpenFile | OpenDir>();
  const staged = new Map<string, Staged>();
  /** Files handed over in this session, so that a STAT right after the upload finds them. */
  const stored = new Map<string, { size: number; mtime: number }>();
  let nextHandle = 0;
  let gone = false;

  /** Replies unless the client is gone (ssh2 throws on a closed channel). */
  const reply = (fn: () => void): void => {
    if (gone) return;
    try {
      fn();
    } catch (err) {
      ctx.log.debug({ err }, 'SFTP reply failed');
    }
  };
  const ok = (id: number): void => reply(() => sftp.status(id, STATUS_CODE.OK));
  const fail = (id: number, code: number, message: string): void => reply(() => sftp.status(id, code, message));
  const writingPath = (p: string): OpenFile | undefined =>
    [...handles.values()].find((h): h is OpenFile => h.kind === 'file' && h.path === p);

  const refused = (name: string, err: unknown): string => {
    const message = (err as Error).message;
    ctx.log.warn({ file: name, code: err instanceof ReceiveError ? err.code : 'io', ip: ctx.ip, error: message }, 'SFTP upload refused');
    return message;
  };

  /** Hands a complete staged file to the spool. */
  async function handOver(id: number, file: string, path: string): Promise<void> {
    const name = posix.basename(path);
    try {
      const r = await ctx.track(ctx.spool.receiveLocalFile({ file, name, channel: 'sftp', ...ctx.binding }));
      stored.delete(path);
      stored.set(path, { size: r.size, mtime: Date.now() });
      if (stored.size > 1000) stored.delete(stored.keys().next().value ?? '');
      ok(id);
    } catch (err) {
      await rm(file, { force: true });
      fail(id, STATUS_CODE.FAILURE, refused(name, err));
    }
  }

  async function openFile(id: number, filename: string, flags: number): Promise<void> {
    const path = normalize(filename);
    if (!(flags & OPEN_MODE.WRITE)) return fail(id, STATUS_CODE.PERMISSION_DENIED, 'downloads are not allowed on this server');
    if (flags & OPEN_MODE.APPEND) return fail(id, STATUS_CODE.OP_UNSUPPORTED, 'append is not supported: send the whole file again');
    if (path === '/') return fail(id, STATUS_CODE.FAILURE, 'not a file name');
    const old = staged.get(path);
    staged.delete(path);
    if (old) await rm(old.file, { force: true });
    const file = await ctx.spool.stagingPath();
    const fh = await open(file, 'wx', 0o600);
    const handle = Buffer.alloc(4);
    handle.writeUInt32BE(nextHandle++);
    handles.set(handle.toString('hex'), { kind: 'file', path, file, fh, size: 0, writes: new Set() });
    if (gone) return abortFile(handle.toString('hex'));
    reply(() => sftp.handle(id, handle));
  }

  function write(id: number, handle: Buffer, offset: number, data: Buffer): void {
    const h = handles.get(handle.toString('hex'));
    if (!h || h.kind !== 'file') return fail(id, STATUS_CODE.FAILURE, 'invalid handle');
    if (h.error) return fail(id, STATUS_CODE.FAILURE, h.error.message);
    const p = h.fh.write(data, 0, data.length, offset).then(
      () => {
        h.size = Math.max(h.size, offset + data.length);
        ok(id);
      },
      (err: Error) => {
        h.error = new Error(`could not store ${posix.basename(h.path)}: ${err.message}`);
        fail(id, STATUS_CODE.FAILURE, refused(posix.basename(h.path), h.error));
      },
    );
    h.writes.add(p);
    void p.then(() => h.writes.delete(p));
  }

  async function closeHandle(id: number, key: string): Promise<void> {
    const h = handles.get(key);
    if (!h) return fail(id, STATUS_CODE.FAILURE, 'invalid handle');
    handles.delete(key);
    if (h.kind === 'dir') return ok(id);
    await Promise.all(h.writes);
    await h.fh.close().catch(() => undefined);
    const name = posix.basename(h.path);
    if (h.error) {
      await rm(h.file, { force: true });
      return fail(id, STATUS_CODE.FAILURE, h.error.message);
    }
    if (isTempUploadName(name)) {
      staged.set(h.path, { file: h.file, size: h.size, mtime: Date.now() });
      return ok(id);
    }
    await handOver(id, h.file, h.path);
  }

  async function rename(id: number, from: string, to: string): Promise<void> {
    const src = normalize(from);
    const dst = normalize(to);
    const s = staged.get(src);
    if (!s) {
      if (writingPath(src)) return fail(id, STATUS_CODE.FAILURE, `${from} is still open`);
      return fail(id, STATUS_CODE.NO_SUCH_FILE, `${from}: no such file (only a closed file uploaded under a temporary name can be renamed)`);
    }
    staged.delete(src);
    const name = posix.basename(dst);
    if (isTempUploadName(name)) {
      staged.set(dst, s);
      return ok(id);
    }
    await handOver(id, s.file, dst);
  }

  async function abortFile(key: string): Promise<void> {
    const h = handles.get(key);
    handles.delete(key);
    if (!h || h.kind !== 'file') return;
    await Promise.all(h.writes);
    await h.fh.close().catch(() => undefined);
    await rm(h.file, { force: true });
    ctx.log.warn({ file: posix.basename(h.path), ip: ctx.ip, bytes: h.size }, 'SFTP client left during an upload: partial file dropped');
  }

  const run = (id: number, what: string, p: Promise<void>): void => {
    void ctx.track(p).catch((err: unknown) => {
      ctx.log.warn({ err, ip: ctx.ip }, `SFTP ${what} failed`);
      fail(id, STATUS_CODE.FAILURE, (err as Error).message);
    });
  };

  sftp.on('REALPATH', (id: number, p: string) => {
    const path = normalize(p);
    reply(() => sftp.name(id, [{ filename: path, longname: path, attrs: attrs(true) }]));
  });
  const statPath = (id: number, p: string): void => {
    const path = normalize(p);
    const w = writingPath(path);
    const s = staged.get(path) ?? stored.get(path);
    if (w) return reply(() => sftp.attrs(id, attrs(false, w.size)));
    if (s) return reply(() => sftp.attrs(id, attrs(false, s.size, s.mtime)));
    if (looksLikeUploadName(posix.basename(path))) return fail(id, STATUS_CODE.NO_SUCH_FILE, 'No such file');
    reply(() => sftp.attrs(id, attrs(true)));
  };
  sftp.on('STAT', statPath);
  sftp.on('LSTAT', statPath);
  sftp.on('OPENDIR', (id: number) => {
    const handle = Buffer.alloc(4);
    handle.writeUInt32BE(nextHandle++);
    handles.set(handle.toString('hex'), { kind: 'dir', sent: false });
    reply(() => sftp.handle(id, handle));
  });
  sftp.on('READDIR', (id: number, handle: Buffer) => {
    const h = handles.get(handle.toString('hex'));
    if (!h || h.kind !== 'dir') return fail(id, STATUS_CODE.FAILURE, 'invalid handle');
    if (h.sent) return fail(id, STATUS_CODE.EOF, 'end of directory');
    h.sent = true;
    reply(() => sftp.name(id, []));
  });
  for (const ev of ['MKDIR', 'RMDIR', 'SETSTAT', 'FSETSTAT'] as const) sftp.on(ev, (id: number) => ok(id));
  sftp.on('REMOVE', (id: number, p: string) => {
    const s = staged.get(normalize(p));
    staged.delete(normalize(p));
    run(id, 'REMOVE', (s ? rm(s.file, { force: true }) : Promise.resolve()).then(() => ok(id)));
  });
  sftp.on('OPEN', (id: number, filename: string, flags: number) => run(id, 'OPEN', openFile(id, filename, flags)));
  sftp.on('WRITE', write);
  sftp.on('READ', (id: number) => fail(id, STATUS_CODE.PERMISSION_DENIED, 'downloads are not allowed on this server'));
  sftp.on('FSTAT', (id: number, handle: Buffer) => {
    const h = handles.get(handle.toString('hex'));
    if (!h) return fail(id, STATUS_CODE.FAILURE, 'invalid handle');
    reply(() => sftp.attrs(id, h.kind === 'dir' ? attrs(true) : attrs(false, h.size)));
  });
  sftp.on('CLOSE', (id: number, handle: Buffer) => run(id, 'CLOSE', closeHandle(id, handle.toString('hex'))));
  sftp.on('RENAME', (id: number, from: string, to: string) => run(id, 'RENAME', rename(id, from, to)));

  return {
    async abort() {
      if (gone) return;
      gone = true;
      await Promise.all([...handles.keys()].map((k) => abortFile(k)));
      const left = [...staged.values()];
      staged.clear();
      await Promise.all(left.map((s) => rm(s.file, { force: true })));
    },
  };
}

/**
 * Starts the SFTP receiver on `host:port` (port 0: any free port; the real one is returned). The
 * ed25519 host key is created at `hostKeyPath` (mode 0600) on first start and reused afterwards.
 * `close()` disconnects clients (dropping partial uploads), waits for hand-overs in flight, then stops.
 */
export async function startSftpReceiver(opts: {
  host: string; port: number; hostKeyPath: string; users: ReceiverUser[]; spool: Spool; log: Logger;
}): Promise<Receiver> {
  const { log, spool } = opts;
  const hostKey = await loadHostKey(opts.hostKeyPath, log);
  const { pending, track } = pendingSet();
  const clients = new Map<Connection, Array<() => Promise<void>>>();

  const server = new Server(
    { hostKeys: [hostKey], ident: 'tollgate', algorithms: { cipher: [...CIPHERS], kex: [...KEX] } },
    (client, info) => {
      const aborts: Array<() => Promise<void>> = [];
      clients.set(client, aborts);
      let binding: ReceiverBinding | undefined;
      let username = '';
      client.on('authentication', (ctx) => {
        if (ctx.method !== 'password') return ctx.reject(['password']);
        const user = matchReceiverUser(opts.users, ctx.username, ctx.password);
        if (!user) {
          log.warn({ username: ctx.username, ip: info.ip }, 'SFTP login refused: wrong username or password');
          return ctx.reject(['password']);
        }
        binding = bindingOf(user);
        username = ctx.username;
        ctx.accept();
      });
      client.on('ready', () => {
        log.debug({ username, ip: info.ip }, 'SFTP login');
        client.on('session', (accept) => {
          const session = accept();
          session.on('sftp', (acceptSftp) => {
            const sftp = acceptSftp();
            const s = serveSftp(sftp, { spool, log: log.child({ user: username }), binding: binding ?? {}, ip: info.ip, track });
            aborts.push(() => s.abort());
            sftp.on('close', () => void track(s.abort()));
          });
        });
      });
      client.on('error', (err) => log.debug({ err, ip: info.ip }, 'SFTP client error'));
      client.on('close', () => {
        clients.delete(client);
        for (const abort of aborts) void track(abort());
      });
    },
  );
  server.on('error', (err: Error) => log.error({ err }, 'SFTP server error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ host: opts.host, port, ciphers: CIPHERS }, 'SFTP receiver listening');
  let closing: Promise<void> | undefined;
  return {
    port,
    listening: () => server.address() !== null && !closing,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const [client, aborts] of clients) {
          await Promise.allSettled(aborts.map((a) => a()));
          client.end();
        }
        while (pending.size > 0) await Promise.allSettled([...pending]);
        await stopped;
        log.info('SFTP receiver stopped');
      })();
      return closing;
    },
  };
}
