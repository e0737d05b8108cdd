import { parse as parseCsv } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../db/knex.js';
import { deleteAccountCode, listAccountCodes } from '../db/queries/account-codes.js';
import {
  countGatewayCalls, deleteGateway, deleteSite, findSiteByCode, listGateways, listSites, siteReferences, type Site,
} from '../db/queries/sites.js';
import { deleteTariff, listTariffs, tariffUsage, upsertTariffs } from '../db/queries/tariffs.js';
import { AppError, NotFoundError } from '../errors.js';
import type { AccountCodeRule } from '../rating/call-rating.js';
import { CSV_COLUMNS, parseTariffCsv, TariffImportError, tariffsToCsv } from '../rating/tariff-io.js';
import type { Tariff } from '../rating/tariff.js';
import { ImportError, importReferenceRecords } from './reference-import.js';

/**
 * Single-record administration of the reference data (the portal's forms): sites, gateways and
 * trunks, account codes and tariffs. Records are in the columns of the import files and go
 * through the importer's own validation and storage (`importReferenceRecords`, `parseTariffCsv`),
 * so a record the import would refuse is refused here with the same message. Errors are
 * AppErrors: 400 with every problem in `details`, 404 unknown record, 409 duplicate or in use.
 */

export type FormRecord = Record<string, unknown>;
/** Text form of a record: the import-file columns. */
export type RecordText = Record<string, string>;

const WHERE = 'form';

function invalid(problems: string[]): AppError {
  const list = problems.map((p) => p.replace(new RegExp(`^${WHERE}: `), ''));
  return Object.assign(new AppError(list.join('; '), 400, 'validation_error'), { details: list });
}

async function store(db: Db, kind: 'sites' | 'gateways' | 'accounts', value: FormRecord, now: number): Promise<void> {
  try {
    await importReferenceRecords({ db, kind, records: [{ where: WHERE, value }], now });
  } catch (err) {
    if (err instanceof ImportError) throw invalid(err.problems);
    throw err;
  }
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : v === undefined || v === null ? '' : String(v));

// ---- sites -------------------------------------------------------------------------------------

/** A site in the columns of the sites import file. */
export function siteRecord(s: Site): RecordText {
  return {
    code: s.code, name: s.name, country: s.country, area_code: s.areaCode, timezone: s.timezone, currency: s.currency, driver: s.driver,
    import_internal: String(s.importInternal), auto_acquire: String(s.autoAcquire), cluster_ids: s.clusterIds.join(' '),
    access_codes: s.accessCodes.join(' '), tariff: s.tariffCode ?? '', internal_tariff: s.internalTariffCode ?? '',
    privacy_digits: String(s.privacyDigits), privacy_level: String(s.privacyLevel),
    lock_allow_internal: s.lockAllowInternal === null ? '' : String(s.lockAllowInternal),
  };
}

async function siteOf(db: Db, code: string): Promise<Site> {
  const site = await findSiteByCode({ db, code });
  if (!site) throw NotFoundError(`site ${code}`);
  return site;
}

/** Creates a site (409 when the code exists). */
export async function createSite(options: { db: Db; value: FormRecord; now: number }): Promise<Site> {
  const { db, value, now } = options;
  const code = str(value.code);
  if (code && (await findSiteByCode({ db, code }))) throw new AppError(`code: site ${JSON.stringify(code)} already exists`, 409, 'conflict');
  await store(db, 'sites', value, now);
  return siteOf(db, code);
}

/** Replaces the fields of site `code` (the code itself cannot change). */
export async function updateSite(options: { db: Db; code: string; value: FormRecord; now: number }): Promise<Site> {
  const { db, code, value, now } = options;
  await siteOf(db, code);
  if (value.code !== undefined && str(value.code) !== code) throw invalid([`code: the code of a site cannot change (got ${JSON.stringify(value.code)})`]);
  await store(db, 'sites', { ...value, code }, now);
  return siteOf(db, code);
}

/**
 * Deletes a site that no stored call, CDR file or discarded row belongs to (409 naming what does:
 * the history would lose its site). Its gateways, account codes, clusters and access codes go with
 * it; its users stay, without a site. Returns how many users lost their site.
 */
export async function deleteSiteChecked(options: { db: Db; code: string }): Promise<{ users: number }> {
  const { db, code } = options;
  const site = await siteOf(db, code);
  return db.transaction(async (tx) => {
    const refs = await siteReferences({ db: tx, siteId: site.id });
    if (refs.calls + refs.files + refs.discarded > 0) {
      throw new AppError(
        `site ${code} cannot be deleted: ${refs.calls} stored calls, ${refs.files} CDR files and ${refs.discarded} discarded rows belong to it `
        + '(they would lose their site); it can be renamed instead.', 409, 'in_use');
    }
    await deleteSite({ db: tx, siteId: site.id });
    return { users: refs.users };
  });
}

