import type Router from '@koa/router';
import { z } from 'zod';
import type { Db } from '../db/knex.js';
import { deleteSavedReport, listReportHistory, listSavedReports, saveReport } from '../db/queries/saved-reports.js';
import { AppError } from '../errors.js';
import { ALARM_TYPES } from '../reports/alarms.js';
import { listReports, runReport } from '../reports/engine.js';
import { FORMATS, type ReportFormat } from '../reports/output.js';
import { usageAsBadRequest } from './admin-auth.js';
import { readJson } from './json-body.js';
import { streamReport } from './report-stream.js';
import { scheduleActions } from './schedule-actions.js';

/**
 * Reports over the JSON API (behind the /api/v1 guard of app.ts):
 *   GET  /api/v1/reports                       the catalogue (and the alarm types)
 *   POST /api/v1/reports/:id/run?format=csv    run with the options in the body; streams the output
 *   GET/PUT/DELETE /api/v1/saved-reports[/:name]?owner=   personal reports
 *   GET  /api/v1/report-history?owner=
 *   GET/PUT /api/v1/schedules, POST /api/v1/schedules/:name/enable|disable|run, DELETE /api/v1/schedules/:name
 * Administrators only: every call. Portal users run reports through /api/reports (their own scope).
 */
export function reportRoutes(router: Router, deps: { db: Db }): void {
  const { db } = deps;
  const owner = (ctx: { query: Record<string, unknown> }) => (typeof ctx.query.owner === 'string' && ctx.query.owner !== '' ? ctx.query.owner : 'api');
  const now = () => Math.floor(Date.now() / 1000);

  router.get('/api/v1/reports', (ctx) => {
    ctx.body = { reports: listReports(), alarms: Object.entries(ALARM_TYPES).map(([id, a]) => ({ id, title: a.title })), formats: FORMATS };
  });

  router.post('/api/v1/reports/:id/run', async (ctx) => {
    const format = (typeof ctx.query.format === 'string' ? ctx.query.format : 'json') as ReportFormat;
    if (!(FORMATS as readonly string[]).includes(format)) throw new AppError(`format: one of ${FORMATS.join(', ')} (got ${JSON.stringify(format)})`, 400, 'validation_error');
    const options = await readJson(ctx, z.record(z.string(), z.unknown()).default({}));
    await streamReport(ctx, { db, report: ctx.params.id!, options, format, owner: owner(ctx) });
  });

  router.get('/api/v1/saved-reports', async (ctx) => {
    ctx.body = await listSavedReports({ db, owner: owner(ctx) });
  });
  router.put('/api/v1/saved-reports/:name', async (ctx) => {
    const body = await readJson(ctx, z.object({
      report: z.string().min(1), options: z.record(z.string(), z.unknown()).default({}), description: z.string().max(500).default(''), group: z.string().max(100).default(''),
    }));
    if (!listReports().some((r) => r.id === body.report)) throw new AppError(`report: no report ${JSON.stringify(body.report)}`, 400, 'validation_error');
    await runReport({ db, report: body.report, options: { ...body.options, maxRows: 1 } }).catch(usageAsBadRequest); // options are checked now
    const id = await saveReport({ db, now: now(), saved: { owner: owner(ctx), name: ctx.params.name!, description: body.description, group: body.group, report: body.report, options: body.options } });
    ctx.body = { id };
  });
  router.delete('/api/v1/saved-reports/:name', async (ctx) => {
    if (!(await deleteSavedReport({ db, owner: owner(ctx), name: ctx.params.name! }))) throw new AppError(`no saved report ${JSON.stringify(ctx.params.name)}`, 404, 'not_found');
    ctx.status = 204;
  });
  router.get('/api/v1/report-history', async (ctx) => {
    ctx.body = await listReportHistory({ db, owner: owner(ctx), limit: Math.min(500, Number(ctx.query.limit ?? 50) || 50) });
  });

  const schedules = scheduleActions(db, now);
  router.get('/api/v1/schedules', async (ctx) => {
    ctx.body = await schedules.list();
  });
  router.put('/api/v1/schedules', async (ctx) => {
    ctx.body = { id: await schedules.save(await readJson(ctx, z.record(z.string(), z.unknown()))) };
  });
  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    router.post(`/api/v1/schedules/:name/${action}`, async (ctx) => {
      await schedules.setEnabled(ctx.params.name!, enabled);
      ctx.status = 204;
    });
  }
  router.post('/api/v1/schedules/:name/run', async (ctx) => {
    ctx.body = await schedules.runNow(ctx.params.name!);
  });
  router.delete('/api/v1/schedules/:name', async (ctx) => {
    await schedules.remove(ctx.params.name!);
    ctx.status = 204;
  });
}
