import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { ImportError, parseRecordsText, userSchema } from '../admin/reference-import.js';
import { hashPassword } from '../auth/passwords.js';
import type { Db, DbOrTx } from '../db/knex.js';
import { devicesOfUsers, findUserByUsername, searchUsers, setPassword, updateAccount, type AccountPatch } from '../db/queries/portal-users.js';
import { findSiteByCode } from '../db/queries/sites.js';
import { upsertUser, USER_FIELDS, type UserInput } from '../db/queries/users.js';
import type { DbUserRow } from '../db/tables.js';
import { AppError } from '../errors.js';
import { levelSchema } from '../http/routes/portal-schemas.js';

/**
 * User administration for the portal: the JSON shape of a user, create and edit, and CSV/TSV
 * import and export that round-trip with Excel (UTF-8 BOM, CRLF, comma, semicolon or tab).
 */

export type PresentedUser = ReturnType<typeof presentUser>;

export function presentUser(u: DbUserRow & { site?: string | null }, devices: string[]) {
  return {
    id: Number(u.id), username: u.username, site: u.site ?? null, first_name: u.first_name, last_name: u.last_name, email: u.email,
    department: u.department, cost_center: u.cost_center, office_location: u.office_location, manager: u.manager ?? '',
    partition: u.partition, extension: u.extension, extension_billing: Boolean(u.extension_billing), fax_extension: u.fax_extension,
    fax_billing: Boolean(u.fax_billing), voicemail_extension: u.voicemail_extension, voicemail_billing: Boolean(u.voicemail_billing),
    devices, level: Number(u.level), scope: u.scope, extra_departments: u.extra_departments, auth_source: u.auth_source,
    disabled: Boolean(u.disabled), must_change_password: Boolean(u.must_change_password), language: u.language,
    last_login_at: u.last_login_at ? new Date(Number(u.last_login_at) * 1000).toISOString() : null,
    custom: Array.from({ length: 10 }, (_, i) => String(u[`custom_${i + 1}`] ?? '')),
  };
}

/** The columns of a user CSV, in order: the reference-import columns and the portal's. */
export const USER_CSV_COLUMNS = [
  'username', 'site', ...USER_FIELDS.filter((f) => f !== 'username'), 'devices', 'level', 'scope', 'extra_departments', 'language', 'disabled',
] as const;

const flag = z.preprocess((v) => {
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['1', 'true', 'yes', 'y'].includes(s)) return true;
    if (['0', 'false', 'no', 'n'].includes(s)) return false;
    if (s === '') return undefined;
  }
  return v;
}, z.boolean({ error: 'must be true or false' }).optional());
const blankAsUndefined = <T extends z.ZodType>(s: T) => z.preprocess((v) => (v === '' ? undefined : v), s);

export const userCsvSchema = userSchema.extend({
  level: blankAsUndefined(levelSchema.optional()),
  scope: blankAsUndefined(z.enum(['department', 'cost_center', 'office_location']).optional()),
  extra_departments: z.string().trim().max(2000).optional(),
  language: blankAsUndefined(z.union([z.literal(''), z.enum(['en', 'it', 'de', 'fr', 'es', 'pl', 'ar'])]).optional()),
  disabled: flag,
});
export type UserRecord = z.infer<typeof userCsvSchema>;

function accountPatchOf(u: Pick<UserRecord, 'level' | 'scope' | 'extra_departments' | 'language' | 'disabled'>): AccountPatch {
  const p: AccountPatch = {};
  if (u.level !== undefined) p.level = u.level;
  if (u.scope !== undefined) p.scope = u.scope;
  if (u.extra_departments !== undefined) p.extra_departments = u.extra_departments;
  if (u.language !== undefined) p.language = u.language;
  if (u.disabled !== undefined) p.disabled = u.disabled;
  return p;
}

async function siteId(db: DbOrTx, code: string | null | undefined): Promise<number | null> {
  if (!code) return null;
  const site = await findSiteByCode({ db, code });
  if (!site) throw new AppError(`site: site ${JSON.stringify(code)} does not exist`, 400, 'validation_error');
  return site.id;
}

/**
 * Creates or replaces one user (by username) with its portal fields, in one transaction; an
 * initial password must be changed at first login. Returns the id.
 */
export async function saveUser(options: { db: Db; user: UserRecord & { password?: string | undefined }; now: number }): Promise<number> {
  const { db, user, now } = options;
  return db.transaction(async (tx) => {
    const { site, devices, level, scope, extra_departments, language, disabled, password, ...fields } = user;
    const input = { ...(fields as Omit<UserInput, 'site_id' | 'devices'>), site_id: await siteId(tx, site), devices } as UserInput;
    const id = await upsertUser({ db: tx, user: input, now });
    await updateAccount({ db: tx, id, patch: accountPatchOf({ level, scope, extra_departments, language, disabled }), now });
    if (password) await setPassword({ db: tx, id, hash: await hashPassword(password), mustChange: true, now });
    return id;
  });
}