// ---- gateways and trunks -----------------------------------------------------------------------

export interface GatewayRecord extends RecordText {
  site: string; name: string; match: string; kind: string; label: string; tariff: string;
}

/** Every gateway and trunk in the columns of the gateways import file. */
export async function listGatewayRecords(db: Db): Promise<GatewayRecord[]> {
  const [gateways, sites] = [await listGateways({ db }), await listSites({ db })];
  const code = new Map(sites.map((s) => [s.id, s.code]));
  return gateways.map((g) => ({ site: code.get(g.site_id) ?? '', name: g.name, match: g.match, kind: g.kind, label: g.label, tariff: g.tariff_code ?? '' }));
}

async function gatewayOf(db: Db, site: string, name: string): Promise<GatewayRecord> {
  const g = (await listGatewayRecords(db)).find((r) => r.site === site && r.name === name);
  if (!g) throw NotFoundError(`gateway ${name} of site ${site}`);
  return g;
}

/** Adds a gateway or trunk to a site (409 when the site has one of that name). */
export async function createGateway(options: { db: Db; value: FormRecord; now: number }): Promise<GatewayRecord> {
  const { db, value, now } = options;
  const [site, name] = [str(value.site), str(value.name)];
  if ((await listGatewayRecords(db)).some((r) => r.site === site && r.name === name)) {
    throw new AppError(`name: site ${site} already has a gateway ${JSON.stringify(name)}`, 409, 'conflict');
  }
  await store(db, 'gateways', value, now);
  return gatewayOf(db, site, name);
}

/** Replaces the fields of a gateway (its site and name cannot change). */
export async function updateGateway(options: { db: Db; site: string; name: string; value: FormRecord; now: number }): Promise<GatewayRecord> {
  const { db, site, name, value, now } = options;
  await gatewayOf(db, site, name);
  for (const [k, v] of [['site', site], ['name', name]] as const) {
    if (value[k] !== undefined && str(value[k]) !== v) throw invalid([`${k}: the ${k} of a gateway cannot change (got ${JSON.stringify(value[k])})`]);
  }
  await store(db, 'gateways', { ...value, site, name }, now);
  return gatewayOf(db, site, name);
}

/**
 * Deletes a gateway or trunk. Stored calls keep the cost they were rated with (their gateway is a
 * name, not a reference); new calls through it are rated with the site's default tariff, and a
 * recalculation re-rates the stored ones the same way. Returns how many stored calls went through it.
 */
export async function deleteGatewayChecked(options: { db: Db; site: string; name: string }): Promise<{ calls: number }> {
  const { db, site, name } = options;
  const g = await gatewayOf(db, site, name);
  const s = await siteOf(db, site);
  const calls = await countGatewayCalls({ db, siteId: s.id, name, match: g.match === 'glob' ? 'glob' : 'exact' });
  await deleteGateway({ db, siteId: s.id, name });
  return { calls };
}

// ---- account codes -----------------------------------------------------------------------------

/** An account code in the columns of the accounts import file (`site` * for every site). */
export function accountRecord(c: AccountCodeRule, siteCode: string): RecordText {
  return {
    code: c.code, site: siteCode, description: c.description, privacy_digits: String(c.privacyDigits),
    cost_center: c.costCenter, replace_with_description: String(c.replaceWithDescription),
  };
}

export async function listAccountRecords(db: Db): Promise<RecordText[]> {
  const [codes, sites] = [await listAccountCodes({ db }), await listSites({ db })];
  const code = new Map(sites.map((s) => [s.id, s.code]));
  return codes.map((c) => accountRecord(c, c.siteId === 0 ? '*' : code.get(c.siteId) ?? ''));
}

const siteKey = (v: unknown) => (str(v) === '' ? '*' : str(v));

async function accountOf(db: Db, site: string, code: string): Promise<RecordText> {
  const a = (await listAccountRecords(db)).find((r) => r.site === siteKey(site) && r.code === code);
  if (!a) throw NotFoundError(`account code ${code} of ${siteKey(site) === '*' ? 'every site' : `site ${site}`}`);
  return a;
}

