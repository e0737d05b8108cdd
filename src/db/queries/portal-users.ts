import type { DbOrTx } from '../knex.js';
import type { DbUserRow } from '../tables.js';

/** Queries of portal accounts (the `users` table with its login columns). One query per function. */

export async function findUserById(options: { db: DbOrTx; id: number }): Promise<DbUserRow | undefined> {
  return options.db<DbUserRow>('users').where({ id: options.id }).first();
}

export async function findUserByUsername(options: { db: DbOrTx; username: string }): Promise<DbUserRow | undefined> {
  return options.db<DbUserRow>('users').whereRaw('LOWER(username) = ?', [options.username.toLowerCase()]).first();
}

/** Whether any enabled level-10 account with a local password exists. */
export async function hasLocalAdmin(options: { db: DbOrTx }): Promise<boolean> {
  const row = await options.db('users').where({ level: 10, disabled: false }).whereNotNull('password_hash').first('id');
  return row !== undefined;
}

export interface UserSearch {
  q?: string;
  department?: string;
  costCenter?: string;
  site?: string;
  level?: number;
  authSource?: 'local' | 'ldap';
  limit: number;
  offset: number;
}

/** A page of users (by username) matching a search over names, username, e-mail and extensions, and the total. */
export async function searchUsers(options: { db: DbOrTx; search: UserSearch }): Promise<{ total: number; users: Array<DbUserRow & { site: string | null }> }> {
  const { db, search } = options;
  const base = db('users as u').leftJoin('sites as s', 's.id', 'u.site_id');
  if (search.q) {
    const like = `%${search.q.toLowerCase().replace(/[\\%_]/g, (ch) => '\\' + ch)}%`;
    base.where((w) => {
      for (const col of ['u.username', 'u.first_name', 'u.last_name', 'u.email', 'u.extension', 'u.department']) {
        w.orWhereRaw(`LOWER(${col}) LIKE ? ESCAPE '\\'`, [like]);
      }
    });
  }
  if (search.department !== undefined) base.where('u.department', search.department);
  if (search.costCenter !== undefined) base.where('u.cost_center', search.costCenter);
  if (search.site !== undefined) base.where('s.code', search.site);
  if (search.level !== undefined) base.where('u.level', search.level);
  if (search.authSource !== undefined) base.where('u.auth_source', search.authSource);
  const [count, users] = await Promise.all([
    base.clone().count({ n: '*' }).first(),
    base.clone().select('u.*', 's.code as site').orderBy('u.username').limit(search.limit).offset(search.offset),
  ]);
  return { total: Number((count as { n?: unknown } | undefined)?.n ?? 0), users: users as Array<DbUserRow & { site: string | null }> };
}

/** Device names per user id. */
export async function devicesOfUsers(options: { db: DbOrTx; userIds: number[] }): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  if (options.userIds.length === 0) return out;
  const rows = (await options.db('user_devices').whereIn('user_id', options.userIds).select('device_name', 'user_id').orderBy('device_name')) as Array<{ device_name: string; user_id: number }>;
  for (const r of rows) out.set(Number(r.user_id), [...(out.get(Number(r.user_id)) ?? []), r.device_name]);
  return out;
}

/** Login columns written by the portal (never by the reference import). */
export type AccountPatch = Partial<Pick<DbUserRow,
  'password_hash' | 'auth_source' | 'level' | 'scope' | 'extra_departments' | 'must_change_password' | 'disabled' | 'language' | 'manager' | 'ldap_dn' | 'dashboard'>>;

export async function updateAccount(options: { db: DbOrTx; id: number; patch: AccountPatch; now: number }): Promise<void> {
  await options.db('users').where({ id: options.id }).update({ ...options.patch, updated_at: options.now });
}

/** Sets a new password hash and raises the token version, so every earlier session ends. */
export async function setPassword(options: { db: DbOrTx; id: number; hash: string; mustChange: boolean; now: number }): Promise<void> {
  await options.db('users').where({ id: options.id })
    .update({ password_hash: options.hash, must_change_password: options.mustChange, updated_at: options.now })
    .increment('token_version', 1);
}

/** Ends every session and token of a user (logout). */
export async function bumpTokenVersion(options: { db: DbOrTx; id: number }): Promise<void> {
  await options.db('users').where({ id: options.id }).increment('token_version', 1);
}

export async function recordLogin(options: { db: DbOrTx; id: number; now: number }): Promise<void> {
  await options.db('users').where({ id: options.id }).update({ last_login_at: options.now });
}

/** Deletes a user; their calls stay, without an owner. */
export async function deleteUser(options: { db: DbOrTx; id: number }): Promise<boolean> {
  await options.db('calls').where({ user_id: options.id }).update({ user_id: null });
  return (await options.db('users').where({ id: options.id }).delete()) > 0;
}

/** Creates the first administrator (level 10, local password, must change it). Returns the id. */
export async function insertAdmin(options: { db: DbOrTx; username: string; hash: string; now: number }): Promise<number> {
  const { db, username, hash, now } = options;
  const [row] = await db('users').insert({
    username, last_name: 'Administrator', level: 10, auth_source: 'local', password_hash: hash, must_change_password: true,
    created_at: now, updated_at: now,
  }).returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

/** The user fields AD sync may write. */
export type DirectoryFields = Partial<Pick<DbUserRow,
  'first_name' | 'last_name' | 'email' | 'department' | 'cost_center' | 'office_location' | 'extension' | 'manager'>>;

/**
 * Creates or updates a directory user by username (login source `ldap`, no local password):
 * sets DN, level and the mapped attributes. A local account of the same name is left alone and
 * reported as `skipped`.
 */
export async function upsertLdapUser(options: {
  db: DbOrTx; username: string; dn: string; level: number; fields: DirectoryFields; now: number;
}): Promise<{ id: number; action: 'created' | 'updated' | 'skipped' }> {
  const { db, username, dn, level, fields, now } = options;
  const existing = await db<DbUserRow>('users').whereRaw('LOWER(username) = ?', [username.toLowerCase()]).first('id', 'auth_source', 'password_hash');
  if (existing && existing.auth_source === 'local' && existing.password_hash) return { id: Number(existing.id), action: 'skipped' };
  if (existing) {
    await db('users').where({ id: existing.id }).update({ ...fields, ldap_dn: dn, level, auth_source: 'ldap', anonymous: false, updated_at: now });
    return { id: Number(existing.id), action: 'updated' };
  }
  const [row] = await db('users').insert({ ...fields, username, ldap_dn: dn, level, auth_source: 'ldap', created_at: now, updated_at: now }).returning('id');
  return { id: Number(typeof row === 'object' ? row.id : row), action: 'created' };
}

/** Disables directory users no longer found by AD sync. Returns how many. */
export async function disableMissingLdapUsers(options: { db: DbOrTx; keep: string[]; now: number }): Promise<number> {
  const keep = options.keep.map((u) => u.toLowerCase());
  const rows = (await options.db('users').where({ auth_source: 'ldap', disabled: false }).select('id', 'username')) as Array<{ id: number; username: string }>;
  const gone = rows.filter((r) => !keep.includes(r.username.toLowerCase())).map((r) => r.id);
  if (gone.length === 0) return 0;
  return options.db('users').whereIn('id', gone).update({ disabled: true, updated_at: options.now });
}
