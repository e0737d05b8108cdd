import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { freePort } from './ports.js';
import { tempDir } from './test-db.js';

/**
 * A real OpenLDAP server (Debian `slapd`) for tests: a throwaway slapd.conf, an mdb database, a
 * test CA and server certificate (LDAPS and StartTLS), on free ports. `SLAPD_SKIP` is the
 * reason to skip when slapd is not installed (apt-get install slapd ldap-utils).
 */

export const SLAPD_BIN = ['/usr/sbin/slapd', '/usr/local/libexec/slapd', '/usr/libexec/slapd'].find((p) => existsSync(p));
export const SLAPD_SKIP = SLAPD_BIN && existsSync('/etc/ldap/schema/core.schema')
  ? false
  : 'slapd is not installed (apt-get install -y slapd ldap-utils): LDAP tests skipped';

export const BASE = 'dc=example,dc=org';
export const ADMIN_DN = `cn=admin,${BASE}`;
export const ADMIN_PW = 'admin-secret';

export interface Slapd {
  url: string;
  ldapsUrl: string;
  caFile: string;
  dir: string;
  client(): Promise<Client>;
  stop(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`slapd did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startSlapd(): Promise<Slapd> {
  if (!SLAPD_BIN) throw new Error(String(SLAPD_SKIP));
  const tmp = tempDir('tollgate-slapd-');
  const dir = tmp.dir;
  mkdirSync(path.join(dir, 'db'));
  // A test CA and a server certificate for 127.0.0.1 / localhost.
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=tollgate test CA'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf'], dir);
  const modules = ['/usr/lib/ldap', '/usr/lib/x86_64-linux-gnu/ldap', '/usr/lib/aarch64-linux-gnu/ldap'].find((p) => existsSync(path.join(p, 'back_mdb.so')) || existsSync(path.join(p, 'back_mdb.la')));
  const conf = [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include /etc/ldap/schema/${s}.schema`),
    `pidfile ${dir}/slapd.pid`,
    `argsfile ${dir}/slapd.args`,
    ...(modules ? [`modulepath ${modules}`, 'moduleload back_mdb'] : []),
    `TLSCACertificateFile ${dir}/ca.pem`,
    `TLSCertificateFile ${dir}/server.pem`,
    `TLSCertificateKeyFile ${dir}/server-key.pem`,
    'database mdb',
    `suffix "${BASE}"`,
    `rootdn "${ADMIN_DN}"`,
    `rootpw ${ADMIN_PW}`,
    `directory ${dir}/db`,
    'maxsize 10485760',
    'access to attrs=userPassword by self write by anonymous auth by * none',
    'access to * by * read',
  ].join('\n') + '\n';
  writeFileSync(path.join(dir, 'slapd.conf'), conf);
  const port = await freePort();
  const ldapsPort = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const ldapsUrl = `ldaps://127.0.0.1:${ldapsPort}`;
  const proc: ChildProcess = spawn(SLAPD_BIN, ['-f', path.join(dir, 'slapd.conf'), '-h', `${url}/ ldaps://127.0.0.1:${ldapsPort}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
  try {
    await Promise.race([
      waitForPort(port, 10_000),
      new Promise((_, reject) => proc.once('exit', (code) => reject(new Error(`slapd exited (${code}): ${stderr.slice(-2000)}`)))),
    ]);
  } catch (err) {
    proc.kill('SIGKILL');
    tmp.remove();
    throw err;
  }
  const slapd: Slapd = {
    url, ldapsUrl, caFile: path.join(dir, 'ca.pem'), dir,
    async client() {
      const c = new Client({ url, timeout: 5000 });
      await c.bind(ADMIN_DN, ADMIN_PW);
      return c;
    },
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      tmp.remove();
    },
  };
  return slapd;
}

export interface PersonSpec {
  uid: string;
  password: string;
  givenName: string;
  sn: string;
  mail?: string;
  telephoneNumber?: string;
  departmentNumber?: string;
  ou?: string;
}

/** The base entries, people and groups (groupOfNames). */
export async function populate(slapd: Slapd, people: PersonSpec[], groups: Record<string, string[]>): Promise<void> {
  const c = await slapd.client();
  try {
    await c.add(BASE, { objectClass: ['top', 'dcObject', 'organization'], dc: 'example', o: 'Example' });
    await c.add(`ou=people,${BASE}`, { objectClass: ['organizationalUnit'], ou: 'people' });
    await c.add(`ou=groups,${BASE}`, { objectClass: ['organizationalUnit'], ou: 'groups' });
    for (const p of people) await addPerson(slapd, p, c);
    for (const [cn, uids] of Object.entries(groups)) {
      await c.add(`cn=${cn},ou=groups,${BASE}`, { objectClass: ['groupOfNames'], cn, member: uids.map((u) => `uid=${u},ou=people,${BASE}`) });
    }
  } finally {
    await c.unbind();
  }
}

export async function addPerson(slapd: Slapd, p: PersonSpec, client?: Client): Promise<void> {
  const c = client ?? (await slapd.client());
  const entry: Record<string, string | string[]> = {
    objectClass: ['inetOrgPerson'], uid: p.uid, cn: `${p.givenName} ${p.sn}`, givenName: p.givenName, sn: p.sn, userPassword: p.password,
  };
  if (p.mail) entry.mail = p.mail;
  if (p.telephoneNumber) entry.telephoneNumber = p.telephoneNumber;
  if (p.departmentNumber) entry.departmentNumber = p.departmentNumber;
  if (p.ou) entry.ou = p.ou;
  await c.add(`uid=${p.uid},ou=people,${BASE}`, entry);
  if (!client) await c.unbind();
}

export async function deletePerson(slapd: Slapd, uid: string): Promise<void> {
  const c = await slapd.client();
  try {
    await c.del(`uid=${uid},ou=people,${BASE}`);
  } finally {
    await c.unbind();
  }
}

export async function setAttribute(slapd: Slapd, uid: string, type: string, value: string): Promise<void> {
  const c = await slapd.client();
  try {
    await c.modify(`uid=${uid},ou=people,${BASE}`, new Change({ operation: 'replace', modification: new Attribute({ type, values: [value] }) }));
  } finally {
    await c.unbind();
  }
}

/** A TCP server that accepts connections and never answers (a hung LDAP server). */
export async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => { sockets.add(s); s.on('error', () => undefined); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as net.AddressInfo;
  return {
    url: `ldap://127.0.0.1:${port}`,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); srv.close(() => r()); }),
  };
}
