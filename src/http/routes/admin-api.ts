import type Router from '@koa/router';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  createAccount, createGateway, createSite, deleteAccount, deleteGatewayChecked, deleteSiteChecked, deleteTariffChecked, findTariffRows,
  listAccountRecords, listGatewayRecords, saveTariffRows, siteRecord, TARIFF_ROW_COLUMNS, updateAccount, updateGateway, updateSite,
} from '../../admin/reference-edit.js';
import { ImportError, importReferenceRecords, parseRecordsText } from '../../admin/reference-import.js';
import { recalculate, type RecalcResult } from '../../billing/recalculate.js';
import type { Db } from '../../db/knex.js';
import { findSiteByCode, listSites } from '../../db/queries/sites.js';
import { listTariffs, upsertTariffs } from '../../db/queries/tariffs.js';
import { AppError, NotFoundError } from '../../errors.js';
import type { PhoneLock } from '../../phone-lock/service.js';
import { parseTariffFile, TariffImportError } from '../../rating/tariff-io.js';
import type { ApiRegistry } from '../api-route.js';
import { readText } from '../body.js';

/**
 * Administration of the reference data (level 10): sites, gateways, tariffs and account codes are
 * listed, loaded from the same CSV/JSON files as `tollgate import` and `tollgate tariffs import`
 * (all or nothing; 422 with every problem), and created, edited and deleted one at a time through
 * the same validation (src/admin/reference-edit.ts). Changes that affect rating answer with a
 * `notice` and the `recalculate` scope; `POST /api/admin/recalculate` re-rates stored calls.
 */

const cell = z.union([z.string().max(2000), z.number(), z.boolean(), z.array(z.string().max(200)).max(100), z.null()]);
const record = (file: string) => z.record(z.string(), cell).describe(`the columns of the ${file} import file (README, Reference data files); bad values: 400 naming each column and value`);
const tariffRowsBody = z.object({
  rows: z.array(z.partialRecord(z.enum(TARIFF_ROW_COLUMNS as unknown as [string, ...string[]]), z.string().max(200)))
    .max(10_000).describe('the rows of the tariff CSV format without its tariff column: one "tariff" row, then band, holiday and rate rows'),
}).strict();
const changeOut = z.object({
  notice: z.string().describe('what the change means for stored calls'),
  recalculate: z.object({ site: z.string().nullable() }).nullable().describe('scope of the recalculation that applies it to stored calls'),
}).passthrough();

const RERATE = 'Stored calls keep their earlier rating; new calls use this from the next CDR file on. Recalculate to apply it to stored calls.';