/** Adds an account code (409 when the site, or every site, has it). */
export async function createAccount(options: { db: Db; value: FormRecord; now: number }): Promise<RecordText> {
  const { db, value, now } = options;
  const [site, code] = [siteKey(value.site), str(value.code)];
  if ((await listAccountRecords(db)).some((r) => r.site === site && r.code === code)) {
    throw new AppError(`code: account code ${JSON.stringify(code)} already exists for ${site === '*' ? 'every site' : `site ${site}`}`, 409, 'conflict');
  }
  await store(db, 'accounts', value, now);
  return accountOf(db, site, code);
}

/** Replaces the fields of an account code (its site and code cannot change). */
export async function updateAccount(options: { db: Db; site: string; code: string; value: FormRecord; now: number }): Promise<RecordText> {
  const { db, site, code, value, now } = options;
  await accountOf(db, site, code);
  if (value.code !== undefined && str(value.code) !== code) throw invalid([`code: the code cannot change (got ${JSON.stringify(value.code)})`]);
  if (value.site !== undefined && siteKey(value.site) !== siteKey(site)) throw invalid([`site: the site of an account code cannot change (got ${JSON.stringify(value.site)})`]);
  await store(db, 'accounts', { ...value, site: siteKey(site), code }, now);
  return accountOf(db, site, code);
}

/** Deletes an account code (stored calls keep their account name until recalculated). */
export async function deleteAccount(options: { db: Db; site: string; code: string }): Promise<void> {
  const { db, site, code } = options;
  await accountOf(db, site, code);
  const siteId = siteKey(site) === '*' ? 0 : (await siteOf(db, site)).id;
  await deleteAccountCode({ db, siteId, code });
}

// ---- tariffs -----------------------------------------------------------------------------------

export const TARIFF_ROW_COLUMNS = CSV_COLUMNS.filter((c) => c !== 'tariff');

/** A tariff as the rows of a tariff CSV file (without the tariff column): header, bands, holidays, rates. */
export function tariffRows(t: Tariff): RecordText[] {
  const rows = parseCsv(tariffsToCsv([t]), { columns: true }) as RecordText[];
  return rows.map(({ tariff: _code, ...rest }) => rest);
}

/** Validates tariff rows as the CSV import does; problems name the row (`rows[3].per_minute: …`). */
export function parseTariffRows(code: string, rows: readonly RecordText[]): Tariff {
  const text = stringify(rows.map((r) => ({ ...r, tariff: code })), { header: true, columns: [...CSV_COLUMNS] });
  let tariffs: Tariff[];
  try {
    tariffs = parseTariffCsv(text, 'rows');
  } catch (err) {
    if (err instanceof TariffImportError) {
      throw invalid(err.problems.map((p) => p.replace(/^rows:(\d+): /, (_m, line: string) => `rows[${Number(line) - 2}].`)));
    }
    throw err;
  }
  const t = tariffs[0];
  if (!t) throw invalid(['rows: a tariff needs a "tariff" row (name, carrier, currency) and at least one rate']);
  return t;
}

async function tariffOf(db: Db, code: string): Promise<Tariff> {
  const [t] = await listTariffs({ db, codes: [code] });
  if (!t) throw NotFoundError(`tariff ${code}`);
  return t;
}

export async function findTariffRows(options: { db: Db; code: string }): Promise<{ code: string; rows: RecordText[] }> {
  return { code: options.code, rows: tariffRows(await tariffOf(options.db, options.code)) };
}

/** Creates (`create`: 409 when it exists) or replaces a tariff from its rows. */
export async function saveTariffRows(options: { db: Db; code: string; rows: readonly RecordText[]; create: boolean; now: number }): Promise<{ code: string; rows: RecordText[] }> {
  const { db, code, rows, create, now } = options;
  const exists = (await listTariffs({ db, codes: [code] })).length > 0;
  if (create && exists) throw new AppError(`code: tariff ${JSON.stringify(code)} already exists`, 409, 'conflict');
  if (!create && !exists) throw NotFoundError(`tariff ${code}`);
  const tariff = parseTariffRows(code, rows);
  await db.transaction((tx) => upsertTariffs({ db: tx, tariffs: [tariff], now }));
  return { code, rows: tariffRows(tariff) };
}

/** Deletes a tariff that no site or gateway uses (409 naming the users, as `tollgate tariffs delete`). */
export async function deleteTariffChecked(options: { db: Db; code: string }): Promise<void> {
  const { db, code } = options;
  await tariffOf(db, code);
  const used = await tariffUsage({ db, code });
  if (used.length > 0) throw new AppError(`tariff ${code} is in use by ${used.join(', ')}: choose another tariff there first`, 409, 'in_use');
  await deleteTariff({ db, code });
}
