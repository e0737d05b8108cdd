import type Router from '@koa/router';
import { z } from 'zod';
import type { Db } from '../../db/knex.js';
import { deleteSavedReport, listReportHistory, listSavedReports, saveReport } from '../../db/queries/saved-reports.js';
import { NotFoundError } from '../../errors.js';
import { listReports, runReport } from '../../reports/engine.js';
import { FORMATS } from '../../reports/output.js';
import { usageAsBadRequest } from '../admin-auth.js';
import type { ApiRegistry } from '../api-route.js';
import { streamReport } from '../report-stream.js';

/**
 * Reports for logged-in portal users: every run goes through the viewer's `scopedCalls` and masks
 * numbers by the viewer's level, so a report never shows a call the caller may not see. Personal
 * reports and the report history belong to the caller.
 */

const optionsSchema = z.record(z.string(), z.unknown()).default({});
const runQuery = z.object({ format: z.enum(FORMATS).default('json') });
const savedBody = z.object({ report: z.string().min(1), options: optionsSchema, description: z.string().max(500).default(''), group: z.string().max(100).default('') }).strict();

export function portalReportRoutes(router: Router, api: ApiRegistry, deps: { db: Db }): void {
  const { db } = deps;
  const now = () => Math.floor(Date.now() / 1000);

  api.add(router, { method: 'get', path: '/api/reports', tag: 'reports', summary: 'The report catalogue', level: 2 }, async () => ({ reports: listReports(), formats: FORMATS }));

  api.add(router, { method: 'post', path: '/api/reports/{id}/run', tag: 'reports', summary: 'Run a report over the calls visible to the caller; the output is streamed', level: 2, query: runQuery, body: optionsSchema },
    async ({ ctx, params, query, body, auth }) => {
      await streamReport(ctx, { db, report: params.id!, options: body, format: query.format, owner: auth.user.username, viewer: auth.viewer });
      return undefined;
    });

  api.add(router, { method: 'get', path: '/api/saved-reports', tag: 'reports', summary: 'The caller\'s personal reports', level: 2 },
    async ({ auth }) => listSavedReports({ db, owner: auth.user.username }));
  api.add(router, { method: 'put', path: '/api/saved-reports/{name}', tag: 'reports', summary: 'Save a configured report as personal', level: 2, body: savedBody },
    async ({ params, body, auth }) => {
      await runReport({ db, report: body.report, options: { ...body.options, maxRows: 1 }, viewer: auth.viewer }).catch(usageAsBadRequest);
      return { id: await saveReport({ db, now: now(), saved: { owner: auth.user.username, name: params.name!, description: body.description, group: body.group, report: body.report, options: body.options } }) };
    });
  api.add(router, { method: 'delete', path: '/api/saved-reports/{name}', tag: 'reports', summary: 'Delete a personal report', level: 2 },
    async ({ params, auth }) => {
      if (!(await deleteSavedReport({ db, owner: auth.user.username, name: params.name! }))) throw NotFoundError(`saved report ${JSON.stringify(params.name)}`);
      return undefined;
    });
  api.add(router, { method: 'get', path: '/api/report-history', tag: 'reports', summary: 'The reports the caller ran, newest first', level: 2 },
    async ({ auth }) => listReportHistory({ db, owner: auth.user.username, limit: 50 }));
}