export function adminApi(router: Router, api: ApiRegistry, deps: { db: Db; log: Logger; phoneLock?: PhoneLock | undefined }): void {
  const { db } = deps;
  const now = () => Math.floor(Date.now() / 1000);
  /** Sites feed Phone Lock's directory (access codes, internal calls of locked lines): reload it now. */
  const refreshLock = async () => deps.phoneLock?.refreshDirectory().catch((err: Error) => deps.log.warn({ err }, 'directory refresh failed'));
  const audit = (ctx: { state: { log?: Logger } }, by: number, what: Record<string, unknown>, msg: string) => (ctx.state.log ?? deps.log).info({ by, ...what }, msg);

  // ---- lists
  api.add(router, { method: 'get', path: '/api/admin/sites', tag: 'administration', summary: 'Sites', level: 10 },
    async () => ({ sites: await listSites({ db }) }));

  api.add(router, { method: 'get', path: '/api/admin/gateways', tag: 'administration', summary: 'Gateways and trunks of every site', level: 10 },
    async () => ({ gateways: await listGatewayRecords(db) }));

  api.add(router, { method: 'get', path: '/api/admin/tariffs', tag: 'administration', summary: 'Tariffs (code, name, carrier, currency)', level: 10 },
    async () => ({ tariffs: (await listTariffs({ db })).map((t) => ({ code: t.code, name: t.name, carrier: t.carrier, currency: t.currency, sample: Boolean(t.sample), rates: t.rates.length })) }));

  api.add(router, { method: 'get', path: '/api/admin/account-codes', tag: 'administration', summary: 'Account codes (site * for every site)', level: 10 },
    async () => ({ accountCodes: await listAccountRecords(db) }));

  // ---- sites
  api.add(router, { method: 'get', path: '/api/admin/sites/{code}', tag: 'administration', summary: 'One site in the columns of the import file', level: 10 },
    async ({ params }) => {
      const site = await findSiteByCode({ db, code: params.code ?? '' });
      if (!site) throw NotFoundError(`site ${params.code}`);
      return { site: siteRecord(site) };
    });

  api.add(router, { method: 'post', path: '/api/admin/sites', tag: 'administration', summary: 'Create a site', level: 10, body: record('sites'), response: changeOut },
    async ({ ctx, body, auth }) => {
      const site = await createSite({ db, value: body, now: now() });
      await refreshLock();
      audit(ctx, auth.user.id, { site: site.code }, 'site created');
      ctx.status = 201;
      return { site: siteRecord(site), notice: 'Calls of this site are rated from the next CDR file on.', recalculate: null };
    });

  api.add(router, { method: 'put', path: '/api/admin/sites/{code}', tag: 'administration', summary: 'Edit a site (every column; the code stays)', level: 10, body: record('sites'), response: changeOut },
    async ({ ctx, params, body, auth }) => {
      const site = await updateSite({ db, code: params.code ?? '', value: body, now: now() });
      await refreshLock();
      audit(ctx, auth.user.id, { site: site.code }, 'site edited');
      return { site: siteRecord(site), notice: RERATE, recalculate: { site: site.code } };
    });

  api.add(router, { method: 'delete', path: '/api/admin/sites/{code}', tag: 'administration', summary: 'Delete a site no call or CDR file belongs to (409 otherwise, saying why)', level: 10, response: changeOut },
    async ({ ctx, params, auth }) => {
      const { users } = await deleteSiteChecked({ db, code: params.code ?? '' });
      await refreshLock();
      audit(ctx, auth.user.id, { site: params.code, users }, 'site deleted');
      return { notice: users > 0 ? `Site deleted; its ${users} users now have no site.` : 'Site deleted.', recalculate: null };
    });

  // ---- gateways and trunks
  api.add(router, { method: 'post', path: '/api/admin/gateways', tag: 'administration', summary: 'Add a gateway or trunk to a site', level: 10, body: record('gateways'), response: changeOut },
    async ({ ctx, body, auth }) => {
      const gateway = await createGateway({ db, value: body, now: now() });
      audit(ctx, auth.user.id, { site: gateway.site, gateway: gateway.name }, 'gateway created');
      ctx.status = 201;
      return { gateway, notice: RERATE, recalculate: { site: gateway.site } };
    });

  api.add(router, { method: 'put', path: '/api/admin/gateways/{site}/{name}', tag: 'administration', summary: 'Edit a gateway or trunk (site and name stay)', level: 10, body: record('gateways'), response: changeOut },
    async ({ ctx, params, body, auth }) => {
      const gateway = await updateGateway({ db, site: params.site ?? '', name: params.name ?? '', value: body, now: now() });
      audit(ctx, auth.user.id, { site: gateway.site, gateway: gateway.name }, 'gateway edited');
      return { gateway, notice: RERATE, recalculate: { site: gateway.site } };
    });

  api.add(router, { method: 'delete', path: '/api/admin/gateways/{site}/{name}', tag: 'administration', summary: 'Delete a gateway or trunk (stored calls keep their cost until recalculated)', level: 10, response: changeOut },
    async ({ ctx, params, auth }) => {
      const { calls } = await deleteGatewayChecked({ db, site: params.site ?? '', name: params.name ?? '' });
      audit(ctx, auth.user.id, { site: params.site, gateway: params.name, calls }, 'gateway deleted');
      return {
        calls,
        notice: calls > 0
          ? `Gateway deleted. ${calls} stored calls went through it: they keep the cost they were rated with; new calls through it, and these calls when recalculated, are rated with the site's default tariff.`
          : 'Gateway deleted. No stored call went through it.',
        recalculate: calls > 0 ? { site: params.site ?? null } : null,
      };
    });

  // ---- account codes
  api.add(router, { method: 'post', path: '/api/admin/account-codes', tag: 'administration', summary: 'Add an account code (site * or empty: every site)', level: 10, body: record('accounts'), response: changeOut },
    async ({ ctx, body, auth }) => {
      const accountCode = await createAccount({ db, value: body, now: now() });
      audit(ctx, auth.user.id, { site: accountCode.site, code: accountCode.code }, 'account code created');
      ctx.status = 201;
      return { accountCode, notice: RERATE, recalculate: { site: accountCode.site === '*' ? null : accountCode.site! } };
    });

  api.add(router, { method: 'put', path: '/api/admin/account-codes/{site}/{code}', tag: 'administration', summary: 'Edit an account code (site * for every site)', level: 10, body: record('accounts'), response: changeOut },
    async ({ ctx, params, body, auth }) => {
      const accountCode = await updateAccount({ db, site: params.site ?? '', code: params.code ?? '', value: body, now: now() });
      audit(ctx, auth.user.id, { site: accountCode.site, code: accountCode.code }, 'account code edited');
      return { accountCode, notice: RERATE, recalculate: { site: accountCode.site === '*' ? null : accountCode.site! } };
    });

  api.add(router, { method: 'delete', path: '/api/admin/account-codes/{site}/{code}', tag: 'administration', summary: 'Delete an account code', level: 10, response: changeOut },
    async ({ ctx, params, auth }) => {
      await deleteAccount({ db, site: params.site ?? '', code: params.code ?? '' });
      audit(ctx, auth.user.id, { site: params.site, code: params.code }, 'account code deleted');
      return { notice: RERATE, recalculate: { site: params.site === '*' ? null : params.site ?? null } };
    });

  // ---- tariffs
  api.add(router, { method: 'get', path: '/api/admin/tariffs/{code}', tag: 'administration', summary: 'One tariff as the rows of the tariff CSV format', level: 10 },
    async ({ params }) => findTariffRows({ db, code: params.code ?? '' }));

  api.add(router, { method: 'post', path: '/api/admin/tariffs', tag: 'administration', summary: 'Create a tariff from its rows', level: 10,
    body: tariffRowsBody.extend({ code: z.string().max(32) }), response: changeOut },
    async ({ ctx, body, auth }) => {
      const saved = await saveTariffRows({ db, code: body.code, rows: body.rows as Array<Record<string, string>>, create: true, now: now() });
      audit(ctx, auth.user.id, { tariff: saved.code }, 'tariff created');
      ctx.status = 201;
      return { ...saved, notice: 'Sites and gateways use it once it is chosen there.', recalculate: null };
    });

  api.add(router, { method: 'put', path: '/api/admin/tariffs/{code}', tag: 'administration', summary: 'Replace a tariff from its rows (header, bands, holidays, rates)', level: 10, body: tariffRowsBody, response: changeOut },
    async ({ ctx, params, body, auth }) => {
      const saved = await saveTariffRows({ db, code: params.code ?? '', rows: body.rows as Array<Record<string, string>>, create: false, now: now() });
      audit(ctx, auth.user.id, { tariff: saved.code }, 'tariff edited');
      return { ...saved, notice: RERATE, recalculate: { site: null } };
    });

  api.add(router, { method: 'delete', path: '/api/admin/tariffs/{code}', tag: 'administration', summary: 'Delete a tariff no site or gateway uses (409 naming them)', level: 10, response: changeOut },
    async ({ ctx, params, auth }) => {
      await deleteTariffChecked({ db, code: params.code ?? '' });
      audit(ctx, auth.user.id, { tariff: params.code }, 'tariff deleted');
      return { notice: 'Tariff deleted. Stored calls keep the cost they were rated with.', recalculate: null };
    });

  // ---- recalculation (the `tollgate recalculate` job, in the background; resumable)
  let running: Promise<void> | undefined;
  let last: { site: string | null; startedAt: string; result?: RecalcResult; error?: string } | undefined;
  const recalcState = () => ({ running: running !== undefined, last: last ?? null });
  api.add(router, { method: 'post', path: '/api/admin/recalculate', tag: 'administration', summary: 'Re-rate stored calls (all, or one site) in the background; 409 while one runs', level: 10,
    body: z.object({ site: z.string().trim().min(1).max(32).nullable().optional() }).strict() },
    async ({ ctx, body, auth }) => {
      if (running) throw new AppError('a recalculation is already running', 409, 'busy');
      const site = body.site ?? null;
      if (site !== null && !(await findSiteByCode({ db, code: site }))) throw NotFoundError(`site ${site}`);
      const log = ctx.state.log ?? deps.log;
      last = { site, startedAt: new Date().toISOString() };
      const mine = last;
      audit(ctx, auth.user.id, { site }, 'recalculation started');
      running = recalculate({ db, log, ...(site !== null ? { siteCode: site } : {}) })
        .then((result) => { mine.result = result; log.info({ ...result }, 'recalculation finished'); })
        .catch((err: Error) => { mine.error = err.message; log.error({ err }, 'recalculation failed'); })
        .finally(() => { running = undefined; });
      ctx.status = 202;
      return recalcState();
    });

  api.add(router, { method: 'get', path: '/api/admin/recalculate', tag: 'administration', summary: 'Whether a recalculation runs, and the last one\'s result', level: 10 },
    async () => recalcState());

  // ---- files
  const kinds = { sites: 'sites', gateways: 'gateways', 'account-codes': 'accounts' } as const;
  api.add(router, { method: 'post', path: '/api/admin/{kind}/import', tag: 'administration', level: 10, textBody: 'text/csv',
    summary: 'Load sites, gateways, account codes or tariffs from CSV or JSON (the CLI formats; all or nothing)',
    response: z.object({ imported: z.number() }) },
    async ({ ctx, params, auth }) => {
      const kind = z.enum(['sites', 'gateways', 'account-codes', 'tariffs']).safeParse(params.kind);
      if (!kind.success) throw new AppError(`path.kind: must be sites, gateways, account-codes or tariffs (got ${JSON.stringify(params.kind)})`, 400, 'validation_error');
      const text = await readText(ctx, 20 * 1024 * 1024);
      const isJson = /^\uFEFF?\s*[[{]/.test(text);
      const reject = (problems: string[]) => Object.assign(
        new AppError(`nothing imported: ${problems.length} problem(s), first: ${problems[0]}`, 422, 'import_rejected'), { details: problems });
      let imported: number;
      try {
        if (kind.data === 'tariffs') {
          const tariffs = parseTariffFile(text, isJson ? 'upload.json' : 'upload.csv');
          await db.transaction((tx) => upsertTariffs({ db: tx, tariffs, now: now() }));
          imported = tariffs.length;
        } else {
          const records = parseRecordsText(text.replace(/^\uFEFF/, ''), isJson ? 'upload.json' : 'upload.csv', isJson);
          imported = await importReferenceRecords({ db, kind: kinds[kind.data], records, now: now() });
        }
      } catch (err) {
        if (err instanceof TariffImportError || err instanceof ImportError) throw reject(err.problems);
        throw err;
      }
      if (kind.data === 'sites') await refreshLock();
      audit(ctx, auth.user.id, { kind: kind.data, imported }, 'reference data imported');
      return { imported };
    });
}
