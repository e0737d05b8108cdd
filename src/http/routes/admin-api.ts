import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Router from '@koa/router';
import { z } from 'zod';
import { ImportError, importReferenceFile } from '../../admin/reference-import.js';
import type { Db } from '../../db/knex.js';
import { listAccountCodes } from '../../db/queries/account-codes.js';
import { listGateways, listSites } from '../../db/queries/sites.js';
import { listTariffs, upsertTariffs } from '../../db/queries/tariffs.js';
import { AppError } from '../../errors.js';
import { parseTariffFile, TariffImportError } from '../../rating/tariff-io.js';
import type { ApiRegistry } from '../api-route.js';
import { readText } from '../body.js';

/**
 * Administration of the reference data (level 10): sites, gateways, tariffs and account codes are
 * listed, and loaded from the same CSV/JSON files as `tollgate import` and `tollgate tariffs
 * import` (all or nothing; 422 with every problem).
 */
export function adminApi(router: Router, api: ApiRegistry, deps: { db: Db }): void {
  const { db } = deps;
  const now = () => Math.floor(Date.now() / 1000);

  api.add(router, { method: 'get', path: '/api/admin/sites', tag: 'administration', summary: 'Sites', level: 10 },
    async () => ({ sites: await listSites({ db }) }));

  api.add(router, { method: 'get', path: '/api/admin/gateways', tag: 'administration', summary: 'Gateways and trunks of every site', level: 10 },
    async () => {
      const [gateways, sites] = await Promise.all([listGateways({ db }), listSites({ db })]);
      const code = new Map(sites.map((s) => [s.id, s.code]));
      return { gateways: gateways.map((g) => ({ site: code.get(g.site_id) ?? '', name: g.name, match: g.match, kind: g.kind, label: g.label, tariff: g.tariff_code })) };
    });

  api.add(router, { method: 'get', path: '/api/admin/tariffs', tag: 'administration', summary: 'Tariffs (code, name, carrier, currency)', level: 10 },
    async () => ({ tariffs: (await listTariffs({ db })).map((t) => ({ code: t.code, name: t.name, carrier: t.carrier, currency: t.currency, sample: Boolean(t.sample) })) }));

  api.add(router, { method: 'get', path: '/api/admin/account-codes', tag: 'administration', summary: 'Account codes', level: 10 },
    async () => {
      const [codes, sites] = await Promise.all([listAccountCodes({ db }), listSites({ db })]);
      const code = new Map(sites.map((s) => [s.id, s.code]));
      return { accountCodes: codes.map((c) => ({ ...c, site: c.siteId === 0 ? '*' : code.get(c.siteId) ?? '' })) };
    });

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
      if (kind.data === 'tariffs') {
        let tariffs;
        try {
          tariffs = parseTariffFile(text, isJson ? 'upload.json' : 'upload.csv');
        } catch (err) {
          if (err instanceof TariffImportError) throw reject(err.problems);
          throw err;
        }
        await db.transaction((tx) => upsertTariffs({ db: tx, tariffs, now: now() }));
        imported = tariffs.length;
      } else {
        // The reference importer reads files: the upload goes through a private temporary one.
        const dir = await mkdtemp(path.join(tmpdir(), 'tollgate-upload-'));
        try {
          const file = path.join(dir, isJson ? 'upload.json' : 'upload.csv');
          await writeFile(file, text, { mode: 0o600 });
          imported = await importReferenceFile({ db, kind: kinds[kind.data], file, now: now() });
        } catch (err) {
          if (err instanceof ImportError) throw reject(err.problems);
          throw err;
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }
      ctx.state.log?.info({ by: auth.user.id, kind: kind.data, imported }, 'reference data imported');
      return { imported };
    });
}
