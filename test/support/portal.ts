import type Koa from 'koa';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { hashPassword } from '../../src/auth/passwords.js';
import { createTokenService } from '../../src/auth/tokens.js';
import type { Db } from '../../src/db/knex.js';
import { updateAccount, type AccountPatch } from '../../src/db/queries/portal-users.js';
import { upsertSite } from '../../src/db/queries/sites.js';
import { upsertUser } from '../../src/db/queries/users.js';
import type { LdapDirectory } from '../../src/auth/ldap.js';
import type { PortalDeps } from '../../src/portal/portal-deps.js';
import { HQ, user } from './pipeline.js';
import { testLog } from './logger.js';

export const SECRET = 'test-secret-0123456789-0123456789-abcdef';
export const PASSWORD = 'correct horse battery';

export function portalDeps(extra: Partial<PortalDeps> = {}): PortalDeps {
  return {
    tokens: createTokenService({ secret: SECRET, sessionTtl: 3600, apiTokenTtl: 86400 }),
    throttle: { maxFailures: 3, lockoutS: 60 },
    ldap: undefined as LdapDirectory | undefined, ldapAttributes: {}, sessionTtl: 3600, cookieSecure: false, syncDirectory: undefined, webDir: undefined,
    ...extra,
  };
}

export function portalApp(db: Db, extra: Partial<PortalDeps> = {}): Koa {
  return createApp({ db, log: testLog, portal: portalDeps(extra) });
}

/** A local account with PASSWORD (no forced change) and the given portal fields. Returns the id. */
export async function addAccount(db: Db, username: string, extension: string, patch: AccountPatch & { department?: string; cost_center?: string; office_location?: string; site_id?: number | null } = {}): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const { department, cost_center, office_location, site_id, ...account } = patch;
  const id = await upsertUser({ db, user: user(username, extension, {
    ...(department !== undefined ? { department } : {}), ...(cost_center !== undefined ? { cost_center } : {}),
    ...(office_location !== undefined ? { office_location } : {}), ...(site_id !== undefined ? { site_id } : {}),
  }), now });
  await updateAccount({ db, id, patch: { password_hash: await hashPassword(PASSWORD), auth_source: 'local', ...account }, now });
  return id;
}

/** Logs in through the API; the agent keeps the cookies. Returns the agent and the CSRF token. */
export async function login(app: Koa, username: string, password = PASSWORD) {
  const agent = request.agent(app.callback());
  const res = await agent.post('/api/sessions').send({ username, password });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return { agent, csrf: res.body.csrfToken as string, body: res.body };
}

/** A bearer token for API calls. */
export async function apiToken(app: Koa, username: string, password = PASSWORD): Promise<string> {
  const res = await request(app.callback()).post('/api/sessions').send({ username, password, kind: 'api' });
  if (res.status !== 200) throw new Error(`token ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

export async function addSite(db: Db, code = 'HQ', privacy: { privacyDigits?: number; privacyLevel?: number } = {}): Promise<number> {
  return upsertSite({ db, site: { ...HQ, code, clusterIds: code === 'HQ' ? HQ.clusterIds : [`${code}-cluster`], ...privacy }, now: 0 });
}

let line = 0;
/** Inserts one call (and a CDR file to hang it on). Returns the id. */
export async function addCall(db: Db, c: {
  siteId: number; userId: number | null; extension: string; remote: string; startAt: number; direction?: string; answered?: boolean;
  duration?: number; ring?: number; cost?: number | null; destinationType?: string;
}): Promise<number> {
  let file = await db('cdr_files').where({ name: 'portal-test' }).first('id');
  if (!file) {
    await db('cdr_files').insert({ site_id: c.siteId, name: 'portal-test', kind: 'cdr', size: 0, sha256: `portal-${c.siteId}-${Math.random()}`, channel: 'import', spool_path: '', status: 'done', received_at: 0 });
    file = await db('cdr_files').where({ name: 'portal-test' }).first('id');
  }
  line++;
  const [row] = await db('calls').insert({
    site_id: c.siteId, cluster_id: 'test', gcid: line, pkid: `pk-${line}-${Math.random()}`, party: 0, direction: c.direction ?? 'outgoing',
    answered: c.answered ?? true, start_at: c.startAt, ring_s: c.ring ?? 5, duration_s: c.duration ?? 60, extension: c.extension, partition: '',
    user_id: c.userId, remote_number: c.remote, dialed_number: c.remote, gateway: 'gw', destination_type: c.destinationType ?? 'national',
    account_code: '', orig_cause: 16, dest_cause: 16, last_redirect_dn: '', redirected: false, transferred: false, conference: false,
    trunk_leg: 0, cost: c.cost === undefined ? 100 : c.cost, currency: c.cost === null ? null : 'USD', cdr_file_id: Number(file.id), cdr_line: line,
  }).returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}
