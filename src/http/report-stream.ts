import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { Db } from '../db/knex.js';
import { addReportHistory } from '../db/queries/saved-reports.js';
import { runReport, type ReportViewer } from '../reports/engine.js';
import { CONTENT_TYPES, writeReport, type ReportFormat, type ReportOutput } from '../reports/output.js';
import { usageAsBadRequest } from './admin-auth.js';

/**
 * Runs a report and streams its output as the response (bad options: 400 with the reason); the
 * run is added to the owner's report history once written. With a viewer, only the calls the
 * viewer may see, numbers masked by the viewer's level.
 */
export async function streamReport(ctx: Context, o: {
  db: Db; report: string; options: Record<string, unknown>; format: ReportFormat; owner: string; viewer?: ReportViewer;
}): Promise<void> {
  const { db, report, options, format } = o;
  const result = await runReport({ db, report, options, ...(o.viewer ? { viewer: o.viewer } : {}) }).catch(usageAsBadRequest);
  streamOutput(ctx, result, format, report, async (rows) => {
    await addReportHistory({ db, owner: o.owner, report, options, format, rows, at: Math.floor(Date.now() / 1000) });
  });
}

/**
 * Sets the response to `result` written in `format` as it is produced (rows are never all in
 * memory); `done` runs once every row is written. A failure while writing ends the response.
 */
export function streamOutput(ctx: Context, result: ReportOutput, format: ReportFormat, name: string, done?: (rows: number) => Promise<void>): void {
  const out = new PassThrough();
  ctx.type = CONTENT_TYPES[format];
  if (format !== 'json') ctx.attachment(`${name}.${format}`);
  ctx.body = out;
  void writeReport(result, format, out)
    .then(async ({ rows }) => {
      out.end();
      await done?.(rows);
    })
    .catch((err: Error) => out.destroy(err));
}