/** One user as JSON, with devices and site code. */
export async function loadPresentedUser(db: DbOrTx, user: DbUserRow): Promise<PresentedUser> {
  const devices = (await devicesOfUsers({ db, userIds: [user.id] })).get(user.id) ?? [];
  const site = user.site_id ? (await db('sites').where({ id: user.site_id }).first('code'))?.code ?? null : null;
  return presentUser({ ...user, site }, devices);
}

export interface ImportProblem {
  line: number;
  column: string;
  message: string;
}

/**
 * Imports users from CSV/TSV text. Every bad line is reported (line, column, value); with any
 * problem nothing is imported unless `partial`, which imports the good lines. One transaction.
 */
export async function importUsersCsv(options: { db: Db; text: string; partial: boolean; now: number }): Promise<{ imported: number; created: number; updated: number; problems: ImportProblem[] }> {
  const { db, text, partial, now } = options;
  let records;
  try {
    records = parseRecordsText(text, 'upload');
  } catch (err) {
    const msg = err instanceof ImportError ? err.problems.join('; ') : (err as Error).message;
    throw new AppError(`the file cannot be read: ${msg}`, 400, 'validation_error');
  }
  const problems: ImportProblem[] = [];
  const good: Array<{ line: number; user: UserRecord }> = [];
  const known = new Set<string>(USER_CSV_COLUMNS);
  const seen = new Map<string, number>();
  const sites = new Map<string, boolean>();
  for (const { where, value } of records) {
    const line = Number(where.slice(where.lastIndexOf(':') + 1));
    const before = problems.length;
    for (const k of Object.keys(value)) if (!known.has(k)) problems.push({ line, column: k, message: `unknown column "${k}"` });
    const r = userCsvSchema.safeParse(value);
    if (!r.success) {
      for (const issue of r.error.issues) {
        const col = String(issue.path[0] ?? '');
        const v = value[col];
        problems.push({ line, column: col, message: `${issue.message}${v !== undefined && v !== '' ? ` (got ${JSON.stringify(v)})` : ''}` });
      }
    } else {
      const key = r.data.username.toLowerCase();
      const firstLine = seen.get(key);
      if (firstLine !== undefined) problems.push({ line, column: 'username', message: `a second row for ${JSON.stringify(r.data.username)} (first at line ${firstLine})` });
      else seen.set(key, line);
      const code = r.data.site;
      if (code) {
        if (!sites.has(code)) sites.set(code, (await findSiteByCode({ db, code })) !== undefined);
        if (!sites.get(code)) problems.push({ line, column: 'site', message: `site ${JSON.stringify(code)} does not exist` });
      }
    }
    if (problems.length === before && r.success) good.push({ line, user: r.data });
  }
  if (records.length === 0) problems.push({ line: 1, column: '', message: 'no user rows (a header line and one row per user are needed)' });
  if (problems.length > 0 && !partial) {
    throw Object.assign(new AppError(`nothing imported: ${problems.length} problem(s), first: line ${problems[0]!.line}: ${problems[0]!.column ? problems[0]!.column + ': ' : ''}${problems[0]!.message}`, 422, 'import_rejected'), { details: problems });
  }
  let created = 0;
  let updated = 0;
  await db.transaction(async (tx) => {
    for (const { user } of good) {
      const existed = (await findUserByUsername({ db: tx, username: user.username })) !== undefined;
      const { site, devices, level, scope, extra_departments, language, disabled, ...fields } = user;
      const id = await upsertUser({ db: tx, user: { ...(fields as Omit<UserInput, 'site_id' | 'devices'>), site_id: await siteId(tx, site), devices } as UserInput, now });
      await updateAccount({ db: tx, id, patch: accountPatchOf({ level, scope, extra_departments, language, disabled }), now });
      if (existed) updated++;
      else created++;
    }
  });
  return { imported: good.length, created, updated, problems };
}

/** Every user as CSV (comma or semicolon) or TSV for Excel: UTF-8 BOM, CRLF, a header row. */
export async function exportUsersCsv(options: { db: DbOrTx; format: 'csv' | 'tsv'; delimiter: 'comma' | 'semicolon' }): Promise<string> {
  const { db } = options;
  const rows: unknown[][] = [];
  for (let offset = 0; ; offset += 1000) {
    const { users } = await searchUsers({ db, search: { limit: 1000, offset } });
    const devices = await devicesOfUsers({ db, userIds: users.map((u) => u.id) });
    for (const u of users) {
      const record: Record<string, unknown> = { ...u, devices: (devices.get(u.id) ?? []).join(' ') };
      rows.push(USER_CSV_COLUMNS.map((c) => {
        const v = record[c];
        if (c.endsWith('_billing') || c === 'disabled') return v ? 'true' : 'false';
        return v ?? '';
      }));
    }
    if (users.length < 1000) break;
  }
  const delimiter = options.format === 'tsv' ? '\t' : options.delimiter === 'semicolon' ? ';' : ',';
  return stringify([[...USER_CSV_COLUMNS], ...rows], { delimiter, record_delimiter: 'windows', bom: true });
}
