import type Router from '@koa/router';
import { z } from 'zod';
import type { Db } from '../../db/knex.js';
import { listCostCenters, listDepartments, listGatewayNames } from '../../db/queries/report-values.js';
import { deleteSavedReport, findSavedReport, listReportHistory, listSavedReports, renameSavedReport, saveReport } from '../../db/queries/saved-reports.js';
import { AppError, NotFoundError } from '../../errors.js';
import { listReports, runReport } from '../../reports/engine.js';
import { FIELDS } from '../../reports/fields.js';
import { OPERATORS_BY_TYPE, PERIOD_NAMES } from '../../reports/options.js';
import { DESTINATION_TYPES } from '../../rating/destination-types.js';
import { FORMATS } from '../../reports/output.js';
import { usageAsBadRequest } from '../admin-auth.js';
import type { ApiRegistry } from '../api-route.js';
import { parseInput } from '../validate.js';
import { streamReport } from '../report-stream.js';

/**
 * Reports for logged-in portal users: every run goes through the viewer's `scopedCalls` and masks
 * numbers by the viewer's level, so a report never shows a call the caller may not see. Personal
 * reports and the report history belong to the caller.
 */

const optionsSchema = z.record(z.string(), z.unknown()).default({});
const runQuery = z.object({ format: z.enum(FORMATS).default('json') });
const savedBody = z.object({
  report: z.string().min(1), options: optionsSchema, description: z.string().max(500).default(''), group: z.string().max(100).default(''),
  /** Rename: the personal report's current name (the path holds the new one). */
  renameFrom: z.string().min(1).max(100).optional(),
}).strict();
const savedName = z.string().trim().min(1, 'a name is needed').max(100);

export function portalReportRoutes(router: Router, api: ApiRegistry, deps: { db: Db; now: () => number }): void {
  const { db, now } = deps;

  api.add(router, { method: 'get', path: '/api/reports', tag: 'reports', summary: 'The report catalogue: reports, the fields and operators of conditions, periods, destination types, formats', level: 2 },
    async () => ({
      reports: listReports(), formats: FORMATS, periods: PERIOD_NAMES, destinationTypes: DESTINATION_TYPES,
      fields: Object.entries(FIELDS).map(([key, f]) => ({ key, label: f.label, type: f.type, operators: OPERATORS_BY_TYPE[f.type] })),
    }));
  api.add(router, { method: 'get', path: '/api/reports/values', tag: 'reports', summary: 'Known departments, cost centres and gateways, offered by the report options (level 8: they name every department)', level: 8 },
    async () => ({ departments: await listDepartments({ db }), costCenters: await listCostCenters({ db }), gateways: await listGatewayNames({ db }) }));

  api.add(router, { method: 'post', path: '/api/reports/{id}/run', tag: 'reports', summary: 'Run a report over the calls visible to the caller; the output is streamed', level: 2, query: runQuery, body: optionsSchema },
    async ({ ctx, params, query, body, auth }) => {
      await streamReport(ctx, { db, report: params.id!, options: body, format: query.format, owner: auth.user.username, viewer: auth.viewer });
      return undefined;
    });

  api.add(router, { method: 'get', path: '/api/saved-reports', tag: 'reports', summary: 'The caller\'s personal reports', level: 2 },
    async ({ auth }) => listSavedReports({ db, owner: auth.user.username }));
  api.add(router, { method: 'put', path: '/api/saved-reports/{name}', tag: 'reports', summary: 'Save a configured report as personal', level: 2, body: savedBody },
    async ({ params, body, auth }) => {
      const name = parseInput(savedName, params.name, 'path');
      const owner = auth.user.username;
      await runReport({ db, report: body.report, options: { ...body.options, maxRows: 1 }, viewer: auth.viewer }).catch(usageAsBadRequest);
      const saved = { owner, name, description: body.description, group: body.group, report: body.report, options: body.options };
      const from = body.renameFrom;
      if (from === undefined || from === name) return { id: await saveReport({ db, now: now(), saved }) };
      return db.transaction(async (tx) => {
        if (await findSavedReport({ db: tx, owner, name })) throw new AppError(`name: a personal report ${JSON.stringify(name)} exists already`, 409, 'conflict');
        if (!(await renameSavedReport({ db: tx, owner, from, to: name, now: now() }))) throw NotFoundError(`saved report ${JSON.stringify(from)}`);
        return { id: await saveReport({ db: tx, now: now(), saved }) };
      });
    });
  api.add(router, { method: 'delete', path: '/api/saved-reports/{name}', tag: 'reports', summary: 'Delete a personal report', level: 2 },
    async ({ params, auth }) => {
      if (!(await deleteSavedReport({ db, owner: auth.user.username, name: params.name! }))) throw NotFoundError(`saved report ${JSON.stringify(params.name)}`);
      return undefined;
    });
  api.add(router, { method: 'get', path: '/api/report-history', tag: 'reports', summary: 'The reports the caller ran, newest first', level: 2 },
    async ({ auth }) => listReportHistory({ db, owner: auth.user.username, limit: 50 }));
}
