import type { DbOrTx } from '../knex.js';

/** Personal reports (a configured report saved by a user) and the report history per user. */

export interface SavedReport {
  id: number;
  owner: string;
  name: string;
  description: string;
  group: string;
  report: string;
  options: Record<string, unknown>;
}

const toSaved = (r: Record<string, unknown>): SavedReport => ({
  id: Number(r.id), owner: String(r.owner), name: String(r.name), description: String(r.description), group: String(r.group_name),
  report: String(r.report), options: JSON.parse(String(r.options)) as Record<string, unknown>,
});

/** Saves (or replaces, by owner and name) a personal report. */
export async function saveReport(options: { db: DbOrTx; saved: Omit<SavedReport, 'id'>; now: number }): Promise<number> {
  const { db, saved: s, now } = options;
  const values = { description: s.description, group_name: s.group, report: s.report, options: JSON.stringify(s.options), updated_at: now };
  const existing = await db('saved_reports').where({ owner: s.owner, name: s.name }).first('id');
  if (existing) {
    await db('saved_reports').where({ id: existing.id }).update(values);
    return Number(existing.id);
  }
  const [row] = await db('saved_reports').insert({ ...values, owner: s.owner, name: s.name, created_at: now }).returning('id');
  return Number(typeof row === 'object' ? row.id : row);
}

export async function listSavedReports(options: { db: DbOrTx; owner: string }): Promise<SavedReport[]> {
  return (await options.db('saved_reports').where({ owner: options.owner }).orderBy(['group_name', 'name'])).map(toSaved);
}

export async function findSavedReport(options: { db: DbOrTx; owner: string; name: string }): Promise<SavedReport | undefined> {
  const r = await options.db('saved_reports').where({ owner: options.owner, name: options.name }).first();
  return r ? toSaved(r as Record<string, unknown>) : undefined;
}

export async function deleteSavedReport(options: { db: DbOrTx; owner: string; name: string }): Promise<boolean> {
  return (await options.db('saved_reports').where({ owner: options.owner, name: options.name }).delete()) > 0;
}

/** Renames a personal report; false when there is none by the old name. */
export async function renameSavedReport(options: { db: DbOrTx; owner: string; from: string; to: string; now: number }): Promise<boolean> {
  return (await options.db('saved_reports').where({ owner: options.owner, name: options.from }).update({ name: options.to, updated_at: options.now })) > 0;
}

export async function addReportHistory(options: { db: DbOrTx; owner: string; report: string; options: unknown; format: string; rows: number; at: number }): Promise<void> {
  const { db, owner, report, format, rows, at } = options;
  await db('report_history').insert({ owner, report, options: JSON.stringify(options.options), format, rows, ran_at: at });
}

export async function listReportHistory(options: { db: DbOrTx; owner: string; limit: number }): Promise<Array<{ report: string; options: unknown; format: string; rows: number; ranAt: number }>> {
  const rows = await options.db('report_history').where({ owner: options.owner }).orderBy([{ column: 'ran_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(options.limit);
  return rows.map((r: Record<string, unknown>) => ({ report: String(r.report), options: JSON.parse(String(r.options)), format: String(r.format), rows: Number(r.rows), ranAt: Number(r.ran_at) }));
}
