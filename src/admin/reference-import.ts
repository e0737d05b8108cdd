import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { isTimeZone } from '../time/zone.js';
import type { Db, DbOrTx } from '../db/knex.js';
import { upsertAccountCodes } from '../db/queries/account-codes.js';
import { listTariffs } from '../db/queries/tariffs.js';
import { findSiteByCode, upsertGateway, upsertSite, type SiteInput } from '../db/queries/sites.js';
import { upsertUser, type UserInput } from '../db/queries/users.js';

/**
 * Loading sites, gateways and users from CSV (comma, semicolon or tab; UTF-8, BOM allowed; a
 * header row with the column names of the README) or JSON (an array of objects). A file with any
 * bad record is rejected whole, with every problem listed by line (CSV) or index (JSON).
 */

export class ImportError extends Error {
  constructor(readonly problems: string[]) {
    super(`nothing imported; ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ImportError';
  }
}

const flag = z.preprocess((v) => {
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['1', 'true', 'yes', 'y'].includes(s)) return true;
    if (['0', 'false', 'no', 'n', ''].includes(s)) return false;
  }
  return v;
}, z.boolean({ error: 'must be true or false' }));

const list = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s,;|]+/).filter(Boolean) : v ?? []),
  z.array(z.string().min(1)),
);

const tz = z.string().refine(isTimeZone, 'unknown time zone');

/** A tariff code, or '' / absent for none. */
const tariffCode = z.preprocess(
  (v) => (v === '' || v === undefined ? null : v),
  z.string().trim().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'a tariff code is 1-32 of A-Z, a-z, 0-9, _, . and -').nullable(),
).default(null);

/** A whole number from lo to hi (CSV text accepted). */
const count = (lo: number, hi: number) => z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v === '' ? undefined : v),
  z.int({ error: `a whole number from ${lo} to ${hi}` }).min(lo, `a whole number from ${lo} to ${hi}`).max(hi, `a whole number from ${lo} to ${hi}`),
);

export const siteSchema = z.object({
  code: z.string().trim().regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and -, at most 32'),
  name: z.string().trim().max(100).optional(),
  country: z.string().trim().regex(/^[A-Za-z]{2}$/, 'a two-letter ISO country code').transform((s) => s.toUpperCase()),
  area_code: z.string().trim().regex(/^\d{0,10}$/, 'digits only').default(''),
  timezone: tz,
  currency: z.string().trim().regex(/^[A-Za-z]{3}$/, 'a three-letter ISO currency code').transform((s) => s.toUpperCase()),
  driver: z.enum(['cucm', 'cucm-partition']).default('cucm'),
  import_internal: flag.default(true),
  auto_acquire: flag.default(false),
  cluster_ids: list.default([]),
  access_codes: z.preprocess(
    (v) => (typeof v === 'string' ? v.split(/[\s,;|]+/).filter(Boolean) : v ?? []),
    z.array(z.string().regex(/^[0-9*#]{1,8}$/, 'access codes are 1-8 digits')),
  ).default([]),
  tariff: tariffCode,
  internal_tariff: tariffCode,
  privacy_digits: count(0, 15).default(0),
  privacy_level: count(0, 10).default(8),
  /** Whether a locked line may call internal numbers here; empty: the global setting. */
  lock_allow_internal: z.preprocess((v) => (v === '' ? undefined : v), flag.optional()),
});

export const gatewaySchema = z.object({
  site: z.string().trim().min(1),
  name: z.string().trim().min(1).max(129),
  match: z.enum(['exact', 'glob']).optional(),
  kind: z.enum(['gateway', 'trunk']).default('trunk'),
  label: z.string().trim().max(100).default(''),
  tariff: tariffCode,
});

/** An account code: `site` empty or `*` for every site. */
export const accountSchema = z.object({
  code: z.string().trim().min(1, 'a code is required').max(50),
  site: z.string().trim().default('').transform((v) => (v === '*' ? '' : v)),
  description: z.string().trim().max(100).default(''),
  privacy_digits: count(0, 15).default(0),
  cost_center: z.string().trim().max(100).default(''),
  replace_with_description: flag.default(false),
});

const text = (max: number) => z.string().trim().max(max).default('');
const customs = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`custom_${i + 1}`, text(255)]));
export const userSchema = z.object({
  username: z.string().trim().min(1).max(128),
  site: z.string().trim().optional(),
  first_name: text(100),
  last_name: text(100),
  email: z.union([z.literal(''), z.string().trim().email('not an e-mail address')]).default(''),
  department: text(100),
  cost_center: text(100),
  office_location: text(100),
  manager: text(128),
  ...customs,
  partition: text(50),
  extension: z.string().trim().regex(/^[0-9A-Za-z+*#._-]{0,50}$/, 'not a directory number').default(''),
  extension_billing: flag.default(true),
  fax_extension: z.string().trim().regex(/^[0-9+*#]{0,50}$/, 'not a directory number').default(''),
  fax_billing: flag.default(true),
  voicemail_extension: z.string().trim().regex(/^[0-9+*#]{0,50}$/, 'not a directory number').default(''),
  voicemail_billing: flag.default(true),
  devices: list.default([]),
});

type Kind = 'sites' | 'gateways' | 'users' | 'accounts';
const SCHEMAS = { sites: siteSchema, gateways: gatewaySchema, users: userSchema, accounts: accountSchema } as const;

/** Reads records from a CSV or JSON file; each with the label to use in messages. */
export async function readRecords(file: string): Promise<Array<{ where: string; value: Record<string, unknown> }>> {
  return parseRecordsText(await readFile(file, 'utf8'), path.basename(file), /\.json$/i.test(file));
}

/** Records of a CSV (comma, semicolon or tab, BOM allowed) or JSON text; `base` names it in messages. */
export function parseRecordsText(text: string, base: string, isJson = false): Array<{ where: string; value: Record<string, unknown> }> {
  if (isJson || /^\s*[[{]/.test(text)) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new ImportError([`${base}: not valid JSON: ${(err as Error).message}`]);
    }
    if (!Array.isArray(data)) throw new ImportError([`${base}: the JSON must be an array of objects`]);
    return data.map((value, i) => ({ where: `${base}[${i}]`, value: value as Record<string, unknown> }));
  }
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '';
  const delimiter = [';', '\t', ','].sort((a, b) => firstLine.split(b).length - firstLine.split(a).length)[0]!;
  let rows: Array<Record<string, string>>;
  try {
    rows = parseCsv(text, { bom: true, columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), delimiter, skip_empty_lines: true, trim: true, info: false });
  } catch (err) {
    throw new ImportError([`${base}: ${(err as Error).message}`]);
  }
  return rows.map((value, i) => ({ where: `${base}:${i + 2}`, value }));
}

/** Validates every record; throws an ImportError listing all problems (line, column, value). */
export function validateRecords<K extends Kind>(kind: K, records: Array<{ where: string; value: Record<string, unknown> }>): Array<z.infer<(typeof SCHEMAS)[K]>> {
  const problems: string[] = [];
  const out = checkRecords(kind, records, problems);
  if (problems.length > 0) throw new ImportError(problems);
  return out;
}

/** Validates every record, adding each problem to `problems`; returns the valid ones. */
function checkRecords<K extends Kind>(kind: K, records: Array<{ where: string; value: Record<string, unknown> }>, problems: string[]): Array<z.infer<(typeof SCHEMAS)[K]>> {
  const out: Array<z.infer<(typeof SCHEMAS)[K]>> = [];
  const schema = SCHEMAS[kind];
  const known = new Set(Object.keys(schema.shape));
  records.forEach(({ where, value }) => {
    if (typeof value !== 'object' || value === null) {
      problems.push(`${where}: not an object`);
      return;
    }
    for (const k of Object.keys(value)) if (!known.has(k)) problems.push(`${where}: unknown column "${k}"`);
    const r = schema.safeParse(value);
    if (!r.success) {
      for (const issue of r.error.issues) {
        const col = String(issue.path[0] ?? '');
        const v = value[col];
        problems.push(`${where}: ${col}: ${issue.message}${v !== undefined && v !== '' ? ` (got ${JSON.stringify(v)})` : ''}`);
      }
    } else out.push(r.data as z.infer<(typeof SCHEMAS)[K]>);
  });
  return out;
}

/** Imports a file of sites, gateways or users in one transaction. Returns the number of records. */
export async function importReferenceFile(options: { db: Db; kind: Kind; file: string; now: number }): Promise<number> {
  return importReferenceRecords({ ...options, records: await readRecords(options.file) });
}

/**
 * Validates and stores records (of a file, or one record of the administration form: the same
 * checks and messages) in one transaction; throws an ImportError listing every problem.
 */
export async function importReferenceRecords(options: {
  db: Db; kind: Kind; records: Array<{ where: string; value: Record<string, unknown> }>; now: number;
}): Promise<number> {
  const { db, kind, records, now } = options;
  if (kind === 'sites') {
    const sites = validateRecords('sites', records);
    await db.transaction(async (tx) => {
      const problems = await missingTariffs(tx, sites.flatMap((s, i) => [
        { where: records[i]!.where, column: 'tariff', code: s.tariff }, { where: records[i]!.where, column: 'internal_tariff', code: s.internal_tariff },
      ]));
      if (problems.length > 0) throw new ImportError(problems);
      for (const s of sites) {
        const input: SiteInput = {
          code: s.code, name: s.name ?? s.code, country: s.country, areaCode: s.area_code, timezone: s.timezone,
          currency: s.currency, driver: s.driver, importInternal: s.import_internal, autoAcquire: s.auto_acquire,
          clusterIds: s.cluster_ids, accessCodes: s.access_codes, tariffCode: s.tariff, internalTariffCode: s.internal_tariff,
          privacyDigits: s.privacy_digits, privacyLevel: s.privacy_level, lockAllowInternal: s.lock_allow_internal ?? null,
        };
        await upsertSite({ db: tx, site: input, now });
      }
    });
    return sites.length;
  }
  const problems: string[] = [];
  if (kind === 'gateways') {
    const gws = validateRecords('gateways', records);
    await db.transaction(async (tx) => {
      const ids = await siteIds(tx, gws.map((g) => g.site), records, problems);
      problems.push(...await missingTariffs(tx, gws.map((g, i) => ({ where: records[i]!.where, column: 'tariff', code: g.tariff }))));
      if (problems.length > 0) throw new ImportError(problems);
      for (const g of gws) {
        await upsertGateway({
          db: tx, siteId: ids.get(g.site)!,
          gateway: { name: g.name, match: g.match ?? (/[*?]/.test(g.name) ? 'glob' : 'exact'), kind: g.kind, label: g.label, tariff: g.tariff },
        });
      }
    });
    return gws.length;
  }
  if (kind === 'accounts') {
    // Every problem at once: bad fields, duplicates and unknown sites (checked on the raw values).
    const codes = checkRecords('accounts', records, problems);
    const raw = records.map(({ where, value }) => ({
      where, code: String(value.code ?? '').trim(), site: String(value.site ?? '').trim().replace(/^\*$/, ''),
    }));
    const seen = new Map<string, string>();
    for (const r of raw) {
      const key = `${r.site}\u0000${r.code}`;
      const first = seen.get(key);
      if (first !== undefined) problems.push(`${r.where}: code: a second row for code ${JSON.stringify(r.code)}${r.site ? ` of site ${r.site}` : ''} (first at ${first})`);
      else seen.set(key, r.where);
    }
    await db.transaction(async (tx) => {
      const ids = await siteIds(tx, raw.map((r) => r.site), raw, problems);
      if (problems.length > 0) throw new ImportError(problems);
      await upsertAccountCodes({
        db: tx,
        codes: codes.map((c) => ({
          siteId: c.site === '' ? 0 : ids.get(c.site)!, code: c.code, description: c.description, privacyDigits: c.privacy_digits,
          costCenter: c.cost_center, replaceWithDescription: c.replace_with_description,
        })),
      });
    });
    return codes.length;
  }
  const users = validateRecords('users', records);
  await db.transaction(async (tx) => {
    const ids = await siteIds(tx, users.map((u) => u.site ?? ''), records, problems);
    if (problems.length > 0) throw new ImportError(problems);
    for (const u of users) {
      const { site, devices, ...rest } = u;
      const input = { ...(rest as Omit<UserInput, 'site_id' | 'devices'>), site_id: site ? ids.get(site)! : null, devices };
      await upsertUser({ db: tx, user: input as UserInput, now });
    }
  });
  return users.length;
}

/** Problems for tariff codes that are not stored. */
async function missingTariffs(db: DbOrTx, refs: Array<{ where: string; column: string; code: string | null }>): Promise<string[]> {
  const wanted = [...new Set(refs.map((r) => r.code).filter((c): c is string => c !== null))];
  if (wanted.length === 0) return [];
  const known = new Set((await listTariffs({ db, codes: wanted })).map((t) => t.code));
  return refs.filter((r) => r.code !== null && !known.has(r.code))
    .map((r) => `${r.where}: ${r.column}: tariff ${JSON.stringify(r.code)} does not exist (import tariffs first)`);
}

async function siteIds(db: Parameters<typeof findSiteByCode>[0]['db'], codes: string[], records: Array<{ where: string }>, problems: string[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    if (code === '' || ids.has(code)) continue;
    const site = await findSiteByCode({ db, code });
    if (site) ids.set(code, site.id);
    else problems.push(`${records[i]!.where}: site: site ${JSON.stringify(code)} does not exist (import sites first)`);
  }
  return ids;
}
